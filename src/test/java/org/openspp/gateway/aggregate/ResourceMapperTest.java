package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.RegistrantRecord.Address;
import org.openspp.gateway.bus.RegistrantRecord.Identifier;
import org.openspp.gateway.bus.RegistrantRecord.Link;
import org.openspp.gateway.bus.ResourceType;

@DisplayName("ResourceMapper")
class ResourceMapperTest {

  private static final String EXTENSIONS = "{\"farmer\":{\"url\":\"urn:openspp:ext:farmer\",\"farmSize\":2.5},"
      + "\"disability\":{\"url\":\"urn:openspp:ext:disability\",\"level\":\"none\"}}";

  private static final Link HOUSEHOLD = new Link("urn:hh", "HH-001", "Santos household",
      "urn:openspp:membership-type", "head", "Head", false);

  private static final Link MARIA = new Link("urn:gov:ph:psa:national-id", "PH-123456789", "Maria SANTOS",
      "urn:openspp:membership-type", "head", "Head", false);

  private static final Link JUAN = new Link("urn:gov:ph:psa:national-id", "PH-2", "Juan SANTOS",
      null, "member", null, true);

  /** A complete Individual; tests blank out what they do not need. */
  private static Builder individual() {
    Builder b = new Builder(ResourceType.INDIVIDUAL);
    b.identifiers = List.of(new Identifier("urn:gov:ph:psa:national-id", "PH-123456789"),
        new Identifier("urn:openspp:vocab:id-type#tax", "T-9"));
    b.familyName = "SANTOS";
    b.givenName = "Maria";
    b.middleName = "Cruz";
    b.birthDate = LocalDate.of(1985, 3, 15);
    b.birthDateEstimated = false;
    b.genderCode = "2";
    b.genderDisplay = "Female";
    b.phone = "+63-2-555";
    b.mobile = "+63-917-555";
    b.email = "maria@example.org";
    b.address = new Address("1 Rizal St", "Manila", "NCR", "PH", "1000");
    b.links = List.of(HOUSEHOLD);
    return b;
  }

  /** A complete Group with two members. */
  private static Builder group() {
    Builder b = new Builder(ResourceType.GROUP);
    b.identifiers = List.of(new Identifier("urn:openspp:vocab:id-type#household_id", "HH-001"));
    b.name = "Santos household";
    b.groupType = "household";
    b.address = new Address("1 Rizal St", "Manila", "NCR", "PH", "1000");
    b.links = List.of(MARIA, JUAN);
    return b;
  }

  private static JsonObject map(Builder b) {
    return ResourceMapper.toResource(b.build(), ExtensionSelection.none());
  }

  private static JsonObject map(Builder b, String extensions) {
    return ResourceMapper.toResource(b.build(), ExtensionSelection.parse(extensions));
  }

  @Test
  @DisplayName("a full Individual maps to the contract shape in the contract member order")
  void fullIndividualShape() {
    Builder b = individual();
    b.extensionJson = EXTENSIONS;

    JsonObject resource = map(b, "farmer");

    JsonObject expected = new JsonObject()
        .put("type", "Individual")
        .put("identifier", new JsonArray()
            .add(new JsonObject().put("system", "urn:gov:ph:psa:national-id").put("value", "PH-123456789"))
            .add(new JsonObject().put("system", "urn:openspp:vocab:id-type#tax").put("value", "T-9")))
        .put("active", true)
        .put("name", new JsonObject()
            .put("family", "SANTOS").put("given", "Maria").put("middle", "Cruz").put("text", "Maria Cruz SANTOS"))
        .put("birthDate", "1985-03-15")
        .put("birthDateEstimated", false)
        .put("gender", new JsonObject()
            .put("coding", new JsonArray().add(new JsonObject()
                .put("system", "urn:iso:std:iso:5218").put("code", "2").put("display", "Female")))
            .put("text", "Female"))
        .put("telecom", new JsonArray()
            .add(contactPoint("phone", "+63-2-555", "home", 1))
            .add(contactPoint("phone", "+63-917-555", "mobile", 2))
            .add(contactPoint("email", "maria@example.org", "work", 3)))
        .put("address", new JsonArray().add(new JsonObject()
            .put("type", "physical")
            .put("line", new JsonArray().add("1 Rizal St"))
            .put("city", "Manila")
            .put("state", "NCR")
            .put("country", "PH")
            .put("postalCode", "1000")
            .put("text", "1 Rizal St, Manila, NCR, 1000, PH")))
        .put("groupMembership", new JsonArray().add(new JsonObject()
            .put("group", new JsonObject()
                .put("reference", "Group/urn:hh|HH-001").put("display", "Santos household"))
            .put("role", role("urn:openspp:membership-type", "head", "Head"))))
        .put("extension", new JsonObject()
            .put("farmer", new JsonObject().put("url", "urn:openspp:ext:farmer").put("farmSize", 2.5)))
        .put("meta", new JsonObject()
            .put("versionId", "3").put("lastUpdated", "2026-01-02T03:04:05Z").put("source", "urn:registry:main"));
    assertThat(resource).isEqualTo(expected);
    assertThat(resource.fieldNames()).containsExactly("type", "identifier", "active", "name", "birthDate",
        "birthDateEstimated", "gender", "telecom", "address", "groupMembership", "extension", "meta");
    assertThat(resource.getJsonObject("name").fieldNames()).containsExactly("family", "given", "middle", "text");
    assertThat(resource.getJsonArray("address").getJsonObject(0).fieldNames())
        .containsExactly("type", "line", "city", "state", "country", "postalCode", "text");
  }

