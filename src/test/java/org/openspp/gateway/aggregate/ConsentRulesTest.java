package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openspp.gateway.aggregate.ConsentRules.Grant;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ConsentRecord;
import org.openspp.gateway.bus.ConsentRecord.Scope;
import org.openspp.gateway.bus.ResourceType;

@DisplayName("ConsentRules")
class ConsentRulesTest {

  private static final LocalDate TODAY = LocalDate.of(2025, 6, 15);
  private static final LocalDate YESTERDAY = TODAY.minusDays(1);
  private static final LocalDate TOMORROW = TODAY.plusDays(1);

  private static final String ORG = "org-ministry";
  private static final String ORG_TYPE = "government";

  private static final ClientRecord CLIENT = client(ORG, ORG_TYPE);

  // ---------------------------------------------------------------- fixtures

  private static ClientRecord client(String organization, String organizationType) {
    return new ClientRecord("client-1", true, "consent", organization, organizationType,
        Set.of("individual:read", "group:read"), null);
  }

  private static Scope scope(String resourceType, String fieldAccess) {
    return new Scope(resourceType, fieldAccess, List.of(), "purpose-" + resourceType + "-" + fieldAccess,
        false, List.of());
  }

  private static Scope custom(String resourceType, String... fields) {
    return new Scope(resourceType, "custom", List.of(fields), "custom-purpose", false, List.of());
  }

  private static Scope withExtensions(String resourceType, String fieldAccess, String... allowed) {
    return new Scope(resourceType, fieldAccess, List.of(), "ext-purpose", true, List.of(allowed));
  }

  /** A valid, specific-to-{@link #ORG} own consent with the given rows. */
  private static ConsentRecord consent(long id, Scope... scopes) {
    return new ConsentRecord(id, false, "given", "specific", List.of(ORG), List.of(), null, null, List.of(scopes));
  }

  private static ConsentRecord household(long id, Scope... scopes) {
    return new ConsentRecord(id, true, "given", "specific", List.of(ORG), List.of(), null, null, List.of(scopes));
  }

  private static ConsentRecord withStatus(String status) {
    return new ConsentRecord(1, false, status, "specific", List.of(ORG), List.of(), null, null,
        List.of(scope("all", "all")));
  }

  private static ConsentRecord withDates(LocalDate effective, LocalDate expiry) {
    return new ConsentRecord(1, false, "given", "specific", List.of(ORG), List.of(), effective, expiry,
        List.of(scope("all", "all")));
  }

  private static ConsentRecord withRecipients(String mode, List<String> orgs, List<String> types) {
    return new ConsentRecord(1, false, "given", mode, orgs, types, null, null, List.of(scope("all", "all")));
  }

  private static ConsentRecord invalid(long id, boolean household, Scope... scopes) {
    return new ConsentRecord(id, household, "withdrawn", "specific", List.of(ORG), List.of(), null, null,
        List.of(scopes));
  }

  private static Grant grantOf(String fieldAccess, List<String> customFields) {
    return new Grant(1, "p", false, fieldAccess, customFields, false, List.of());
  }

  private static Grant extensionGrant(boolean include, String... allowed) {
    return new Grant(1, "p", false, "all", List.of(), include, List.of(allowed));
  }

  private static JsonObject individual() {
    return new JsonObject()
        .put("type", "Individual")
        .put("identifier", new JsonArray().add(new JsonObject().put("system", "urn:nid").put("value", "N-1")))
        .put("active", true)
        .put("name", new JsonObject().put("family", "Doe").put("given", "Jane").put("middle", "").put("text", "Jane Doe"))
        .put("birthDate", "1990-01-02")
        .put("gender", new JsonObject().put("text", "Female"))
        .put("telecom", new JsonArray()
            .add(new JsonObject().put("system", "phone").put("value", "+100").put("use", "home").put("rank", 1))
            .add(new JsonObject().put("system", "email").put("value", "j@d.org").put("use", "work").put("rank", 3)))
        .put("extension", new JsonObject().put("farmer", new JsonObject().put("url", "urn:farmer").put("acres", 4)))
        .put("meta", new JsonObject().put("versionId", "3").put("lastUpdated", "2025-01-01T00:00:00Z"));
  }

