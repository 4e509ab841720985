package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.AuditRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/** The audit trail (spec §10): reconciles with what was served, holds no payload, and fails closed. */
@ExtendWith(VertxExtension.class)
@DisplayName("Audit trail")
class AuditTrailTest {

  static GatewayHarness gw;

  static final String CONSENT_ON_A = "{\"kind\":\"Consent\",\"ref\":\"consent-a\",\"subject\":\"Individual/urn:test:nid|A-1\","
      + "\"recipients\":{\"mode\":\"specific\",\"organizations\":[\"org-ngo\"]},\"status\":\"given\","
      + "\"scopes\":[{\"resourceType\":\"individual\",\"fieldAccess\":\"basic\",\"customFields\":[],"
      + "\"purpose\":\"service_delivery\",\"includeExtensions\":false,\"allowedExtensions\":[]}]}";

  @BeforeAll
  static void start(Vertx vertx) {
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    lines.add(CONSENT_ON_A);
    gw = GatewayHarness.startWithLines(vertx, lines, c -> c);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static HttpResponse<Buffer> export(String client, String requestId, String... ids) {
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(List.of((Object[]) ids)));
    return gw.exportRequest(client).putHeader("X-Request-Id", requestId).putHeader("User-Agent", "audit-test/1.0")
        .sendBuffer(body.toBuffer()).await();
  }

  static Row requestRow(String requestId) {
    List<Row> rows = new ArrayList<>();
    gw.sql("SELECT * FROM audit_request WHERE request_id = $1", requestId).forEach(rows::add);
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  static List<Row> itemRows(String requestId) {
    List<Row> rows = new ArrayList<>();
    gw.sql("SELECT i.* FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id "
        + "WHERE r.request_id = $1 ORDER BY i.position", requestId).forEach(rows::add);
    return rows;
  }

  @Test
  @DisplayName("one request row and one item row per item, reconciling exactly with the response")
  void auditReconcilesWithResponse() {
    HttpResponse<Buffer> r = export("legal-client", "audit-legal-1",
        "urn:test:nid|A-1", "urn:test:nid|NOPE", "bad", "urn:test:nid|DUP-1", "urn:test:nid|A-1");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();

    Row req = requestRow("audit-legal-1");
    assertThat(req.getString("client_id")).isEqualTo("legal-client");
    assertThat(req.getString("legal_basis")).isEqualTo("public_task");
    assertThat(req.getString("resource_type")).isEqualTo("Individual");
    assertThat(req.getInteger("total")).isEqualTo(body.getInteger("total"));
    assertThat(req.getInteger("successful")).isEqualTo(body.getInteger("successful"));
    assertThat(req.getInteger("failed")).isEqualTo(body.getInteger("failed"));
    assertThat(req.getString("remote_address")).isEqualTo("127.0.0.1");
    assertThat(req.getString("user_agent")).isEqualTo("audit-test/1.0");
    assertThat(req.getOffsetDateTime("requested_at")).isNotNull();

    List<Row> items = itemRows("audit-legal-1");
    JsonArray served = body.getJsonArray("items");
    assertThat(items).hasSize(served.size());
    for (int i = 0; i < served.size(); i++) {
      JsonObject item = served.getJsonObject(i);
      Row row = items.get(i);
      assertThat(row.getInteger("position")).isEqualTo(i);
      assertThat(row.getString("identifier")).isEqualTo(item.getString("identifier"));
      assertThat(row.getString("status")).isEqualTo(item.getString("status"));
      if ("success".equals(item.getString("status"))) {
        assertThat(row.getLong("registrant_id")).isNotNull();
        assertThat(Arrays.asList(row.getArrayOfStrings("fields")))
            .containsExactlyElementsOf(item.getJsonObject("resource").fieldNames());
        assertThat(row.getLong("consent_id")).as("a legal-basis export names no consent").isNull();
      } else {
        assertThat(row.getValue("fields")).isNull();
      }
    }
  }

  @Test
  @DisplayName("a consent-based success records the consent id and purpose; denials record none")
  void consentRecorded() {
    HttpResponse<Buffer> r = export("consent-client", "audit-consent-1", "urn:test:nid|A-1", "urn:test:nid|B-1");
    assertThat(r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("status")).isEqualTo("success");
    long consentId = gw.sql("SELECT id FROM consent WHERE ref = 'consent-a'").iterator().next().getLong("id");
    List<Row> items = itemRows("audit-consent-1");
    assertThat(items.get(0).getLong("consent_id")).isEqualTo(consentId);
    assertThat(items.get(0).getString("purpose")).isEqualTo("service_delivery");
    assertThat(Arrays.asList(items.get(0).getArrayOfStrings("fields")))
        .containsExactly("type", "identifier", "active", "name", "meta");
    assertThat(items.get(1).getString("status")).isEqualTo("access_denied");
    assertThat(items.get(1).getValue("consent_id")).isNull();
    assertThat(items.get(1).getValue("purpose")).isNull();
  }

  @Test
  @DisplayName("no resource payload is ever stored in the audit tables")
  void noPayloadStored() {
    export("legal-client", "audit-payload-1", "urn:test:nid|A-1");
    StringBuilder all = new StringBuilder();
    gw.sql("SELECT row_to_json(a)::text AS j FROM audit_request a").forEach(row -> all.append(row.getString("j")));
    gw.sql("SELECT row_to_json(a)::text AS j FROM audit_item a").forEach(row -> all.append(row.getString("j")));
    assertThat(all.toString()).contains("urn:test:nid|A-1")
        .doesNotContain("SANTOS").doesNotContain("maria@example.org").doesNotContain("1985-03-15")
        .doesNotContain("Rizal");
  }

  @Test
  @DisplayName("records arriving together are group-committed: 200 requests' records in far fewer commits")
  void groupCommit() {
    Timer commits = gw.main.meters().get("gateway.audit.commit").timer();
    long before = commits.count();
    List<Future<Object>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      AuditRecord record = new AuditRecord(UUID.randomUUID(), "audit-burst-" + i, "legal-client", "public_task",
          "Individual", 1, 0, 1, Instant.now(), "127.0.0.1", "burst",
          List.of(new AuditRecord.Item(0, "urn:test:nid|N-" + i, "not_found", null, null, null, null)));
      all.add(gw.vertx.eventBus().request(Addresses.AUDIT, record).map(m -> m.body()));
    }
    Future.all(all).await();
    long audited = gw.sql("SELECT count(*) AS n FROM audit_request WHERE request_id LIKE 'audit-burst-%'")
        .iterator().next().getLong("n");
    long items = gw.sql("SELECT count(*) AS n FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id "
        + "WHERE r.request_id LIKE 'audit-burst-%'").iterator().next().getLong("n");
    assertThat(audited).isEqualTo(200);
    assertThat(items).isEqualTo(200);
    assertThat(commits.count() - before).isLessThan(100);
  }

