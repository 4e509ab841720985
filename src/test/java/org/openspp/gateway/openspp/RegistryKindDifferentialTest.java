package org.openspp.gateway.openspp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;

/**
 * One registry fixture, loaded once through {@code load} into the gateway schema and once, by
 * {@code FakeOpenspp.copyFrom}, into a fake OpenSPP database: every request of a matrix (every client of the
 * fixture, both resource types, every identifier of the fixture plus unknown, malformed, over-long and duplicated
 * ones, with and without {@code _elements} and {@code _extensions}) gets the same status and the same body from
 * both registry kinds, apart from the documented exceptions: {@code extension} (not served from OpenSPP) and
 * {@code meta.versionId} (an opaque token: the gateway schema's counter, OpenSPP's {@code write_date}).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Differential: the gateway and openspp registry kinds answer alike")
class RegistryKindDifferentialTest {

  static final String FIXTURE = "fixtures/openspp-differential.ndjson";

  static GatewayHarness gatewayKind;
  static OpensppHarness opensppKind;
  /** The openspp gateway runs on a Vert.x of its own: on one event bus the two kinds' resolvers would share work. */
  static Vertx opensppVertx;
  static List<String> clients = new ArrayList<>();
  static List<String> identifiers = new ArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) {
    gatewayKind = GatewayHarness.start(vertx, FIXTURE, UnaryOperator.identity());
    opensppVertx = Vertx.vertx();
    opensppKind = OpensppHarness.start(opensppVertx, FIXTURE, UnaryOperator.identity());
    for (Row row : gatewayKind.sql("SELECT client_id FROM api_client ORDER BY client_id")) {
      clients.add(row.getString(0));
    }
    for (Row row : gatewayKind.sql(
        "SELECT system || '|' || value FROM registrant_identifier ORDER BY registrant_id, position")) {
      identifiers.add(row.getString(0));
    }
    identifiers.add("urn:test:nid|NOT-THERE");
    identifiers.add("no-pipe-here");
    identifiers.add("urn:test:nid|" + "X".repeat(101));
    identifiers.add(identifiers.get(0));
  }

  @AfterAll
  static void stop() {
    gatewayKind.stop();
    opensppKind.stop();
    opensppVertx.close().await();
  }

  @Test
  @DisplayName("every client, both types, with and without _elements and _extensions: same status, same body")
  void matrixAnswersAlike() {
    assertThat(clients).hasSizeGreaterThanOrEqualTo(3);
    assertThat(identifiers.size()).isBetween(10, 100);
    Map<String, Integer> statuses = new TreeMap<>();
    int compared = 0;
    for (String client : clients) {
      for (String type : List.of("Individual", "Group")) {
        for (String elements : new String[] {null, "name,identifier,active",
            "groupMembership.group,member.entity.reference,member.role,meta.lastUpdated,address.city"}) {
          for (String extensions : new String[] {null, "*"}) {
            JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray(identifiers));
            if (elements != null) {
              body.put("_elements", elements);
            }
            if (extensions != null) {
              body.put("_extensions", extensions);
            }
            HttpResponse<Buffer> expected = gatewayKind.export(client, body).await();
            HttpResponse<Buffer> actual = opensppKind.gateway.export(client, body).await();
            String what = client + " " + body.encode();
            assertThat(actual.statusCode()).as(what).isEqualTo(expected.statusCode());
            assertThat(actual.getHeader("Content-Type")).as(what).isEqualTo(expected.getHeader("Content-Type"));
            if (expected.statusCode() == 200) {
              for (Object item : expected.bodyAsJsonObject().getJsonArray("items")) {
                statuses.merge(((JsonObject) item).getString("status"), 1, Integer::sum);
              }
            }
            assertThat(normalized(actual.bodyAsJsonObject())).as(what)
                .isEqualTo(normalized(expected.bodyAsJsonObject()));
            compared++;
          }
        }
      }
    }
    assertThat(compared).isEqualTo(clients.size() * 2 * 3 * 2);
    // the matrix exercised every outcome, so agreement is not agreement on errors alone
    assertThat(statuses).containsKeys("success", "not_found", "access_denied", "error");
  }

  @Test
  @DisplayName("both kinds: a household member's own withdrawal beats the household's consent, its sibling is read")
  void ownWithdrawalBeatsHouseholdConsentOnBothKinds() {
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray()
        .add("urn:openspp:vocab:id-type#national_id|NID-0011").add("urn:openspp:vocab:id-type#national_id|NID-0003"));
    for (GatewayHarness kind : List.of(gatewayKind, opensppKind.gateway)) {
      JsonArray items = kind.export("consent-client", body).await().bodyAsJsonObject().getJsonArray("items");
      assertThat(items.getJsonObject(0).getString("status")).isEqualTo("access_denied");
      assertThat(items.getJsonObject(1).getString("status")).isEqualTo("success");
    }
  }

  /**
   * The body as text, without the documented exceptions: {@code extension} and {@code meta.versionId} (checked
   * present on both sides before removal). Problem bodies lose their per-request {@code requestId}.
   */
  static String normalized(JsonObject body) {
    JsonObject copy = body.copy();
    copy.remove("requestId");
    JsonArray items = copy.getJsonArray("items");
    if (items != null) {
      for (Object o : items) {
        JsonObject resource = ((JsonObject) o).getJsonObject("resource");
        if (resource == null) {
          continue;
        }
        resource.remove("extension");
        JsonObject meta = resource.getJsonObject("meta");
        if (meta != null && meta.containsKey("versionId")) {
          assertThat(meta.getString("versionId")).isNotBlank();
          meta.remove("versionId");
          if (meta.isEmpty()) {
            resource.remove("meta");
          }
        }
      }
    }
    return copy.encode();
  }
}