  // ---------------------------------------------------------------- validity

  static Stream<Arguments> validityRows() {
    return Stream.of(
        Arguments.of(named("status given → valid", withStatus("given")), CLIENT, true),
        Arguments.of(named("status renewed → valid", withStatus("renewed")), CLIENT, true),
        Arguments.of(named("status requested → invalid", withStatus("requested")), CLIENT, false),
        Arguments.of(named("status refused → invalid", withStatus("refused")), CLIENT, false),
        Arguments.of(named("status withdrawn → invalid", withStatus("withdrawn")), CLIENT, false),
        Arguments.of(named("status expired → invalid", withStatus("expired")), CLIENT, false),
        Arguments.of(named("status invalidated → invalid", withStatus("invalidated")), CLIENT, false),
        Arguments.of(named("status Given (wrong case) → invalid", withStatus("Given")), CLIENT, false),
        Arguments.of(named("no status → invalid", withStatus(null)), CLIENT, false),
        Arguments.of(named("effective tomorrow → invalid", withDates(TOMORROW, null)), CLIENT, false),
        Arguments.of(named("effective today → valid", withDates(TODAY, null)), CLIENT, true),
        Arguments.of(named("expiry yesterday → invalid", withDates(null, YESTERDAY)), CLIENT, false),
        Arguments.of(named("expiry today → valid", withDates(null, TODAY)), CLIENT, true),
        Arguments.of(named("effective and expiry today → valid", withDates(TODAY, TODAY)), CLIENT, true),
        Arguments.of(named("no dates → valid", withDates(null, null)), CLIENT, true),
        Arguments.of(named("specific listing the client's org → valid",
            withRecipients("specific", List.of("org-other", ORG), List.of())), CLIENT, true),
        Arguments.of(named("specific listing another org → invalid",
            withRecipients("specific", List.of("org-other"), List.of())), CLIENT, false),
        Arguments.of(named("specific matching only the org type → invalid",
            withRecipients("specific", List.of(ORG_TYPE), List.of(ORG_TYPE))), CLIENT, false),
        Arguments.of(named("category listing the client's org type → valid",
            withRecipients("category", List.of(), List.of(ORG_TYPE))), CLIENT, true),
        Arguments.of(named("category listing another org type → invalid",
            withRecipients("category", List.of(), List.of("ngo"))), CLIENT, false),
        Arguments.of(named("category listing the org id (not the type) → invalid",
            withRecipients("category", List.of(ORG), List.of(ORG))), CLIENT, false),
        Arguments.of(named("specific vs a client without organisation → invalid",
            withRecipients("specific", List.of(ORG), List.of())), client(null, ORG_TYPE), false),
        Arguments.of(named("category vs a client without organisation type → invalid",
            withRecipients("category", List.of(), List.of(ORG_TYPE))), client(ORG, null), false),
        Arguments.of(named("unknown recipient mode → invalid",
            withRecipients("everyone", List.of(ORG), List.of(ORG_TYPE))), CLIENT, false),
        Arguments.of(named("no recipient mode → invalid",
            withRecipients(null, List.of(ORG), List.of(ORG_TYPE))), CLIENT, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validityRows")
  @DisplayName("isValid applies status, inclusive date bounds and recipient rules")
  void validity(ConsentRecord consent, ClientRecord client, boolean expected) {
    assertThat(ConsentRules.isValid(consent, client, TODAY)).isEqualTo(expected);
  }

  // ---------------------------------------------------------------- scope choice

  @Nested
  @DisplayName("chooseScope")
  class ChooseScope {

    @Test
    @DisplayName("a kind-specific row beats an all row even when the all row is more permissive")
    void kindSpecificBeatsAll() {
      Scope specific = scope("individual", "basic");
      ConsentRecord c = consent(1, withExtensions("all", "all"), specific);

      assertThat(ConsentRules.chooseScope(c, ResourceType.INDIVIDUAL)).containsSame(specific);
    }

    @Test
    @DisplayName("among rows of equal specificity all beats custom beats basic")
    void mostPermissiveFieldAccessAmongEquals() {
      Scope basic = scope("individual", "basic");
      Scope custom = custom("individual", "name");
      Scope all = scope("individual", "all");

      assertThat(ConsentRules.chooseScope(consent(1, basic, custom, all), ResourceType.INDIVIDUAL))
          .containsSame(all);
      assertThat(ConsentRules.chooseScope(consent(1, basic, custom), ResourceType.INDIVIDUAL))
          .containsSame(custom);
      assertThat(ConsentRules.chooseScope(consent(1, custom, basic), ResourceType.INDIVIDUAL))
          .containsSame(custom);
    }

    @Test
    @DisplayName("the all row serves when there is no kind-specific row")
    void allRowServesEitherKind() {
      Scope all = scope("all", "basic");
      ConsentRecord c = consent(1, all, scope("group", "all"));

      assertThat(ConsentRules.chooseScope(c, ResourceType.INDIVIDUAL)).containsSame(all);
    }

    @Test
    @DisplayName("no row for the requested kind gives no scope")
    void noRowForKind() {
      assertThat(ConsentRules.chooseScope(consent(1, scope("group", "all")), ResourceType.INDIVIDUAL)).isEmpty();
      assertThat(ConsentRules.chooseScope(consent(1), ResourceType.GROUP)).isEmpty();
    }

    @Test
    @DisplayName("a group row does not serve an Individual, and an individual row does not serve a Group")
    void rowsServeOnlyTheirKind() {
      Scope group = scope("group", "all");
      Scope individual = scope("individual", "all");
      ConsentRecord c = consent(1, group, individual);

      assertThat(ConsentRules.chooseScope(c, ResourceType.INDIVIDUAL)).containsSame(individual);
      assertThat(ConsentRules.chooseScope(c, ResourceType.GROUP)).containsSame(group);
      assertThat(ConsentRules.chooseScope(consent(2, group), ResourceType.INDIVIDUAL)).isEmpty();
    }

    @Test
    @DisplayName("resource types are matched exactly (Individual is not individual)")
    void resourceTypeMatchedExactly() {
      assertThat(ConsentRules.chooseScope(consent(1, scope("Individual", "all"), scope("ALL", "all")),
          ResourceType.INDIVIDUAL)).isEmpty();
    }

    @Test
    @DisplayName("a row with an unknown field access is never chosen, even over a basic row")
    void unknownFieldAccessNeverChosen() {
      Scope basic = scope("all", "basic");

      assertThat(ConsentRules.chooseScope(consent(1, scope("individual", "full"), basic), ResourceType.INDIVIDUAL))
          .containsSame(basic);
      assertThat(ConsentRules.chooseScope(consent(1, scope("individual", "full"), scope("all", null)),
          ResourceType.INDIVIDUAL)).isEmpty();
    }

    @Test
    @DisplayName("ties go to include_extensions, then more custom fields, then the first row")
    void tieBreakers() {
      Scope plain = scope("individual", "all");
      Scope extended = withExtensions("individual", "all");
      assertThat(ConsentRules.chooseScope(consent(1, plain, extended), ResourceType.INDIVIDUAL))
          .containsSame(extended);

      Scope one = custom("individual", "name");
      Scope two = custom("individual", "name", "birthDate");
      assertThat(ConsentRules.chooseScope(consent(1, one, two), ResourceType.INDIVIDUAL)).containsSame(two);

      Scope first = scope("individual", "basic");
      Scope second = scope("individual", "basic");
      assertThat(ConsentRules.chooseScope(consent(1, first, second), ResourceType.INDIVIDUAL)).containsSame(first);
    }
  }

  // ---------------------------------------------------------------- grant

  @Nested
  @DisplayName("grant")
  class GrantChoice {

    @Test
    @DisplayName("an own consent beats a household consent even when the household one is more permissive")
    void ownBeatsHousehold() {
      ConsentRecord own = consent(9, scope("individual", "basic"));
      ConsentRecord hh = household(1, withExtensions("individual", "all"));

      Optional<Grant> grant = ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(hh, own), TODAY);

      assertThat(grant).hasValueSatisfying(g -> {
        assertThat(g.consentId()).isEqualTo(9);
        assertThat(g.household()).isFalse();
        assertThat(g.fieldAccess()).isEqualTo("basic");
      });
    }

    @Test
    @DisplayName("a household consent serves an Individual when no own consent qualifies")
    void householdWhenNoOwn() {
      ConsentRecord hh = household(4, scope("individual", "basic"));
      ConsentRecord ownWrongKind = consent(2, scope("group", "all"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(ownWrongKind, hh), TODAY))
          .hasValueSatisfying(g -> {
            assertThat(g.consentId()).isEqualTo(4);
            assertThat(g.household()).isTrue();
          });
    }

    @Test
    @DisplayName("a household consent never serves a Group")
    void householdNeverForGroup() {
      ConsentRecord hh = household(4, scope("all", "all"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.GROUP, List.of(hh), TODAY)).isEmpty();
    }

    @Test
    @DisplayName("an invalid own consent that is no refusal (lapsed, only requested) falls back to a household consent")
    void invalidOwnFallsBackToHousehold() {
      ConsentRecord lapsed = new ConsentRecord(1, false, "given", "specific", List.of(ORG), List.of(), null, YESTERDAY,
          List.of(scope("individual", "all")));
      ConsentRecord requested = new ConsentRecord(2, false, "requested", "specific", List.of(ORG), List.of(), null,
          null, List.of(scope("individual", "all")));
      ConsentRecord hh = household(5, custom("individual", "name"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(lapsed, requested, hh), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(5));
    }

    @Test
    @DisplayName("no valid consent with a scope for the kind gives no grant")
    void nothingQualifies() {
      ConsentRecord own = invalid(1, false, scope("all", "all"));
      ConsentRecord hh = invalid(2, true, scope("all", "all"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(own, hh), TODAY)).isEmpty();
      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(), TODAY)).isEmpty();
    }

    @Test
    @DisplayName("the most permissive chosen scope wins across several own consents, specificity first")
    void mostPermissiveAcrossConsents() {
      ConsentRecord basic = consent(1, scope("individual", "basic"));
      ConsentRecord all = consent(2, scope("individual", "all"));
      ConsentRecord customC = consent(3, custom("individual", "name"));
      ConsentRecord generic = consent(4, withExtensions("all", "all"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(basic, customC, all), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(2));
      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(generic, basic), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(1));
    }

    @Test
    @DisplayName("equally permissive consents tie to the lowest consent id, whatever the order")
    void tieToLowestId() {
      ConsentRecord c7 = consent(7, scope("individual", "all"));
      ConsentRecord c3 = consent(3, scope("individual", "all"));
      ConsentRecord c5 = consent(5, scope("individual", "all"));

      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(c7, c3, c5), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(3));
      assertThat(ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(c3, c5, c7), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(3));
    }

    @Test
    @DisplayName("the grant carries the consent id and the chosen row's purpose, access and extension rules")
    void grantCarriesScopeContent() {
      Scope chosen = new Scope("group", "custom", List.of("name", "member.entity"), "social-protection", true,
          List.of("farmer"));
      ConsentRecord c = consent(42, scope("all", "all"), chosen);

      assertThat(ConsentRules.grant(CLIENT, ResourceType.GROUP, List.of(c), TODAY))
          .contains(new Grant(42, "social-protection", false, "custom", List.of("name", "member.entity"), true,
              List.of("farmer")));
    }

    @Test
    @DisplayName("a Grant's lists are immutable and its field access must be known")
    void grantIsImmutableAndChecked() {
      Grant g = grantOf("custom", new ArrayList<>(List.of("name")));

      assertThatThrownBy(() -> g.customFields().add("x")).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> g.allowedExtensions().add("x")).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> grantOf("full", List.of())).isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ---------------------------------------------------------------- field filtering

