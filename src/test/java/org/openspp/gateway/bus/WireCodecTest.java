package org.openspp.gateway.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WireCodec: the clustered event bus format of resolve messages")
class WireCodecTest {

  static final ClientRecord CLIENT = new ClientRecord("ngo-1", true, "consent", "org-ngo", "ngo",
      Set.of("individual:read", "group:read"), 600);

  static ResolveRequest request() {
    return new ResolveRequest("req-1", ResourceType.INDIVIDUAL,
        List.of("urn:test:nid", "urn:x", "urn:x"), List.of("A-1", "a|b|c", "é 漢 😀 \u0000 \"q\""), CLIENT,
        LocalDate.of(2026, 11, 27));
  }

  static ResolveResult result() {
    ConsentRecord consent = new ConsentRecord(42, true, "given", "specific", List.of("org-ngo"), List.of(),
        LocalDate.of(2020, 1, 1), null, List.of(new ConsentRecord.Scope("individual", "custom",
            List.of("name", "birthDate"), "research", true, List.of("farmer"))));
    RegistrantRecord full = new RegistrantRecord(7, ResourceType.INDIVIDUAL, true,
        List.of(new RegistrantRecord.Identifier("urn:test:nid", "A-1"), new RegistrantRecord.Identifier("urn:t", "T")),
        "SANTOS", "Maria", null, "Maria SANTOS", LocalDate.of(1980, 2, 29), false, "2", "Female", "+63 2",
        null, "m@example.org", new RegistrantRecord.Address("1 Rizal St", "Manila", null, "PH", "1000"), null,
        "{\"farmer\":{\"crop\":\"rice\",\"hectares\":2.5}}",
        List.of(new RegistrantRecord.Link("urn:test:hh", "G-1", "Santos household", "urn:role", "head", "Head", false)),
        "bench", "3", Instant.parse("2026-01-02T03:04:05.123456Z"), List.of(consent));
    RegistrantRecord sparse = new RegistrantRecord(8, ResourceType.GROUP, false, List.of(), null, null, null, null,
        null, null, null, null, null, null, null, null, null, null, List.of(), null, "1",
        Instant.parse("2026-01-02T03:04:05Z"), List.of());
    return new ResolveResult(List.of(new ResolveResult.Match("urn:test:nid", "A-1", full),
        new ResolveResult.Match("urn:x", "a|b|c", sparse)));
  }

  static <T> T roundTrip(WireCodec<T> codec, T value) {
    Buffer wire = Buffer.buffer("prefix");
    codec.encodeToWire(wire, value);
    return codec.decodeFromWire("prefix".length(), wire);
  }

  @Test
  @DisplayName("a resolve request crosses the wire unchanged, every component and character")
  void requestRoundTrip() {
    ResolveRequest sent = request();
    assertThat(roundTrip(new WireCodec<>(ResolveRequest.class), sent)).isEqualTo(sent);
  }

  @Test
  @DisplayName("a resolve result crosses the wire unchanged, nulls, nested records and instants included")
  void resultRoundTrip() {
    ResolveResult sent = result();
    assertThat(roundTrip(new WireCodec<>(ResolveResult.class), sent)).isEqualTo(sent);
  }

  @Test
  @DisplayName("within one process the same instance is delivered (no copy)")
  void localDeliveryIsTheSameInstance() {
    ResolveResult sent = result();
    assertThat(new WireCodec<>(ResolveResult.class).transform(sent)).isSameAs(sent);
  }

  @Test
  @DisplayName("a message of another shape from a peer is refused, not half-filled")
  void foreignShapesAreRefused() {
    WireCodec<ResolveRequest> codec = new WireCodec<>(ResolveRequest.class);
    for (String json : List.of("{\"requestId\":\"r\"}", "{\"surprise\":1}", "[]", "not json",
        "{\"requestId\":\"r\",\"type\":\"INDIVIDUAL\",\"systems\":[],\"values\":[],\"client\":null,"
            + "\"today\":\"yesterday\"}")) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      Buffer wire = Buffer.buffer().appendInt(bytes.length).appendBytes(bytes);
      assertThatThrownBy(() -> codec.decodeFromWire(0, wire)).as(json).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @DisplayName("both sides name the codec alike, so peers agree on it")
  void stableNames() {
    assertThat(new WireCodec<>(ResolveRequest.class).name()).isEqualTo("spp:ResolveRequest");
    assertThat(new WireCodec<>(ResolveResult.class).name()).isEqualTo("spp:ResolveResult");
  }
}
