package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ResolveRequest;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.support.GatewayHarness;

/** Item outcomes of spec §3, §5.1, §5.3 and §9, over real HTTP against a real PostgreSQL registry. */
@ExtendWith(VertxExtension.class)
@DisplayName("Bulk export item outcomes")
class ExportOutcomeTest {

  static GatewayHarness gw;
  static final List<ResolveRequest> resolveRequests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
    vertx.eventBus().addOutboundInterceptor((DeliveryContext<Object> dc) -> {
      if (dc.message().body() instanceof ResolveRequest r) {
        resolveRequests.add(r);
      }
      dc.next();
    });
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static JsonObject body(String type, String... ids) {
    return new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
  }

  static JsonObject export(String client, JsonObject body) {
    HttpResponse<Buffer> r = gw.export(client, body).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject json = r.bodyAsJsonObject();
    assertInvariants(body, json);
    return json;
  }

  /** §9: one item per identifier, byte-equal, in order; total == len(items) == successful + failed. */
  static void assertInvariants(JsonObject request, JsonObject response) {
    JsonArray ids = request.getJsonArray("identifiers");
    JsonArray items = response.getJsonArray("items");
    assertThat(items.size()).isEqualTo(ids.size());
    int successes = 0;
    for (int i = 0; i < ids.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      assertThat(item.getString("identifier")).isEqualTo(ids.getString(i));
      if ("success".equals(item.getString("status"))) {
        successes++;
        assertThat(item.containsKey("resource")).isTrue();
        assertThat(item.containsKey("error")).isFalse();
      } else {
        assertThat(item.containsKey("resource")).isFalse();
        assertThat(item.getString("error")).isNotBlank();
      }
      assertThat(item.containsKey("_consent")).isFalse();
    }
    assertThat(response.getInteger("total")).isEqualTo(items.size());
    assertThat(response.getInteger("successful")).isEqualTo(successes);
    assertThat(response.getInteger("successful") + response.getInteger("failed")).isEqualTo(items.size());
  }

  static JsonObject item(JsonObject response, int i) {
    return response.getJsonArray("items").getJsonObject(i);
  }

