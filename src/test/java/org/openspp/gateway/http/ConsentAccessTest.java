package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openspp.gateway.support.GatewayHarness;

/**
 * Consent-based access over HTTP (spec §5.2–5.4, §8 {@code _extensions}): one registrant per consent variant,
 * generated with dates relative to today (UTC), exported by consent-filtered clients of two organisations.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Consent-based access")
class ConsentAccessTest {

  static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  static GatewayHarness gw;

  static String individual(String ref, String value, String extra) {
    return "{\"kind\":\"Individual\",\"ref\":\"" + ref + "\",\"identifier\":[{\"system\":\"urn:c:nid\",\"value\":\""
        + value + "\"}],\"active\":true,\"name\":{\"family\":\"FAM-" + value + "\",\"given\":\"Given\"},"
        + "\"birthDate\":\"1990-01-01\",\"gender\":{\"code\":\"2\",\"display\":\"Female\"},"
        + "\"telecom\":{\"mobile\":\"+63-900\"},\"extension\":{\"farmer\":{\"url\":\"urn:ext:farmer\",\"size\":2},"
        + "\"health\":{\"url\":\"urn:ext:health\",\"level\":\"x\"}},\"lastUpdated\":\"2026-01-01T00:00:00Z\"" + extra + "}";
  }

  static String scope(String type, String access, String custom, boolean ext, String allowed) {
    return "{\"resourceType\":\"" + type + "\",\"fieldAccess\":\"" + access + "\",\"customFields\":[" + custom
        + "],\"purpose\":\"purpose-" + type + "-" + access + "\",\"includeExtensions\":" + ext
        + ",\"allowedExtensions\":[" + allowed + "]}";
  }

  static String consent(String subject, String recipients, String status, LocalDate effective, LocalDate expiry,
      String... scopes) {
    return "{\"kind\":\"Consent\",\"subject\":\"" + subject + "\",\"recipients\":" + recipients + ",\"status\":\""
        + status + "\"" + (effective == null ? "" : ",\"effective\":\"" + effective + "\"")
        + (expiry == null ? "" : ",\"expiry\":\"" + expiry + "\"") + ",\"scopes\":[" + String.join(",", scopes) + "]}";
  }

  static final String TO_NGO = "{\"mode\":\"specific\",\"organizations\":[\"org-ngo\"]}";
  static final String TO_OTHER = "{\"mode\":\"specific\",\"organizations\":[\"org-other\"]}";
  static final String TO_NGO_TYPE = "{\"mode\":\"category\",\"organizationTypes\":[\"ngo\"]}";
  static final String TO_GOV_TYPE = "{\"mode\":\"category\",\"organizationTypes\":[\"government\"]}";
  static final String ALL = scope("all", "all", "", false, "");
  static final String IND_ALL = scope("individual", "all", "", false, "");

  /** A registrant {@code value} whose only consent is the given one. */
  static List<String> variant(String value, String recipients, String status, LocalDate effective, LocalDate expiry,
      String... scopes) {
    return List.of(individual(value.toLowerCase(), value, ""),
        consent("Individual/urn:c:nid|" + value, recipients, status, effective, expiry, scopes));
  }

  static List<String> registry() {
    List<String> lines = new ArrayList<>();
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"ngo\",\"secret\":\"ngo-secret-123\",\"legalBasis\":\"consent\","
        + "\"organization\":\"org-ngo\",\"organizationType\":\"ngo\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"other\",\"secret\":\"other-secret-123\",\"legalBasis\":\"\","
        + "\"organization\":\"org-other\",\"organizationType\":\"ngo\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"gov\",\"secret\":\"gov-secret-123\",\"legalBasis\":\"legal_obligation\","
        + "\"organization\":\"org-gov\",\"organizationType\":\"government\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.addAll(variant("GIVEN", TO_NGO, "given", null, null, IND_ALL));
    lines.addAll(variant("RENEWED", TO_NGO, "renewed", null, null, IND_ALL));
    for (String status : List.of("requested", "refused", "withdrawn", "expired", "invalidated")) {
      lines.addAll(variant("STATUS-" + status.toUpperCase(), TO_NGO, status, null, null, IND_ALL));
    }
    lines.addAll(variant("EFFECTIVE-TOMORROW", TO_NGO, "given", TODAY.plusDays(1), null, IND_ALL));
    lines.addAll(variant("EFFECTIVE-TODAY", TO_NGO, "given", TODAY, null, IND_ALL));
    lines.addAll(variant("EXPIRY-YESTERDAY", TO_NGO, "given", TODAY.minusDays(30), TODAY.minusDays(1), IND_ALL));
    lines.addAll(variant("EXPIRY-TODAY", TO_NGO, "given", TODAY.minusDays(30), TODAY, IND_ALL));
    lines.addAll(variant("SPECIFIC-OTHER", TO_OTHER, "given", null, null, IND_ALL));
    lines.addAll(variant("CATEGORY-NGO", TO_NGO_TYPE, "given", null, null, IND_ALL));
    lines.addAll(variant("CATEGORY-GOV", TO_GOV_TYPE, "given", null, null, IND_ALL));
    lines.addAll(variant("BASIC", TO_NGO, "given", null, null, scope("individual", "basic", "", false, "")));
    lines.addAll(variant("CUSTOM", TO_NGO, "given", null, null,
        scope("individual", "custom", "\"birthDate\",\"name.family\"", false, "")));
    lines.addAll(variant("KIND-WINS", TO_NGO, "given", null, null, ALL, scope("individual", "basic", "", false, "")));
    lines.addAll(variant("ALL-SCOPE", TO_NGO, "given", null, null, ALL));
    lines.addAll(variant("GROUP-SCOPE-ONLY", TO_NGO, "given", null, null, scope("group", "all", "", false, "")));
    lines.addAll(variant("EXT-NONE", TO_NGO, "given", null, null, scope("individual", "all", "", false, "")));
    lines.addAll(variant("EXT-ALL", TO_NGO, "given", null, null, scope("individual", "all", "", true, "")));
    lines.addAll(variant("EXT-LIMITED", TO_NGO, "given", null, null,
        scope("individual", "all", "", true, "\"farmer\"")));
    lines.addAll(variant("BASIC-EXT", TO_NGO, "given", null, null,
        scope("individual", "basic", "", true, "\"health\"")));
    lines.add(individual("no-consent", "NO-CONSENT", ""));
    // household: HH-1 consents for its members; H-MEMBER is an active member, H-ENDED an ended one,
    // H-OWN has its own basic consent, which wins over the household's "all".
    lines.add(individual("h-member", "H-MEMBER", ""));
    lines.add(individual("h-ended", "H-ENDED", ""));
    lines.add(individual("h-own", "H-OWN", ""));
    lines.add("{\"kind\":\"Group\",\"ref\":\"hh-1\",\"identifier\":[{\"system\":\"urn:c:hh\",\"value\":\"HH-1\"}],"
        + "\"name\":\"Household 1\",\"groupType\":\"household\",\"active\":true,\"member\":["
        + "{\"individual\":\"urn:c:nid|H-MEMBER\",\"start\":\"2020-01-01\"},"
        + "{\"individual\":\"urn:c:nid|H-ENDED\",\"start\":\"2020-01-01\",\"end\":\"" + TODAY.minusDays(1) + "\"},"
        + "{\"individual\":\"urn:c:nid|H-OWN\"}]}");
    lines.add(consent("Group/urn:c:hh|HH-1", TO_NGO, "given", null, null, IND_ALL));
    lines.add(consent("Individual/urn:c:nid|H-OWN", TO_NGO, "given", null, null,
        scope("individual", "basic", "", false, "")));
    lines.addAll(ownRefusalHousehold());
    // a group with a group-scoped consent, and one whose consent only covers individuals
    lines.add("{\"kind\":\"Group\",\"ref\":\"g-ok\",\"identifier\":[{\"system\":\"urn:c:hh\",\"value\":\"G-OK\"}],"
        + "\"name\":\"Consented group\",\"groupType\":\"household\",\"active\":true}");
    lines.add(consent("Group/urn:c:hh|G-OK", TO_NGO, "given", null, null, scope("group", "all", "", false, "")));
    lines.add("{\"kind\":\"Group\",\"ref\":\"g-ind\",\"identifier\":[{\"system\":\"urn:c:hh\",\"value\":\"G-IND\"}],"
        + "\"name\":\"Individual-scope group\",\"groupType\":\"household\",\"active\":true}");
    lines.add(consent("Group/urn:c:hh|G-IND", TO_NGO, "given", null, null, IND_ALL));
    // ambiguity: DUP-BOTH is held by two consented individuals; DUP-ONE by one consented and one not
    lines.add(individual("dup-a", "DUP-A", "").replace("]", ",{\"system\":\"urn:c:nid\",\"value\":\"DUP-BOTH\"},"
        + "{\"system\":\"urn:c:nid\",\"value\":\"DUP-ONE\"}]"));
    lines.add(individual("dup-b", "DUP-B", "").replace("]", ",{\"system\":\"urn:c:nid\",\"value\":\"DUP-BOTH\"}]"));
    lines.add(individual("dup-c", "DUP-C", "").replace("]", ",{\"system\":\"urn:c:nid\",\"value\":\"DUP-ONE\"}]"));
    lines.add(consent("Individual/urn:c:nid|DUP-A", TO_NGO, "given", null, null, IND_ALL));
    lines.add(consent("Individual/urn:c:nid|DUP-B", TO_NGO, "given", null, null, IND_ALL));
    return lines;
  }

  /**
   * Household HH-R consents (for org-ngo, every kind, every field) for its members; some members have a consent
   * of their own for org-ngo that is not valid. A refusal or withdrawal of their own, in effect today, beats the
   * household's consent (spec §5.4) whatever its scope rows and its expiry; one not yet in effect, one for
   * another organisation and any other status do not; an own valid consent is still read first.
   */
  static List<String> ownRefusalHousehold() {
    List<String> lines = new ArrayList<>();
    List<String> members = List.of("R-WITHDRAWN", "R-REFUSED", "R-NONE", "R-WITHDRAWN-TOMORROW",
        "R-REFUSED-OTHER-ORG", "R-REFUSED-EXPIRED", "R-REFUSED-CATEGORY", "R-REFUSED-NO-SCOPE", "R-REQUESTED",
        "R-REFUSED-AND-OWN-BASIC");
    StringBuilder member = new StringBuilder();
    for (String value : members) {
      lines.add(individual(value.toLowerCase(), value, ""));
      member.append(member.isEmpty() ? "" : ",").append("{\"individual\":\"urn:c:nid|").append(value)
          .append("\",\"start\":\"2020-01-01\"}");
    }
    lines.add("{\"kind\":\"Group\",\"ref\":\"hh-r\",\"identifier\":[{\"system\":\"urn:c:hh\",\"value\":\"HH-R\"}],"
        + "\"name\":\"Household R\",\"groupType\":\"household\",\"active\":true,\"member\":[" + member + "]}");
    lines.add(consent("Group/urn:c:hh|HH-R", TO_NGO, "given", null, null, ALL));
    String own = "Individual/urn:c:nid|";
    lines.add(consent(own + "R-WITHDRAWN", TO_NGO, "withdrawn", TODAY.minusDays(10), null, IND_ALL));
    lines.add(consent(own + "R-REFUSED", TO_NGO, "refused", null, null, IND_ALL));
    lines.add(consent(own + "R-WITHDRAWN-TOMORROW", TO_NGO, "withdrawn", TODAY.plusDays(1), null, IND_ALL));
    lines.add(consent(own + "R-REFUSED-OTHER-ORG", TO_OTHER, "refused", null, null, IND_ALL));
    lines.add(consent(own + "R-REFUSED-EXPIRED", TO_NGO, "refused", TODAY.minusDays(30), TODAY.minusDays(1),
        IND_ALL));
    lines.add(consent(own + "R-REFUSED-CATEGORY", TO_NGO_TYPE, "refused", null, null, IND_ALL));
    lines.add(consent(own + "R-REFUSED-NO-SCOPE", TO_NGO, "refused", null, null));
    lines.add(consent(own + "R-REQUESTED", TO_NGO, "requested", null, null, IND_ALL));
    lines.add(consent(own + "R-REFUSED-AND-OWN-BASIC", TO_NGO, "refused", null, null, IND_ALL));
    lines.add(consent(own + "R-REFUSED-AND-OWN-BASIC", TO_NGO, "given", null, null,
        scope("individual", "basic", "", false, "")));
    return lines;
  }

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.startWithLines(vertx, registry(), UnaryOperator.identity());
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static JsonObject exportOne(String client, String type, String id, String elements, String extensions) {
    JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray().add(id));
    if (elements != null) {
      body.put("_elements", elements);
    }
    if (extensions != null) {
      body.put("_extensions", extensions);
    }
    HttpResponse<Buffer> r = gw.export(client, body).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
  }

  static Stream<Arguments> validityRows() {
    return Stream.of(
        Arguments.of("given, specific to the client's organisation", "GIVEN", "ngo", true),
        Arguments.of("renewed", "RENEWED", "ngo", true),
        Arguments.of("requested", "STATUS-REQUESTED", "ngo", false),
        Arguments.of("refused", "STATUS-REFUSED", "ngo", false),
        Arguments.of("withdrawn", "STATUS-WITHDRAWN", "ngo", false),
        Arguments.of("expired status", "STATUS-EXPIRED", "ngo", false),
        Arguments.of("invalidated", "STATUS-INVALIDATED", "ngo", false),
        Arguments.of("effective tomorrow", "EFFECTIVE-TOMORROW", "ngo", false),
        Arguments.of("effective today", "EFFECTIVE-TODAY", "ngo", true),
        Arguments.of("expired yesterday", "EXPIRY-YESTERDAY", "ngo", false),
        Arguments.of("expires today", "EXPIRY-TODAY", "ngo", true),
        Arguments.of("specific to another organisation", "SPECIFIC-OTHER", "ngo", false),
        Arguments.of("specific to the other client's organisation", "SPECIFIC-OTHER", "other", true),
        Arguments.of("category of the client's organisation type", "CATEGORY-NGO", "ngo", true),
        Arguments.of("category of the type, other client of that type", "CATEGORY-NGO", "other", true),
        Arguments.of("category of another organisation type", "CATEGORY-GOV", "ngo", false),
        Arguments.of("scope row 'all' serves an Individual", "ALL-SCOPE", "ngo", true),
        Arguments.of("only a group scope row", "GROUP-SCOPE-ONLY", "ngo", false),
        Arguments.of("no consent at all", "NO-CONSENT", "ngo", false),
        Arguments.of("household consent through an active membership", "H-MEMBER", "ngo", true),
        Arguments.of("household consent through an ended membership", "H-ENDED", "ngo", false),
        Arguments.of("household consent of another organisation", "H-MEMBER", "other", false),
        Arguments.of("own withdrawal beats the household consent", "R-WITHDRAWN", "ngo", false),
        Arguments.of("own refusal beats the household consent", "R-REFUSED", "ngo", false),
        Arguments.of("household consent, member without a consent of its own", "R-NONE", "ngo", true),
        Arguments.of("own withdrawal effective tomorrow does not block yet", "R-WITHDRAWN-TOMORROW", "ngo", true),
        Arguments.of("own refusal for another organisation does not block", "R-REFUSED-OTHER-ORG", "ngo", true),
        Arguments.of("own refusal past its expiry still blocks", "R-REFUSED-EXPIRED", "ngo", false),
        Arguments.of("own refusal for the client's organisation type blocks", "R-REFUSED-CATEGORY", "ngo", false),
        Arguments.of("own refusal without scope rows blocks", "R-REFUSED-NO-SCOPE", "ngo", false),
        Arguments.of("own consent only requested does not block", "R-REQUESTED", "ngo", true),
        Arguments.of("own valid consent wins over an own refusal", "R-REFUSED-AND-OWN-BASIC", "ngo", true));
  }

  @ParameterizedTest(name = "{0}: {1} as {2} → allowed={3}")
  @MethodSource("validityRows")
  @DisplayName("each consent validity rule decides success or access_denied")
  void validity(String rule, String value, String client, boolean allowed) {
    JsonObject item = exportOne(client, "Individual", "urn:c:nid|" + value, null, null);
    if (allowed) {
      assertThat(item.getString("status")).as(rule).isEqualTo("success");
    } else {
      assertThat(item.getString("status")).as(rule).isEqualTo("access_denied");
      assertThat(item.getString("error")).isEqualTo("Access denied");
      assertThat(item.containsKey("resource")).isFalse();
    }
  }

  @Test
  @DisplayName("a legal-basis client sees every record without consent")
  void legalBasisClientNeedsNoConsent() {
    JsonObject item = exportOne("gov", "Individual", "urn:c:nid|NO-CONSENT", null, null);
    assertThat(item.getString("status")).isEqualTo("success");
    assertThat(item.getJsonObject("resource").containsKey("telecom")).isTrue();
  }

  @Test
  @DisplayName("field access 'all' returns everything but extensions not asked for")
  void fieldAccessAll() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|GIVEN", null, null).getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactly("type", "identifier", "active", "name", "birthDate", "gender",
        "telecom", "meta");
  }

  @Test
  @DisplayName("field access 'basic' returns type, identifier, name, active and meta only")
  void fieldAccessBasic() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|BASIC", null, null).getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "active", "name", "meta");
  }

  @Test
  @DisplayName("field access 'custom' returns the listed fields plus type and identifier")
  void fieldAccessCustom() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|CUSTOM", null, null).getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "birthDate", "name");
    assertThat(r.getJsonObject("name")).isEqualTo(new JsonObject().put("family", "FAM-CUSTOM"));
  }

  @Test
  @DisplayName("the kind-specific scope row wins over 'all' even when 'all' is more permissive")
  void kindSpecificRowWins() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|KIND-WINS", null, null).getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "active", "name", "meta");
  }

  @Test
  @DisplayName("an Individual's own consent wins over its household's")
  void ownConsentBeatsHousehold() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|H-OWN", null, null).getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "active", "name", "meta");
  }

  @Test
  @DisplayName("a member's own withdrawal or refusal beats the household's consent; a member without one is read")
  void ownRefusalBeatsHouseholdConsent() {
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers",
        new JsonArray().add("urn:c:nid|R-WITHDRAWN").add("urn:c:nid|R-REFUSED").add("urn:c:nid|R-NONE"));
    HttpResponse<Buffer> r = gw.export("ngo", body).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
    assertThat(items.getJsonObject(0).getString("status")).isEqualTo("access_denied");
    assertThat(items.getJsonObject(0).containsKey("resource")).isFalse();
    assertThat(items.getJsonObject(1).getString("status")).isEqualTo("access_denied");
    assertThat(items.getJsonObject(1).containsKey("resource")).isFalse();
    assertThat(items.getJsonObject(2).getString("status")).isEqualTo("success");
    assertThat(items.getJsonObject(2).getJsonObject("resource").fieldNames()).contains("birthDate", "telecom");
    // the member's own valid consent is still read first: its basic access, not the household's 'all'
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|R-REFUSED-AND-OWN-BASIC", null, null)
        .getJsonObject("resource").fieldNames()).containsExactlyInAnyOrder("type", "identifier", "active", "name",
            "meta");
    // the household itself is read as before: its members' refusals are theirs, not the group's
    assertThat(exportOne("ngo", "Group", "urn:c:hh|HH-R", null, null).getString("status")).isEqualTo("success");
    // a client that is not consent-filtered reads the members whatever their consents say
    assertThat(exportOne("gov", "Individual", "urn:c:nid|R-REFUSED", null, null).getString("status"))
        .isEqualTo("success");
  }

  @Test
  @DisplayName("_elements applies after consent filtering: it cannot reach fields the consent withholds")
  void elementsAfterConsent() {
    JsonObject r = exportOne("ngo", "Individual", "urn:c:nid|BASIC", "birthDate,name.family", null)
        .getJsonObject("resource");
    assertThat(r.fieldNames()).containsExactly("type", "identifier", "name");
  }

  @Test
  @DisplayName("extensions are returned only when the chosen scope includes them, limited to the allowed keys")
  void extensionsGating() {
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-NONE", null, "*").getJsonObject("resource")
        .containsKey("extension")).isFalse();
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-ALL", null, "*").getJsonObject("resource")
        .getJsonObject("extension").fieldNames()).containsExactlyInAnyOrder("farmer", "health");
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-ALL", null, " health ").getJsonObject("resource")
        .getJsonObject("extension").fieldNames()).containsExactly("health");
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-LIMITED", null, "*").getJsonObject("resource")
        .getJsonObject("extension").fieldNames()).containsExactly("farmer");
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-LIMITED", null, "health").getJsonObject("resource")
        .containsKey("extension")).isFalse();
    assertThat(exportOne("ngo", "Individual", "urn:c:nid|EXT-ALL", null, null).getJsonObject("resource")
        .containsKey("extension")).isFalse();
    JsonObject basicExt = exportOne("ngo", "Individual", "urn:c:nid|BASIC-EXT", null, "*").getJsonObject("resource");
    assertThat(basicExt.fieldNames()).contains("extension").doesNotContain("birthDate");
    assertThat(basicExt.getJsonObject("extension").fieldNames()).containsExactly("health");
  }

  @Test
  @DisplayName("a Group needs a group or 'all' scope row on its own consent")
  void groupConsent() {
    assertThat(exportOne("ngo", "Group", "urn:c:hh|G-OK", null, null).getString("status")).isEqualTo("success");
    assertThat(exportOne("ngo", "Group", "urn:c:hh|G-IND", null, null).getString("status")).isEqualTo("access_denied");
    assertThat(exportOne("ngo", "Group", "urn:c:hh|HH-1", null, null).getString("status")).isEqualTo("access_denied");
  }

  @Test
  @DisplayName("ambiguous identifiers: an error when the client may read every holder, else access_denied")
  void ambiguityForConsentFilteredClients() {
    JsonObject both = exportOne("ngo", "Individual", "urn:c:nid|DUP-BOTH", null, null);
    assertThat(both.getString("status")).isEqualTo("error");
    assertThat(both.getString("error")).isEqualTo("Identifier matches more than one registrant");
    JsonObject one = exportOne("ngo", "Individual", "urn:c:nid|DUP-ONE", null, null);
    assertThat(one.getString("status")).isEqualTo("access_denied");
    assertThat(exportOne("other", "Individual", "urn:c:nid|DUP-BOTH", null, null).getString("status"))
        .isEqualTo("access_denied");
  }

  @Test
  @DisplayName("unknown and unconsented identifiers get byte-identical items apart from the identifier")
  void notFoundAndNotConsentedIndistinguishable() {
    JsonObject unknown = exportOne("ngo", "Individual", "urn:c:nid|UNKNOWN", null, null);
    JsonObject unconsented = exportOne("ngo", "Individual", "urn:c:nid|NO-CONSENT", null, null);
    assertThat(unknown.encode().replace("UNKNOWN", "X")).isEqualTo(unconsented.encode().replace("NO-CONSENT", "X"));
  }
}