  @Test
  @DisplayName("a full Group maps to the contract shape in the contract member order")
  void fullGroupShape() {
    Builder b = group();
    b.active = false;
    b.extensionJson = EXTENSIONS;

    JsonObject resource = map(b, "*");

    JsonObject expected = new JsonObject()
        .put("type", "Group")
        .put("identifier", new JsonArray()
            .add(new JsonObject().put("system", "urn:openspp:vocab:id-type#household_id").put("value", "HH-001")))
        .put("active", false)
        .put("name", "Santos household")
        .put("address", new JsonArray().add(new JsonObject()
            .put("type", "physical")
            .put("line", new JsonArray().add("1 Rizal St"))
            .put("city", "Manila")
            .put("state", "NCR")
            .put("country", "PH")
            .put("postalCode", "1000")
            .put("text", "1 Rizal St, Manila, NCR, 1000, PH")))
        .put("groupType", "household")
        .put("member", new JsonArray()
            .add(new JsonObject()
                .put("entity", new JsonObject()
                    .put("reference", "Individual/urn:gov:ph:psa:national-id|PH-123456789")
                    .put("display", "Maria SANTOS"))
                .put("inactive", false)
                .put("role", role("urn:openspp:membership-type", "head", "Head")))
            .add(new JsonObject()
                .put("entity", new JsonObject()
                    .put("reference", "Individual/urn:gov:ph:psa:national-id|PH-2")
                    .put("display", "Juan SANTOS"))
                .put("inactive", true)
                .put("role", new JsonObject().put("coding", new JsonArray()
                    .add(new JsonObject().put("code", "member"))))))
        .put("quantity", 2)
        .put("extension", new JsonObject()
            .put("farmer", new JsonObject().put("url", "urn:openspp:ext:farmer").put("farmSize", 2.5))
            .put("disability", new JsonObject().put("url", "urn:openspp:ext:disability").put("level", "none")))
        .put("meta", new JsonObject()
            .put("versionId", "3").put("lastUpdated", "2026-01-02T03:04:05Z").put("source", "urn:registry:main"));
    assertThat(resource).isEqualTo(expected);
    assertThat(resource.fieldNames()).containsExactly("type", "identifier", "active", "name", "address",
        "groupType", "member", "quantity", "extension", "meta");
    assertThat(resource.getJsonArray("member").getJsonObject(0).fieldNames())
        .containsExactly("entity", "inactive", "role");
  }

  @Test
  @DisplayName("a Group never carries Individual-only members, whatever the record holds")
  void groupHasNoIndividualOnlyMembers() {
    Builder b = group();
    b.familyName = "SANTOS";
    b.birthDate = LocalDate.of(1985, 3, 15);
    b.birthDateEstimated = true;
    b.genderCode = "2";
    b.phone = "+63";
    b.email = "x@example.org";

    JsonObject resource = map(b);

    assertThat(resource.fieldNames())
        .doesNotContain("birthDate", "birthDateEstimated", "gender", "telecom", "groupMembership");
  }

  @Test
  @DisplayName("null and blank values, empty lists and an all-blank address are omitted")
  void emptyValuesAreOmitted() {
    Builder b = new Builder(ResourceType.INDIVIDUAL);
    b.name = " ";
    b.genderCode = "";
    b.genderDisplay = "  ";
    b.phone = "";
    b.mobile = " ";
    b.email = null;
    b.address = new Address("", " ", null, "", null);
    b.source = " ";
    b.lastUpdated = null;
    b.links = List.of(new Link(null, null, " ", "", null, "", false));

    JsonObject resource = map(b, "*");

    assertThat(resource).isEqualTo(new JsonObject()
        .put("type", "Individual")
        .put("active", true)
        .put("name", new JsonObject().put("family", "").put("given", "").put("middle", "").put("text", ""))
        .put("meta", new JsonObject().put("versionId", "3")));
  }