  @Test
  @DisplayName("a registered identifier exports as success for a legal-basis client")
  void foundIsSuccess() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|A-1"));
    assertThat(item(r, 0).getString("status")).isEqualTo("success");
    assertThat(item(r, 0).getJsonObject("resource").getString("type")).isEqualTo("Individual");
    assertThat(r.getInteger("successful")).isEqualTo(1);
  }

  @Test
  @DisplayName("an unknown identifier is not_found with the type's message")
  void unknownIsNotFound() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|NOPE"));
    assertThat(item(r, 0).getString("status")).isEqualTo("not_found");
    assertThat(item(r, 0).getString("error")).isEqualTo("Individual not found");
    JsonObject g = export("legal-client", body("Group", "urn:test:hh|NOPE"));
    assertThat(item(g, 0).getString("error")).isEqualTo("Group not found");
  }

  @Test
  @DisplayName("malformed identifiers are error items with the exact format message and keep their place")
  void malformedIdentifiersAreErrorsInPlace() {
    String[] ids = {"urn:test:nid|A-1", "no-bar", "|value-only", "system-only|", "", "urn:test:nid|B-1"};
    JsonObject r = export("legal-client", body("Individual", ids));
    assertThat(item(r, 0).getString("status")).isEqualTo("success");
    for (int i = 1; i <= 4; i++) {
      assertThat(item(r, i).getString("status")).isEqualTo("error");
      assertThat(item(r, i).getString("error")).isEqualTo("Invalid identifier format. Expected: {system}|{value}");
    }
    assertThat(item(r, 5).getString("status")).isEqualTo("success");
    assertThat(r.getInteger("failed")).isEqualTo(4);
  }

  @Test
  @DisplayName("identifiers longer than 512 characters are 'Identifier too long'; 512 is still looked up")
  void overLongIdentifiers() {
    String prefix = "urn:test:nid|";
    String exactly512 = prefix + "x".repeat(512 - prefix.length());
    String tooLong = exactly512 + "y";
    JsonObject r = export("legal-client", body("Individual", exactly512, tooLong));
    assertThat(item(r, 0).getString("status")).isEqualTo("not_found");
    assertThat(item(r, 1).getString("status")).isEqualTo("error");
    assertThat(item(r, 1).getString("error")).isEqualTo("Identifier too long");
  }

  @Test
  @DisplayName("duplicates get one item per occurrence while the registry is asked once per distinct key")
  void duplicatesAnsweredPerOccurrenceAskedOnce() {
    resolveRequests.clear();
    JsonObject r = export("legal-client",
        body("Individual", "urn:test:nid|A-1", "urn:test:nid|NOPE", "urn:test:nid|A-1", "urn:test:nid|A-1"));
    assertThat(r.getInteger("total")).isEqualTo(4);
    assertThat(item(r, 0)).isEqualTo(item(r, 2)).isEqualTo(item(r, 3));
    assertThat(resolveRequests).hasSize(1);
    assertThat(resolveRequests.get(0).values()).containsExactly("A-1", "NOPE");
    assertThat(resolveRequests.get(0).type()).isEqualTo(ResourceType.INDIVIDUAL);
  }

  @Test
  @DisplayName("request order is preserved exactly across mixed outcomes")
  void orderPreserved() {
    String[] ids = {"urn:test:nid|NOPE-1", "bad", "urn:test:nid|C-1", "urn:test:nid|DUP-1", "urn:test:nid|A-1",
        "urn:test:tax|T-1", "urn:test:nid|NOPE-2"};
    JsonObject r = export("legal-client", body("Individual", ids));
    List<String> statuses = new ArrayList<>();
    r.getJsonArray("items").forEach(o -> statuses.add(((JsonObject) o).getString("status")));
    assertThat(statuses).containsExactly("not_found", "error", "success", "error", "success", "success", "not_found");
  }

  @Test
  @DisplayName("the value is everything after the first bar, so values may contain '|'")
  void barInsideValue() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|P|Q|R", "urn:test:nid|P"));
    assertThat(item(r, 0).getString("status")).isEqualTo("success");
    assertThat(item(r, 0).getJsonObject("resource").getJsonArray("identifier").getJsonObject(0).getString("value"))
        .isEqualTo("P|Q|R");
    assertThat(item(r, 1).getString("status")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("unicode values match exactly and are echoed byte for byte")
  void unicodeValues() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|Ñoño-名前-✓", "urn:test:nid|Nono-名前-✓"));
    assertThat(item(r, 0).getString("status")).isEqualTo("success");
    assertThat(item(r, 0).getString("identifier")).isEqualTo("urn:test:nid|Ñoño-名前-✓");
    assertThat(item(r, 1).getString("status")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("no trimming: surrounding spaces make a different identifier")
  void noTrimming() {
    JsonObject r = export("legal-client", body("Individual", " urn:test:nid|A-1", "urn:test:nid|A-1 "));
    assertThat(item(r, 0).getString("status")).isEqualTo("not_found");
    assertThat(item(r, 1).getString("status")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("the kind filter: an Individual export never returns groups and vice versa")
  void kindFilter() {
    JsonObject ind = export("legal-client", body("Individual", "urn:test:nid|SHARED-KIND", "urn:test:hh|G-1"));
    assertThat(item(ind, 0).getString("status")).isEqualTo("success");
    assertThat(item(ind, 0).getJsonObject("resource").getString("type")).isEqualTo("Individual");
    assertThat(item(ind, 1).getString("status")).isEqualTo("not_found");
    JsonObject grp = export("legal-client", body("Group", "urn:test:nid|SHARED-KIND", "urn:test:nid|A-1"));
    assertThat(item(grp, 0).getString("status")).isEqualTo("success");
    assertThat(item(grp, 0).getJsonObject("resource").getString("type")).isEqualTo("Group");
    assertThat(item(grp, 1).getString("status")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("soft-removed identifiers neither resolve nor appear in returned resources")
  void softRemovedIdentifiers() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|A-OLD", "urn:test:nid|E-GONE",
        "urn:test:nid|A-1"));
    assertThat(item(r, 0).getString("status")).isEqualTo("not_found");
    assertThat(item(r, 1).getString("status")).isEqualTo("not_found");
    JsonArray identifiers = item(r, 2).getJsonObject("resource").getJsonArray("identifier");
    assertThat(identifiers.encode()).doesNotContain("A-OLD");
    assertThat(identifiers).hasSize(2);
  }

  @Test
  @DisplayName("archived registrants still resolve and are returned with active false")
  void archivedResolves() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|C-1"));
    assertThat(item(r, 0).getString("status")).isEqualTo("success");
    assertThat(item(r, 0).getJsonObject("resource").getBoolean("active")).isFalse();
  }

  @Test
  @DisplayName("an identifier held by two registrants is an ambiguity error; each holder's own id still resolves")
  void ambiguity() {
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|DUP-1", "urn:test:nid|D-1"));
    assertThat(item(r, 0).getString("status")).isEqualTo("error");
    assertThat(item(r, 0).getString("error")).isEqualTo("Identifier matches more than one registrant");
    assertThat(item(r, 1).getString("status")).isEqualTo("success");
  }

  @Test
  @DisplayName("a consent-filtered client cannot tell unknown from existing records: both are access_denied")
  void consentFilteredClientSeesNoDifference() {
    JsonObject r = export("consent-client", body("Individual", "urn:test:nid|A-1", "urn:test:nid|NOPE"));
    JsonObject found = item(r, 0).copy();
    JsonObject unknown = item(r, 1).copy();
    assertThat(found.getString("status")).isEqualTo("access_denied");
    assertThat(found.getString("error")).isEqualTo("Access denied");
    found.remove("identifier");
    unknown.remove("identifier");
    assertThat(found).isEqualTo(unknown);
  }

  @Test
  @DisplayName("a request of only malformed identifiers does not reach the registry")
  void onlyMalformedSkipsRegistry() {
    resolveRequests.clear();
    JsonObject r = export("legal-client", body("Individual", "a", "b"));
    assertThat(r.getInteger("failed")).isEqualTo(2);
    assertThat(resolveRequests).isEmpty();
  }

  @Test
  @DisplayName("a record whose mapping fails is an 'Internal error' item while the other items still succeed")
  void mappingFailureIsContained() {
    io.vertx.sqlclient.Pool pool = org.openspp.gateway.support.TestRegistry.pool(gw.vertx, gw.dbUrl);
    try {
      pool.query("UPDATE registrant SET extension = '[1, 2]'::jsonb WHERE ref = 'p'").execute().await();
    } finally {
      pool.close().await();
    }
    JsonObject r = export("legal-client", body("Individual", "urn:test:nid|P|Q|R", "urn:test:nid|A-1")
        .put("_extensions", "*"));
    assertThat(item(r, 0).getString("status")).isEqualTo("error");
    assertThat(item(r, 0).getString("error")).isEqualTo("Internal error");
    assertThat(item(r, 1).getString("status")).isEqualTo("success");
    assertThat(r.getInteger("successful")).isEqualTo(1);
  }

  @Test
  @DisplayName("identifiers holding a NUL character are simply not found and never fail the registry query")
  void nulCharacterIsNotFound() {
    for (int i = 0; i < 8; i++) {
      JsonObject r = export("legal-client", body("Individual", "urn:test:nid|A\u0000" + i, "urn:test:nid|A-1"));
      assertThat(item(r, 0).getString("status")).isEqualTo("not_found");
      assertThat(item(r, 1).getString("status")).isEqualTo("success");
    }
  }

  @Test
  @DisplayName("the maximum of 100 identifiers is served in one request")
  void hundredIdentifiers() {
    String[] ids = new String[100];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i % 10 == 0 ? "urn:test:nid|A-1" : "urn:test:nid|UNKNOWN-" + i;
    }
    JsonObject r = export("legal-client", body("Individual", ids));
    assertThat(r.getInteger("total")).isEqualTo(100);
    assertThat(r.getInteger("successful")).isEqualTo(10);
    assertThat(Addresses.resolve(ResourceType.INDIVIDUAL)).isEqualTo("gateway.resolve.individual");
  }
}