  @Nested
  @DisplayName("filterFields")
  class FilterFields {

    @Test
    @DisplayName("all keeps everything as an equal but separate deep copy")
    void allKeepsEverything() {
      JsonObject resource = individual();

      JsonObject out = ConsentRules.filterFields(resource, grantOf("all", List.of()));

      assertThat(out).isEqualTo(individual()).isNotSameAs(resource);
      out.getJsonObject("name").put("family", "Changed");
      assertThat(resource.getJsonObject("name").getString("family")).isEqualTo("Doe");
    }

    @Test
    @DisplayName("basic keeps type, identifier, name, active and meta, plus the extension")
    void basicKeepsBasicMembers() {
      JsonObject out = ConsentRules.filterFields(individual(), grantOf("basic", List.of()));

      assertThat(out.fieldNames())
          .containsExactly("type", "identifier", "active", "name", "extension", "meta");
      assertThat(out.getJsonObject("name")).isEqualTo(individual().getJsonObject("name"));
    }

    @Test
    @DisplayName("custom keeps type, identifier and the listed top-level members and dotted paths")
    void customKeepsListedFields() {
      JsonObject out = ConsentRules.filterFields(individual(),
          grantOf("custom", List.of("birthDate", "name.family", "telecom.value")));

      assertThat(out).isEqualTo(new JsonObject()
          .put("type", "Individual")
          .put("identifier", individual().getJsonArray("identifier"))
          .put("name", new JsonObject().put("family", "Doe"))
          .put("birthDate", "1990-01-02")
          .put("telecom", new JsonArray()
              .add(new JsonObject().put("value", "+100"))
              .add(new JsonObject().put("value", "j@d.org")))
          .put("extension", individual().getJsonObject("extension")));
    }