  @Test
  @DisplayName("a Group with blank name and type and no members keeps quantity 0 and omits member")
  void emptyGroupKeepsQuantityZero() {
    Builder b = new Builder(ResourceType.GROUP);
    b.name = "";
    b.groupType = " ";

    JsonObject resource = map(b);

    assertThat(resource).isEqualTo(new JsonObject()
        .put("type", "Group")
        .put("active", true)
        .put("quantity", 0)
        .put("meta", new JsonObject().put("versionId", "3").put("lastUpdated", "2026-01-02T03:04:05Z")
            .put("source", "urn:registry:main")));
  }

  @Test
  @DisplayName("Individual name parts are always strings, empty when missing")
  void namePartsAreAlwaysStrings() {
    Builder b = individual();
    b.familyName = "SANTOS";
    b.givenName = null;
    b.middleName = null;

    JsonObject name = map(b).getJsonObject("name");

    assertThat(name).isEqualTo(new JsonObject()
        .put("family", "SANTOS").put("given", "").put("middle", "").put("text", "SANTOS"));
  }

  @Test
  @DisplayName("name text joins given, middle and family with single spaces, skipping blank parts")
  void nameTextJoinsNonBlankParts() {
    Builder b = individual();
    b.middleName = " ";

    assertThat(map(b).getJsonObject("name").getString("text")).isEqualTo("Maria SANTOS");
  }

  @Test
  @DisplayName("name text is the display name when the record has one")
  void nameTextPrefersDisplayName() {
    Builder b = individual();
    b.name = "Maria C. Santos";

    JsonObject name = map(b).getJsonObject("name");

    assertThat(name.getString("text")).isEqualTo("Maria C. Santos");
    assertThat(name.getString("family")).isEqualTo("SANTOS");
  }

  @Test
  @DisplayName("telecom lists phone, mobile, email in that order with fixed use and rank")
  void telecomOrderAndRanks() {
    Builder b = individual();
    b.phone = null;

    JsonArray telecom = map(b).getJsonArray("telecom");

    assertThat(telecom).isEqualTo(new JsonArray()
        .add(contactPoint("phone", "+63-917-555", "mobile", 2))
        .add(contactPoint("email", "maria@example.org", "work", 3)));
    assertThat(telecom.getJsonObject(0).fieldNames()).containsExactly("system", "value", "use", "rank");
  }

  @Test
  @DisplayName("gender with only a code has an ISO 5218 coding and no text")
  void genderCodeOnly() {
    Builder b = individual();
    b.genderDisplay = null;

    assertThat(map(b).getJsonObject("gender")).isEqualTo(new JsonObject()
        .put("coding", new JsonArray().add(new JsonObject()
            .put("system", "urn:iso:std:iso:5218").put("code", "2"))));
  }

  @Test
  @DisplayName("gender with only a display has the display in coding and text")
  void genderDisplayOnly() {
    Builder b = individual();
    b.genderCode = " ";
    b.genderDisplay = "Female";

    assertThat(map(b).getJsonObject("gender")).isEqualTo(new JsonObject()
        .put("coding", new JsonArray().add(new JsonObject()
            .put("system", "urn:iso:std:iso:5218").put("display", "Female")))
        .put("text", "Female"));
  }

  @Test
  @DisplayName("gender is omitted when neither code nor display is set")
  void genderOmittedWhenBlank() {
    Builder b = individual();
    b.genderCode = null;
    b.genderDisplay = "";

    assertThat(map(b).containsKey("gender")).isFalse();
  }

  @Test
  @DisplayName("address text joins street, city, state, postal code, country and skips blank parts")
  void addressTextSkipsBlankParts() {
    Builder b = individual();
    b.address = new Address(" ", "Manila", null, "PH", "1000");

    JsonObject address = map(b).getJsonArray("address").getJsonObject(0);

    assertThat(address).isEqualTo(new JsonObject()
        .put("type", "physical")
        .put("city", "Manila")
        .put("country", "PH")
        .put("postalCode", "1000")
        .put("text", "Manila, 1000, PH"));
  }

  @Test
  @DisplayName("address is omitted when the record has none")
  void addressOmittedWhenNull() {
    Builder b = individual();
    b.address = null;

    assertThat(map(b).containsKey("address")).isFalse();
  }

