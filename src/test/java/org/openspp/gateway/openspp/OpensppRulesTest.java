package org.openspp.gateway.openspp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * The rules of SOURCE.md §2 that have no twin in the gateway's NDJSON: each test changes the fake OpenSPP database
 * the way Odoo (or its admin) would, then asks the gateway over HTTP. Every change takes effect on the next request:
 * nothing of the registry is cached. The gateway reads as a login that holds only {@code SELECT}.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("openspp kind: OpenSPP's own rules, live")
class OpensppRulesTest {

  static final List<String> FIXTURE = List.of(
      """
      {"kind":"Individual","ref":"a","identifier":[{"system":"urn:t:nid","value":"A-1"}],"active":true,\
      "name":{"family":"SANTOS","given":"Maria"},"gender":{"code":"2","display":"Female"},\
      "lastUpdated":"2026-01-02T03:04:05Z"}""",
      """
      {"kind":"Individual","ref":"b","identifier":[{"system":"urn:t:nid","value":"B-1"}],"active":true,\
      "name":{"family":"SANTOS","given":"Ben"},"lastUpdated":"2026-01-02T03:04:05Z"}""",
      """
      {"kind":"Group","ref":"g","identifier":[{"system":"urn:t:hh","value":"G-1"}],"name":"Santos household",\
      "groupType":"household","active":true,"lastUpdated":"2026-01-02T03:04:05Z","member":[\
      {"individual":"urn:t:nid|A-1","role":{"system":"urn:openspp:membership-type","code":"head","display":"Head"}},\
      {"individual":"urn:t:nid|B-1","role":{"system":"urn:openspp:membership-type","code":"child","display":"Child"}}]}""",
      """
      {"kind":"ApiClient","clientId":"legal","legalBasis":"public_task","scopes":["individual:read","group:read"]}""",
      """
      {"kind":"ApiClient","clientId":"ngo","legalBasis":"consent","organization":"org-ngo","organizationType":"ngo",\
      "scopes":["individual:read","group:read"]}""",
      """
      {"kind":"Consent","ref":"7b2f4c1e-0000-4000-8000-000000000001","subject":"Individual/urn:t:nid|B-1",\
      "recipients":{"mode":"specific","organizations":["org-ngo"]},"status":"given","expiry":"2999-12-31",\
      "scopes":[{"resourceType":"individual","fieldAccess":"all","purpose":"service_delivery"}]}""");