    @Test
    @DisplayName("custom ignores unknown fields")
    void customIgnoresUnknown() {
      JsonObject out = ConsentRules.filterFields(individual(), grantOf("custom", List.of("nickname", "name.nick")));

      assertThat(out.fieldNames()).containsExactly("type", "identifier", "extension");
    }

    @Test
    @DisplayName("an empty custom list keeps only type and identifier, not everything")
    void emptyCustomListKeepsOnlyTypeAndIdentifier() {
      JsonObject resource = individual();
      resource.remove("extension");

      assertThat(ConsentRules.filterFields(resource, grantOf("custom", List.of())).fieldNames())
          .containsExactly("type", "identifier");
      assertThat(ConsentRules.filterFields(resource, grantOf("custom", List.of(" ", ""))).fieldNames())
          .containsExactly("type", "identifier");
    }

    @Test
    @DisplayName("the extension member is kept under every field access, and absent when the input has none")
    void extensionKept() {
      for (String access : List.of("all", "basic", "custom")) {
        assertThat(ConsentRules.filterFields(individual(), grantOf(access, List.of())).getJsonObject("extension"))
            .as(access)
            .isEqualTo(individual().getJsonObject("extension"));
      }
      JsonObject withoutExtension = individual();
      withoutExtension.remove("extension");
      assertThat(ConsentRules.filterFields(withoutExtension, grantOf("basic", List.of())).containsKey("extension"))
          .isFalse();
    }