  @Test
  @DisplayName("group membership references the group by its identifier and omits what is missing")
  void membershipReferences() {
    Builder b = individual();
    b.links = List.of(
        HOUSEHOLD,
        new Link(null, null, "Cooperative", null, null, null, false),
        new Link("urn:hh", null, null, null, "member", null, false));

    JsonArray memberships = map(b).getJsonArray("groupMembership");

    assertThat(memberships).isEqualTo(new JsonArray()
        .add(new JsonObject()
            .put("group", new JsonObject().put("reference", "Group/urn:hh|HH-001").put("display", "Santos household"))
            .put("role", role("urn:openspp:membership-type", "head", "Head")))
        .add(new JsonObject()
            .put("group", new JsonObject().put("display", "Cooperative")))
        .add(new JsonObject()
            .put("role", new JsonObject().put("coding", new JsonArray().add(new JsonObject().put("code", "member"))))));
  }

  @Test
  @DisplayName("a membership reference keeps a value that itself contains a bar")
  void membershipReferenceKeepsBarInValue() {
    Builder b = individual();
    b.links = List.of(new Link("urn:hh", "A|B", null, null, null, null, false));

    assertThat(map(b).getJsonArray("groupMembership").getJsonObject(0).getJsonObject("group")
        .getString("reference")).isEqualTo("Group/urn:hh|A|B");
  }

  @Test
  @DisplayName("every member carries inactive and quantity counts the members listed")
  void memberInactiveAndQuantity() {
    Builder b = group();
    b.links = List.of(JUAN, new Link(null, null, null, null, null, null, false), MARIA);

    JsonObject resource = map(b);
    JsonArray members = resource.getJsonArray("member");

    assertThat(members).hasSize(3);
    assertThat(members.getJsonObject(0).getBoolean("inactive")).isTrue();
    assertThat(members.getJsonObject(1)).isEqualTo(new JsonObject().put("inactive", false));
    assertThat(members.getJsonObject(2).getBoolean("inactive")).isFalse();
    assertThat(resource.getInteger("quantity")).isEqualTo(3);
  }

  @Test
  @DisplayName("extension * includes every stored key in stored order")
  void extensionStarIncludesAllKeys() {
    Builder b = individual();
    b.extensionJson = EXTENSIONS;

    JsonObject extension = map(b, "*").getJsonObject("extension");

    assertThat(extension.fieldNames()).containsExactly("farmer", "disability");
  }

  @Test
  @DisplayName("an extension list includes only the listed keys, in stored order")
  void extensionListIncludesListedKeys() {
    Builder b = individual();
    b.extensionJson = "{\"a\":{\"url\":\"urn:a\"},\"b\":{\"url\":\"urn:b\"},\"c\":{\"url\":\"urn:c\"}}";

    JsonObject extension = map(b, "c, a").getJsonObject("extension");

    assertThat(extension.fieldNames()).containsExactly("a", "c");
  }

  @Test
  @DisplayName("unknown extension keys are ignored and extension is omitted when none match")
  void extensionUnknownKeysIgnored() {
    Builder b = individual();
    b.extensionJson = EXTENSIONS;

    assertThat(map(b, "health,farmer").getJsonObject("extension").fieldNames()).containsExactly("farmer");
    assertThat(map(b, "health").containsKey("extension")).isFalse();
  }

  @Test
  @DisplayName("extension is omitted when nothing is selected or nothing is stored")
  void extensionOmittedWhenNotSelectedOrNotStored() {
    Builder stored = individual();
    stored.extensionJson = EXTENSIONS;
    Builder notStored = individual();

    assertThat(map(stored).containsKey("extension")).isFalse();
    assertThat(map(stored, "").containsKey("extension")).isFalse();
    assertThat(ResourceMapper.toResource(stored.build(), null).containsKey("extension")).isFalse();
    assertThat(map(notStored, "*").containsKey("extension")).isFalse();
  }

  @Test
  @DisplayName("extension entries put url first and drop empty fields and non-object entries")
  void extensionEntriesAreNormalised() {
    Builder b = individual();
    b.extensionJson = "{\"farmer\":{\"crops\":[\"rice\",\"\"],\"notes\":\"\",\"plots\":[],\"url\":\"urn:f\","
        + "\"owner\":null,\"meta\":{}},\"flag\":true,\"empty\":{\"note\":\" \"}}";

    JsonObject extension = map(b, "*").getJsonObject("extension");

    assertThat(extension).isEqualTo(new JsonObject()
        .put("farmer", new JsonObject().put("url", "urn:f").put("crops", new JsonArray().add("rice"))));
    assertThat(extension.getJsonObject("farmer").fieldNames()).containsExactly("url", "crops");
  }

