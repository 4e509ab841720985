package org.openspp.gateway.openspp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;

/**
 * Spec §5.4 on the {@code openspp} kind: a member's own refusal or withdrawal (an {@code spp_consent} signed by the
 * member, without {@code group_id}) beats the household's consent ({@code group_id} = the household). The fake
 * OpenSPP database is copied from the NDJSON below by {@code FakeOpenspp}; the live test changes it as Odoo would.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("openspp kind: a person's own refusal wins over the household's consent")
class OpensppOwnRefusalTest {

  static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  static final String NID = "urn:t:nid|";
  static final String REQUESTED_REF = "7b2f4c1e-0000-4000-8000-0000000000aa";

  static OpensppHarness spp;
  static GatewayHarness gw;

  static String individual(String value) {
    return "{\"kind\":\"Individual\",\"ref\":\"" + value.toLowerCase() + "\","
        + "\"identifier\":[{\"system\":\"urn:t:nid\",\"value\":\"" + value + "\"}],\"active\":true,"
        + "\"name\":{\"family\":\"FAM-" + value + "\",\"given\":\"Given\"},"
        + "\"birthDate\":\"1990-01-01\",\"lastUpdated\":\"2026-01-02T03:04:05Z\"}";
  }

  static String consent(String ref, String subject, String organization, String status, LocalDate effective,
      LocalDate expiry, String fieldAccess) {
    return "{\"kind\":\"Consent\"" + (ref == null ? "" : ",\"ref\":\"" + ref + "\"") + ",\"subject\":\"" + subject
        + "\",\"recipients\":{\"mode\":\"specific\",\"organizations\":[\"" + organization + "\"]},\"status\":\""
        + status + "\"" + (effective == null ? "" : ",\"effective\":\"" + effective + "\"")
        + (expiry == null ? "" : ",\"expiry\":\"" + expiry + "\"")
        + ",\"scopes\":[{\"resourceType\":\"all\",\"fieldAccess\":\"" + fieldAccess + "\","
        + "\"purpose\":\"service_delivery\"}]}";
  }

  static List<String> fixture() {
    List<String> members = List.of("R-WITHDRAWN", "R-REFUSED", "R-NONE", "R-WITHDRAWN-TOMORROW",
        "R-REFUSED-OTHER-ORG", "R-REFUSED-EXPIRED", "R-REQUESTED", "R-REFUSED-AND-OWN-BASIC");
    List<String> lines = new ArrayList<>();
    StringBuilder member = new StringBuilder();
    for (String value : members) {
      lines.add(individual(value));
      member.append(member.isEmpty() ? "" : ",").append("{\"individual\":\"").append(NID).append(value)
          .append("\",\"start\":\"2020-01-01\"}");
    }
    lines.add("{\"kind\":\"Group\",\"ref\":\"hh-r\",\"identifier\":[{\"system\":\"urn:t:hh\",\"value\":\"HH-R\"}],"
        + "\"name\":\"Household R\",\"groupType\":\"household\",\"active\":true,"
        + "\"lastUpdated\":\"2026-01-02T03:04:05Z\",\"member\":[" + member + "]}");
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"ngo\",\"legalBasis\":\"consent\",\"organization\":\"org-ngo\","
        + "\"organizationType\":\"ngo\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"legal\",\"legalBasis\":\"public_task\","
        + "\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.add(consent(null, "Group/urn:t:hh|HH-R", "org-ngo", "given", null, null, "all"));
    String own = "Individual/" + NID;
    lines.add(consent(null, own + "R-WITHDRAWN", "org-ngo", "withdrawn", TODAY.minusDays(10), null, "all"));
    lines.add(consent(null, own + "R-REFUSED", "org-ngo", "refused", null, null, "all"));
    lines.add(consent(null, own + "R-WITHDRAWN-TOMORROW", "org-ngo", "withdrawn", TODAY.plusDays(1), null, "all"));
    lines.add(consent(null, own + "R-REFUSED-OTHER-ORG", "org-other", "refused", null, null, "all"));
    lines.add(consent(null, own + "R-REFUSED-EXPIRED", "org-ngo", "refused", TODAY.minusDays(30),
        TODAY.minusDays(1), "all"));
    lines.add(consent(REQUESTED_REF, own + "R-REQUESTED", "org-ngo", "requested", null, null, "all"));
    lines.add(consent(null, own + "R-REFUSED-AND-OWN-BASIC", "org-ngo", "refused", null, null, "all"));
    lines.add(consent(null, own + "R-REFUSED-AND-OWN-BASIC", "org-ngo", "given", null, null, "basic"));
    return lines;
  }

  @BeforeAll
  static void start(Vertx vertx) {
    spp = OpensppHarness.startWithLines(vertx, fixture(), UnaryOperator.identity());
    gw = spp.gateway;
  }

  @AfterAll
  static void stop() {
    spp.stop();
  }

  static JsonArray items(String client, String type, String... ids) {
    JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
    var response = gw.export(client, body).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("items");
  }

  static String status(String client, String type, String id) {
    return items(client, type, id).getJsonObject(0).getString("status");
  }

  @Test
  @DisplayName("members with their own withdrawal or refusal are access_denied; a member without one is read")
  void ownWithdrawalAndRefusalBeatHouseholdConsent() {
    JsonArray items = items("ngo", "Individual", NID + "R-WITHDRAWN", NID + "R-REFUSED", NID + "R-NONE");
    assertThat(items.getJsonObject(0).getString("status")).isEqualTo("access_denied");
    assertThat(items.getJsonObject(0).containsKey("resource")).isFalse();
    assertThat(items.getJsonObject(1).getString("status")).isEqualTo("access_denied");
    assertThat(items.getJsonObject(1).containsKey("resource")).isFalse();
    assertThat(items.getJsonObject(2).getString("status")).isEqualTo("success");
    assertThat(items.getJsonObject(2).getJsonObject("resource").fieldNames()).contains("birthDate");
  }

  @Test
  @DisplayName("only a refusal in effect for the client's organisation blocks; expiry does not matter; own valid wins")
  void whichOwnRefusalsBlock() {
    assertThat(status("ngo", "Individual", NID + "R-WITHDRAWN-TOMORROW")).isEqualTo("success");
    assertThat(status("ngo", "Individual", NID + "R-REFUSED-OTHER-ORG")).isEqualTo("success");
    assertThat(status("ngo", "Individual", NID + "R-REFUSED-EXPIRED")).isEqualTo("access_denied");
    assertThat(status("ngo", "Individual", NID + "R-REQUESTED")).isEqualTo("success");
    JsonObject basic = items("ngo", "Individual", NID + "R-REFUSED-AND-OWN-BASIC").getJsonObject(0);
    assertThat(basic.getString("status")).isEqualTo("success");
    assertThat(basic.getJsonObject("resource").fieldNames())
        .containsExactlyInAnyOrder("type", "identifier", "active", "name", "meta");
    assertThat(status("ngo", "Group", "urn:t:hh|HH-R")).isEqualTo("success");
    assertThat(status("legal", "Individual", NID + "R-REFUSED")).isEqualTo("success");
  }

  @Test
  @DisplayName("a refusal or withdrawal recorded in Odoo beats the household's consent on the next request")
  void refusalInOdooAppliesAtOnce() {
    try {
      assertThat(status("ngo", "Individual", NID + "R-REQUESTED")).isEqualTo("success");
      spp.opensppSql("UPDATE spp_consent SET status = 'refused' WHERE external_id = $1", REQUESTED_REF);
      assertThat(status("ngo", "Individual", NID + "R-REQUESTED")).isEqualTo("access_denied");
      spp.opensppSql("UPDATE spp_consent SET status = 'withdrawn', effective_date = NULL WHERE external_id = $1",
          REQUESTED_REF);
      assertThat(status("ngo", "Individual", NID + "R-REQUESTED")).isEqualTo("access_denied");
      // a consent signed by the member FOR the household (group_id set) is the household's, not the member's own
      spp.opensppSql("UPDATE spp_consent SET group_id = (SELECT partner_id FROM spp_registry_id WHERE value = 'HH-R') "
          + "WHERE external_id = $1", REQUESTED_REF);
      assertThat(status("ngo", "Individual", NID + "R-REQUESTED")).isEqualTo("success");
    } finally {
      spp.opensppSql("UPDATE spp_consent SET status = 'requested', group_id = NULL WHERE external_id = $1",
          REQUESTED_REF);
    }
  }
}