    @Test
    @DisplayName("the input is never mutated and the result shares no nested object with it")
    void inputNotMutated() {
      for (Grant grant : List.of(grantOf("all", List.of()), grantOf("basic", List.of()),
          grantOf("custom", List.of("name", "telecom.system")), grantOf("custom", List.of()))) {
        JsonObject resource = individual();

        JsonObject out = ConsentRules.filterFields(resource, grant);
        out.getJsonObject("extension").put("added", true);
        out.getJsonArray("identifier").add("added");
        if (out.containsKey("name")) {
          out.getJsonObject("name").put("family", "Changed");
        }

        assertThat(resource).as(grant.fieldAccess()).isEqualTo(individual());
      }
    }
  }

  // ---------------------------------------------------------------- extensions

  @Nested
  @DisplayName("extensions")
  class Extensions {

    @Test
    @DisplayName("a grant without include_extensions allows none, whatever was requested")
    void notIncludedGivesNone() {
      assertThat(ConsentRules.extensions(ExtensionSelection.parse("*"), extensionGrant(false)))
          .isEqualTo(ExtensionSelection.none());
      assertThat(ConsentRules.extensions(ExtensionSelection.parse("farmer"), extensionGrant(false, "farmer")))
          .isEqualTo(ExtensionSelection.none());
    }