  @Test
  @DisplayName("each mapping returns fresh extension JSON that later mappings do not see")
  void extensionValuesAreNotShared() {
    RegistrantRecord record = individual().withExtension(EXTENSIONS).build();
    ExtensionSelection all = ExtensionSelection.parse("*");

    JsonObject first = ResourceMapper.toResource(record, all);
    first.getJsonObject("extension").getJsonObject("farmer").put("farmSize", 99);
    JsonObject second = ResourceMapper.toResource(record, all);

    assertThat(second.getJsonObject("extension").getJsonObject("farmer").getValue("farmSize")).isEqualTo(2.5);
  }

  @Test
  @DisplayName("stored extension data that is not a JSON object makes the mapping fail")
  void brokenExtensionDataThrows() {
    RegistrantRecord array = individual().withExtension("[1,2]").build();
    RegistrantRecord garbage = individual().withExtension("{not json").build();
    ExtensionSelection all = ExtensionSelection.parse("*");

    assertThatThrownBy(() -> ResourceMapper.toResource(array, all)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResourceMapper.toResource(garbage, all)).isInstanceOf(DecodeException.class);
  }

  @Test
  @DisplayName("meta has a string versionId and an ISO-8601 UTC lastUpdated ending in Z")
  void metaTimestampEndsInZ() {
    Builder b = individual();
    b.versionId = "12";
    b.lastUpdated = Instant.parse("2026-01-02T03:04:05Z");

    JsonObject meta = map(b).getJsonObject("meta");

    assertThat(meta).isEqualTo(new JsonObject()
        .put("versionId", "12").put("lastUpdated", "2026-01-02T03:04:05Z").put("source", "urn:registry:main"));
  }

  @Test
  @DisplayName("meta keeps sub-second precision of lastUpdated, still in UTC with Z")
  void metaTimestampKeepsFraction() {
    Builder b = individual();
    b.lastUpdated = Instant.parse("2026-01-02T03:04:05.123456Z");

    assertThat(map(b).getJsonObject("meta").getString("lastUpdated")).isEqualTo("2026-01-02T03:04:05.123456Z");
  }

  @Test
  @DisplayName("no id member appears anywhere in an Individual or a Group")
  void noIdAnywhere() {
    Builder person = individual();
    person.extensionJson = EXTENSIONS;
    Builder household = group();
    household.extensionJson = EXTENSIONS;

    assertThat(keysOf(map(person, "*"))).doesNotContain("id");
    assertThat(keysOf(map(household, "*"))).doesNotContain("id");
  }

  private static JsonObject contactPoint(String system, String value, String use, int rank) {
    return new JsonObject().put("system", system).put("value", value).put("use", use).put("rank", rank);
  }

  private static JsonObject role(String system, String code, String display) {
    return new JsonObject().put("coding", new JsonArray()
        .add(new JsonObject().put("system", system).put("code", code).put("display", display)));
  }

  private static List<String> keysOf(Object json) {
    List<String> keys = new ArrayList<>();
    if (json instanceof JsonObject object) {
      for (String key : object.fieldNames()) {
        keys.add(key);
        keys.addAll(keysOf(object.getValue(key)));
      }
    } else if (json instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        keys.addAll(keysOf(array.getValue(i)));
      }
    }
    return keys;
  }

  /** Mutable stand-in for the record's many components; optional parts default to unset. */
  private static final class Builder {
    private final ResourceType kind;
    private final long id = 4711;
    private boolean active = true;
    private List<Identifier> identifiers = List.of();
    private String familyName;
    private String givenName;
    private String middleName;
    private String name;
    private LocalDate birthDate;
    private Boolean birthDateEstimated;
    private String genderCode;
    private String genderDisplay;
    private String phone;
    private String mobile;
    private String email;
    private Address address;
    private String groupType;
    private String extensionJson;
    private List<Link> links = List.of();
    private String source = "urn:registry:main";
    private String versionId = "3";
    private Instant lastUpdated = Instant.parse("2026-01-02T03:04:05Z");

    Builder(ResourceType kind) {
      this.kind = kind;
    }

    Builder withExtension(String json) {
      this.extensionJson = json;
      return this;
    }

    RegistrantRecord build() {
      return new RegistrantRecord(id, kind, active, identifiers, familyName, givenName, middleName, name,
          birthDate, birthDateEstimated, genderCode, genderDisplay, phone, mobile, email, address, groupType,
          extensionJson, links, source, versionId, lastUpdated, java.util.List.of());
    }
  }
}