  static OpensppHarness spp;
  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    spp = OpensppHarness.startWithLines(vertx, FIXTURE, UnaryOperator.identity());
    gw = spp.gateway;
  }

  @AfterAll
  static void stop() {
    spp.stop();
  }

  /** Every test starts from the copied fixture: the columns the tests touch are restored afterwards. */
  @AfterEach
  void restore() {
    spp.opensppSql("UPDATE spp_registry_id SET status = 'valid'");
    spp.opensppSql("UPDATE spp_group_membership SET active = true, ended_date = NULL, is_ended = false, "
        + "status = 'active'");
    spp.opensppSql("UPDATE spp_consent SET status = 'given', recipient_mode = 'specific', expiry = '2999-12-31'");
    spp.opensppSql("UPDATE res_partner SET is_group = true WHERE name = 'Santos household'");
    spp.opensppSql("UPDATE res_partner SET is_group = false WHERE is_registrant AND name IS DISTINCT FROM "
        + "'Santos household'");
    spp.opensppSql("UPDATE spp_vocabulary_code SET uri = 'urn:t:nid' WHERE uri = 'urn:custom:national-id'");
  }

  static JsonObject export(String client, String type, String... ids) {
    JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
    var response = gw.export(client, body).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  static JsonObject item(String client, String type, String id) {
    return export(client, type, id).getJsonArray("items").getJsonObject(0);
  }

  static String status(String client, String type, String id) {
    return item(client, type, id).getString("status");
  }

  @Test
  @DisplayName("identifier status NULL and 'valid' are live, 'invalid' is soft-removed (not found), at once")
  void identifierStatus() {
    assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("success");
    spp.opensppSql("UPDATE spp_registry_id SET status = NULL WHERE value = 'A-1'");
    assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("success");
    spp.opensppSql("UPDATE spp_registry_id SET status = 'invalid' WHERE value = 'A-1'");
    assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("not_found");
    // the household no longer references its member through the soft-removed identifier: the member is not listed
    JsonObject group = item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource");
    assertThat(group.getInteger("quantity")).isEqualTo(1);
  }

  @Test
  @DisplayName("memberships: the stored is_ended/status are ignored; ended_date and active decide")
  void staleIsEndedAndArchivedMemberships() {
    spp.opensppSql("UPDATE spp_group_membership SET is_ended = true, status = 'inactive'");
    assertThat(item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource").getInteger("quantity")).isEqualTo(2);
    assertThat(item("legal", "Individual", "urn:t:nid|A-1").getJsonObject("resource")
        .getJsonArray("groupMembership")).hasSize(1);

    spp.opensppSql("UPDATE spp_group_membership SET is_ended = false, status = 'active', "
        + "ended_date = (now() AT TIME ZONE 'UTC') - interval '1 day' WHERE individual = "
        + "(SELECT partner_id FROM spp_registry_id WHERE value = 'A-1')");
    assertThat(item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource").getInteger("quantity")).isEqualTo(1);
    assertThat(item("legal", "Individual", "urn:t:nid|A-1").getJsonObject("resource")
        .containsKey("groupMembership")).isFalse();

    spp.opensppSql("UPDATE spp_group_membership SET ended_date = (now() AT TIME ZONE 'UTC') + interval '1 day'");
    assertThat(item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource").getInteger("quantity")).isEqualTo(2);

    spp.opensppSql("UPDATE spp_group_membership SET active = false WHERE individual = "
        + "(SELECT partner_id FROM spp_registry_id WHERE value = 'B-1')");
    JsonObject group = item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource");
    assertThat(group.getInteger("quantity")).isEqualTo(1);
    assertThat(group.getJsonArray("member").getJsonObject(0).getJsonObject("entity").getString("reference"))
        .isEqualTo("Individual/urn:t:nid|A-1");
  }

  @Test
  @DisplayName("recipient_mode NULL is 'specific'; 'given' past its expiry is not valid; a withdrawal applies at once")
  void consentRulesLive() {
    assertThat(status("ngo", "Individual", "urn:t:nid|B-1")).isEqualTo("success");
    spp.opensppSql("UPDATE spp_consent SET recipient_mode = NULL");
    assertThat(status("ngo", "Individual", "urn:t:nid|B-1")).isEqualTo("success");

    spp.opensppSql("UPDATE spp_consent SET expiry = (now() AT TIME ZONE 'UTC')::date - 1");
    assertThat(status("ngo", "Individual", "urn:t:nid|B-1")).isEqualTo("access_denied");

    spp.opensppSql("UPDATE spp_consent SET expiry = '2999-12-31', status = 'withdrawn'");
    assertThat(status("ngo", "Individual", "urn:t:nid|B-1")).isEqualTo("access_denied");
    // an unconsented registrant and an unknown one look the same to the consent-filtered client
    assertThat(status("ngo", "Individual", "urn:t:nid|A-1")).isEqualTo("access_denied");
    assertThat(status("ngo", "Individual", "urn:t:nid|NOPE")).isEqualTo("access_denied");
  }

  @Test
  @DisplayName("the audit trail names the consent by its external_id and the registrant by its partner id")
  void auditRecordsConsentExternalId() {
    JsonObject response = export("ngo", "Individual", "urn:t:nid|B-1");
    assertThat(response.getInteger("successful")).isEqualTo(1);
    long partner = spp.opensppSql("SELECT partner_id FROM spp_registry_id WHERE value = 'B-1'").iterator().next()
        .getLong(0);
    long consent = spp.opensppSql("SELECT id FROM spp_consent").iterator().next().getLong(0);
    var row = spp.auditSql("SELECT registrant_id, consent_id, consent_ref, purpose FROM audit_item "
        + "WHERE identifier = 'urn:t:nid|B-1' AND status = 'success'").iterator().next();
    assertThat(row.getLong("registrant_id")).isEqualTo(partner);
    assertThat(row.getLong("consent_id")).isEqualTo(consent);
    assertThat(row.getString("consent_ref")).isEqualTo("7b2f4c1e-0000-4000-8000-000000000001");
    assertThat(row.getString("purpose")).isEqualTo("service_delivery");
  }

  @Test
  @DisplayName("an admin's overridden code URI is the identifier system, read from the column")
  void overriddenCodeUri() {
    spp.opensppSql("UPDATE spp_vocabulary_code SET uri = 'urn:custom:national-id' WHERE uri = 'urn:t:nid'");
    assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("not_found");
    JsonObject resource = item("legal", "Individual", "urn:custom:national-id|A-1").getJsonObject("resource");
    assertThat(resource.getJsonArray("identifier").getJsonObject(0).getString("system"))
        .isEqualTo("urn:custom:national-id");
  }

  @Test
  @DisplayName("meta.versionId is write_date in microseconds since the epoch; lastUpdated is write_date in UTC")
  void versionFromWriteDate() {
    spp.opensppSql("UPDATE res_partner SET write_date = '2026-03-04 05:06:07.123456' WHERE name = 'Santos household'");
    JsonObject meta = item("legal", "Group", "urn:t:hh|G-1").getJsonObject("resource").getJsonObject("meta");
    Instant written = Instant.parse("2026-03-04T05:06:07.123456Z");
    assertThat(meta.getString("versionId"))
        .isEqualTo(Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, written)));
    assertThat(meta.getString("lastUpdated")).isEqualTo("2026-03-04T05:06:07.123456Z");
  }

  @Test
  @DisplayName("is_group NULL is an Individual; is_registrant not TRUE is never exported")
  void isGroupNullAndNonRegistrants() {
    spp.opensppSql("UPDATE res_partner SET is_group = NULL WHERE id = "
        + "(SELECT partner_id FROM spp_registry_id WHERE value = 'A-1')");
    assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("success");
    assertThat(status("legal", "Group", "urn:t:nid|A-1")).isEqualTo("not_found");
    spp.opensppSql("UPDATE res_partner SET is_registrant = NULL WHERE id = "
        + "(SELECT partner_id FROM spp_registry_id WHERE value = 'A-1')");
    try {
      assertThat(status("legal", "Individual", "urn:t:nid|A-1")).isEqualTo("not_found");
    } finally {
      spp.opensppSql("UPDATE res_partner SET is_registrant = true WHERE id = "
          + "(SELECT partner_id FROM spp_registry_id WHERE value = 'A-1')");
    }
  }

  @Test
  @DisplayName("translated labels: the configured language, falling back to en_US")
  void translatedLabels() {
    assertThat(spp.opensppSql("UPDATE spp_vocabulary_code SET display = display || '{\"fr_FR\": \"Femme\"}' "
        + "WHERE code = '2' AND namespace_uri = 'urn:iso:std:iso:5218'").rowCount()).isEqualTo(1);
    // a Vert.x of its own: on the first gateway's event bus the two would share their resolvers
    Vertx vertx = Vertx.vertx();
    GatewayHarness french = GatewayHarness.startOn(vertx, spp.readerUrl,
        c -> c.withRegistry(org.openspp.gateway.config.RegistryKind.OPENSPP, spp.readerUrl, spp.auditUrl)
            .withRegistryLanguage("fr_FR"), null);
    try {
      JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add("urn:t:nid|A-1"));
      JsonObject a = french.export("legal", body).await().bodyAsJsonObject().getJsonArray("items").getJsonObject(0)
          .getJsonObject("resource");
      assertThat(a.getJsonObject("gender").getString("text")).isEqualTo("Femme");
      // the role has no fr_FR label: en_US
      assertThat(a.getJsonArray("groupMembership").getJsonObject(0).getJsonObject("role").getJsonArray("coding")
          .getJsonObject(0).getString("display")).isEqualTo("Head");
      assertThat(item("legal", "Individual", "urn:t:nid|A-1").getJsonObject("resource").getJsonObject("gender")
          .getString("text")).isEqualTo("Female");
    } finally {
      french.stop();
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("the token endpoint verifies OpenSPP's client_secret_hash and the token it issues exports")
  void tokenEndpointOnSppApiClient() {
    String hash = SecretHasher.hash("ngo-secret-from-openspp");
    spp.opensppSql("UPDATE spp_api_client SET client_secret_hash = $1 WHERE client_id = 'ngo'", hash);
    var refused = gw.client.post("/api/v2/spp/oauth/token")
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(io.vertx.core.buffer.Buffer.buffer(
            "grant_type=client_credentials&client_id=ngo&client_secret=wrong")).await();
    assertThat(refused.statusCode()).isEqualTo(401);
    var issued = gw.client.post("/api/v2/spp/oauth/token")
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(io.vertx.core.buffer.Buffer.buffer(
            "grant_type=client_credentials&client_id=ngo&client_secret=ngo-secret-from-openspp")).await();
    assertThat(issued.statusCode()).as(issued.bodyAsString()).isEqualTo(200);
    JsonObject token = issued.bodyAsJsonObject();
    assertThat(token.getString("scope")).isEqualTo("individual:read group:read");
    var exported = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + token.getString("access_token"))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("type", "Individual")
            .put("identifiers", new JsonArray().add("urn:t:nid|B-1")).toBuffer()).await();
    assertThat(exported.bodyAsJsonObject().getInteger("successful")).isEqualTo(1);
  }

  @Test
  @DisplayName("an inactive client in spp_api_client is refused on its next request after the cache period")
  void clientDirectoryIsSppApiClient() {
    assertThat(gw.export("nobody", new JsonObject().put("type", "Individual")
        .put("identifiers", new JsonArray().add("urn:t:nid|A-1"))).await().statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("the gateway's login holds only SELECT: a write through it fails, so every export above wrote nothing")
  void readerLoginCannotWrite(Vertx vertx) {
    Pool reader = TestRegistry.pool(vertx, spp.readerUrl);
    try {
      assertThatThrownBy(() -> reader.query("UPDATE res_partner SET name = name").execute().await())
          .hasMessageContaining("permission denied");
      assertThat(reader.query("SELECT count(*) FROM res_partner").execute().await().iterator().next().getLong(0))
          .isPositive();
    } finally {
      reader.close().await();
    }
    // and no table of the gateway's own (migrations, audit) was created in the OpenSPP database
    assertThat(spp.opensppSql("SELECT to_regclass('schema_version') IS NULL AND to_regclass('audit_item') IS NULL")
        .iterator().next().getBoolean(0)).isTrue();
  }
}