    @Test
    @DisplayName("include_extensions with no allowed list returns the request unchanged, including *")
    void includedWithoutListGivesRequest() {
      ExtensionSelection star = ExtensionSelection.parse("*");
      ExtensionSelection keys = ExtensionSelection.parse("farmer,disability");

      assertThat(ConsentRules.extensions(star, extensionGrant(true))).isEqualTo(star);
      assertThat(ConsentRules.extensions(star, extensionGrant(true)).all()).isTrue();
      assertThat(ConsentRules.extensions(keys, extensionGrant(true))).isEqualTo(keys);
      assertThat(ConsentRules.extensions(ExtensionSelection.none(), extensionGrant(true)).isEmpty()).isTrue();
    }

    @Test
    @DisplayName("include_extensions with an allowed list intersects the request; * becomes exactly the list")
    void includedWithListIntersects() {
      Grant grant = extensionGrant(true, "farmer", "education");

      assertThat(ConsentRules.extensions(ExtensionSelection.parse("farmer,disability"), grant).keys())
          .containsExactly("farmer");
      assertThat(ConsentRules.extensions(ExtensionSelection.parse("disability"), grant).isEmpty()).isTrue();
      ExtensionSelection star = ConsentRules.extensions(ExtensionSelection.parse("*"), grant);
      assertThat(star.all()).isFalse();
      assertThat(star.keys()).containsExactly("farmer", "education");
      assertThat(ConsentRules.extensions(ExtensionSelection.none(), grant).isEmpty()).isTrue();
    }
  }

  // ---------------------------------------------------------------- ambiguity

  @Nested
  @DisplayName("a person's own refusal wins over the household's consent")
  class OwnRefusal {

    private static ConsentRecord own(long id, String status, LocalDate effective, LocalDate expiry, String mode,
        List<String> orgs, List<String> types, Scope... scopes) {
      return new ConsentRecord(id, false, status, mode, orgs, types, effective, expiry, List.of(scopes));
    }

    private static ConsentRecord ownRefusal(long id, String status, LocalDate effective, LocalDate expiry) {
      return own(id, status, effective, expiry, "specific", List.of(ORG), List.of(), scope("individual", "all"));
    }

    private static Optional<Grant> individualGrant(ConsentRecord... candidates) {
      return ConsentRules.grant(CLIENT, ResourceType.INDIVIDUAL, List.of(candidates), TODAY);
    }

    @Test
    @DisplayName("an own withdrawn consent blocks the household's valid consent")
    void ownWithdrawnBlocksHousehold() {
      assertThat(individualGrant(ownRefusal(1, "withdrawn", YESTERDAY, null), household(2, scope("all", "all"))))
          .isEmpty();
    }

    @Test
    @DisplayName("an own refused consent blocks the household's valid consent")
    void ownRefusedBlocksHousehold() {
      assertThat(individualGrant(household(2, scope("all", "all")), ownRefusal(7, "refused", null, null))).isEmpty();
    }