  @Test
  @DisplayName("when the audit store refuses writes the export answers 503 and no success item leaves")
  void failsClosedWhenAuditWritesFail() {
    Counter failures = gw.main.meters().get("gateway.audit.failures").counter();
    double failedBefore = failures.count();
    gw.sql("CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
        + "$$ BEGIN RAISE EXCEPTION 'audit store read-only'; END $$");
    gw.sql("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_item FOR EACH ROW EXECUTE FUNCTION refuse_audit()");
    try {
      HttpResponse<Buffer> r = export("legal-client", "audit-refused-1", "urn:test:nid|A-1");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(r.getHeader("Retry-After")).isNotBlank();
      assertThat(r.bodyAsJsonObject().getString("detail")).contains("audit");
      assertThat(r.bodyAsString()).doesNotContain("success").doesNotContain("SANTOS");
      assertThat(failures.count()).isGreaterThan(failedBefore);
      assertThat(gw.sql("SELECT count(*) AS n FROM audit_request WHERE request_id = 'audit-refused-1'")
          .iterator().next().getLong("n")).as("the failed commit left nothing half-written").isZero();
    } finally {
      gw.sql("DROP TRIGGER refuse_audit ON audit_item");
    }
    assertThat(export("legal-client", "audit-after-1", "urn:test:nid|A-1").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("when the audit store cannot be reached the export answers 503")
  void failsClosedWhenAuditStoreUnreachable() {
    // its own Vert.x: a second gateway on the shared event bus would share the audit address with the first
    Vertx vertx = Vertx.vertx();
    int closedPort = GatewayHarness.freePort();
    GatewayHarness unreachable = GatewayHarness.start(vertx, GatewayHarness.FIXTURE, c -> new GatewayConfig(
        c.http(), c.management(), c.db(), c.registries(), c.auth(), c.export(),
        new GatewayConfig.Audit("postgresql://postgres@127.0.0.1:" + closedPort + "/audit", 2, 64, 500, 1000)));
    try {
      HttpResponse<Buffer> r = unreachable.export("legal-client", new JsonObject().put("type", "Individual")
          .put("identifiers", new JsonArray().add("urn:test:nid|A-1"))).await();
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.bodyAsString()).doesNotContain("success");
    } finally {
      unreachable.stop();
      vertx.close().await();
    }
  }
}