    @Test
    @DisplayName("an own withdrawal whose effective date is still ahead does not block yet")
    void ownWithdrawnEffectiveTomorrowDoesNotBlock() {
      assertThat(individualGrant(ownRefusal(1, "withdrawn", TOMORROW, null), household(2, scope("all", "all"))))
          .hasValueSatisfying(g -> {
            assertThat(g.consentId()).isEqualTo(2);
            assertThat(g.household()).isTrue();
          });
      assertThat(individualGrant(ownRefusal(1, "withdrawn", TODAY, null), household(2, scope("all", "all"))))
          .isEmpty();
    }

    @Test
    @DisplayName("an own refusal for another organisation or organisation type does not block")
    void ownRefusalForAnotherRecipientDoesNotBlock() {
      ConsentRecord otherOrg = own(1, "refused", null, null, "specific", List.of("org-other"), List.of(),
          scope("all", "all"));
      ConsentRecord otherType = own(3, "withdrawn", null, null, "category", List.of(), List.of("ngo"),
          scope("all", "all"));
      ConsentRecord orgIdAsType = own(4, "refused", null, null, "category", List.of(ORG), List.of(ORG),
          scope("all", "all"));

      assertThat(individualGrant(otherOrg, otherType, orgIdAsType, household(2, scope("all", "all"))))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(2));
    }

    @Test
    @DisplayName("an own refusal for the client's organisation type (category) blocks")
    void ownRefusalByCategoryBlocks() {
      ConsentRecord byType = own(1, "refused", null, null, "category", List.of(), List.of(ORG_TYPE),
          scope("all", "all"));

      assertThat(individualGrant(byType, household(2, scope("all", "all")))).isEmpty();
    }

    @Test
    @DisplayName("an own valid consent still wins over an own refusal, and is what the client reads")
    void ownValidWinsOverOwnRefusal() {
      ConsentRecord refusal = ownRefusal(1, "refused", null, null);
      ConsentRecord valid = consent(3, scope("individual", "basic"));

      assertThat(individualGrant(refusal, valid, household(2, scope("all", "all"))))
          .hasValueSatisfying(g -> {
            assertThat(g.consentId()).isEqualTo(3);
            assertThat(g.household()).isFalse();
            assertThat(g.fieldAccess()).isEqualTo("basic");
          });
    }

    @Test
    @DisplayName("an own refusal past its expiry date still blocks: expiry is not a condition")
    void expiredOwnRefusalStillBlocks() {
      assertThat(individualGrant(ownRefusal(1, "refused", TODAY.minusDays(30), YESTERDAY),
          household(2, scope("all", "all")))).isEmpty();
      assertThat(individualGrant(ownRefusal(1, "withdrawn", null, YESTERDAY), household(2, scope("all", "all"))))
          .isEmpty();
    }

    @Test
    @DisplayName("an own refusal blocks whatever its scope rows, none at all included")
    void ownRefusalOfAnyScopeBlocks() {
      ConsentRecord groupOnly = own(1, "refused", null, null, "specific", List.of(ORG), List.of(),
          scope("group", "all"));
      ConsentRecord noRows = own(1, "withdrawn", null, null, "specific", List.of(ORG), List.of());

      assertThat(individualGrant(groupOnly, household(2, scope("all", "all")))).isEmpty();
      assertThat(individualGrant(noRows, household(2, scope("all", "all")))).isEmpty();
    }

    @Test
    @DisplayName("statuses other than withdrawn and refused do not block; a household's own refusal does not")
    void onlyOwnWithdrawnOrRefusedBlock() {
      for (String status : List.of("requested", "expired", "invalidated", "Refused", "WITHDRAWN")) {
        assertThat(individualGrant(ownRefusal(1, status, null, null), household(2, scope("all", "all"))))
            .as(status).hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(2));
      }
      ConsentRecord householdRefusal = new ConsentRecord(1, true, "refused", "specific", List.of(ORG), List.of(),
          null, null, List.of(scope("all", "all")));
      assertThat(individualGrant(householdRefusal, household(2, scope("all", "all"))))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(2));
    }

    @Test
    @DisplayName("Group exports are unaffected: a Group reads its own valid consent, never a household one")
    void groupExportsUnaffected() {
      ConsentRecord groupConsent = consent(3, scope("group", "all"));
      ConsentRecord refusal = ownRefusal(1, "refused", null, null);

      assertThat(ConsentRules.grant(CLIENT, ResourceType.GROUP, List.of(refusal, groupConsent), TODAY))
          .hasValueSatisfying(g -> assertThat(g.consentId()).isEqualTo(3));
      assertThat(ConsentRules.grant(CLIENT, ResourceType.GROUP, List.of(refusal), TODAY)).isEmpty();
      assertThat(ConsentRules.grant(CLIENT, ResourceType.GROUP, List.of(household(2, scope("all", "all"))), TODAY))
          .isEmpty();
    }

    @Test
    @DisplayName("an ambiguous identifier: a holder with its own refusal is not readable through its household")
    void mayReadAllHonoursOwnRefusal() {
      List<List<ConsentRecord>> holders = List.of(
          List.of(consent(1, scope("individual", "basic"))),
          List.of(ownRefusal(3, "withdrawn", null, null), household(2, scope("all", "all"))));

      assertThat(ConsentRules.mayReadAll(CLIENT, ResourceType.INDIVIDUAL, holders, TODAY)).isFalse();
    }

    @Test
    @DisplayName("isRefusal: withdrawn or refused, in effect today, for the client as recipient")
    void isRefusalRules() {
      assertThat(ConsentRules.isRefusal(ownRefusal(1, "withdrawn", null, null), CLIENT, TODAY)).isTrue();
      assertThat(ConsentRules.isRefusal(ownRefusal(1, "refused", TODAY, YESTERDAY), CLIENT, TODAY)).isTrue();
      assertThat(ConsentRules.isRefusal(ownRefusal(1, "refused", TOMORROW, null), CLIENT, TODAY)).isFalse();
      assertThat(ConsentRules.isRefusal(ownRefusal(1, "given", null, null), CLIENT, TODAY)).isFalse();
      assertThat(ConsentRules.isRefusal(ownRefusal(1, null, null, null), CLIENT, TODAY)).isFalse();
      assertThat(ConsentRules.isRefusal(ownRefusal(1, "refused", null, null), client(null, ORG_TYPE), TODAY))
          .isFalse();
      assertThat(ConsentRules.isRefusal(own(1, "refused", null, null, null, List.of(ORG), List.of(ORG_TYPE)), CLIENT,
          TODAY)).isFalse();
    }
  }

  @Nested
  @DisplayName("mayReadAll")
  class MayReadAll {

    @Test
    @DisplayName("true when every holder has a grant")
    void everyHolderGranted() {
      List<List<ConsentRecord>> holders = List.of(
          List.of(consent(1, scope("individual", "basic"))),
          List.of(household(2, scope("all", "all"))));

      assertThat(ConsentRules.mayReadAll(CLIENT, ResourceType.INDIVIDUAL, holders, TODAY)).isTrue();
    }

    @Test
    @DisplayName("false when any holder lacks a grant")
    void oneHolderWithoutGrant() {
      List<List<ConsentRecord>> holders = List.of(
          List.of(consent(1, scope("individual", "basic"))),
          List.of(invalid(2, false, scope("all", "all"))));

      assertThat(ConsentRules.mayReadAll(CLIENT, ResourceType.INDIVIDUAL, holders, TODAY)).isFalse();
      assertThat(ConsentRules.mayReadAll(CLIENT, ResourceType.INDIVIDUAL,
          List.of(List.of(consent(1, scope("all", "all"))), List.of()), TODAY)).isFalse();
    }

    @Test
    @DisplayName("household consents do not make Group holders readable")
    void householdNotForGroupHolders() {
      List<List<ConsentRecord>> holders = List.of(
          List.of(consent(1, scope("group", "all"))),
          List.of(household(2, scope("all", "all"))));

      assertThat(ConsentRules.mayReadAll(CLIENT, ResourceType.GROUP, holders, TODAY)).isFalse();
    }
  }
}
