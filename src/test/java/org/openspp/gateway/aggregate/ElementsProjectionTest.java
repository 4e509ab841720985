package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ElementsProjection")
class ElementsProjectionTest {

  private static JsonObject resource() {
    return new JsonObject()
        .put("type", "Individual")
        .put("identifier", new JsonArray()
            .add(new JsonObject().put("system", "urn:id").put("value", "A-1")))
        .put("active", true)
        .put("name", new JsonObject()
            .put("family", "SANTOS").put("given", "Maria").put("middle", "").put("text", "Maria SANTOS"))
        .put("birthDate", "1985-03-15")
        .put("gender", new JsonObject()
            .put("coding", new JsonArray().add(new JsonObject()
                .put("system", "urn:iso:std:iso:5218").put("code", "2").put("display", "Female")))
            .put("text", "Female"))
        .put("telecom", new JsonArray()
            .add(new JsonObject().put("system", "phone").put("value", "+63-1").put("use", "home").put("rank", 1))
            .add(new JsonObject().put("system", "email").put("value", "m@example.org").put("use", "work")
                .put("rank", 3)))
        .put("groupMembership", new JsonArray()
            .add(new JsonObject()
                .put("group", new JsonObject().put("reference", "Group/urn:hh|HH-1").put("display", "Santos"))
                .put("role", new JsonObject().put("coding", new JsonArray()
                    .add(new JsonObject().put("code", "head")))))
            .add(new JsonObject()
                .put("group", new JsonObject().put("display", "Cooperative"))))
        .put("meta", new JsonObject().put("versionId", "3").put("source", "urn:registry"));
  }

  private static JsonObject project(String elements) {
    return ElementsProjection.parse(elements).apply(resource());
  }

  private static JsonObject typeAndIdentifier() {
    JsonObject source = resource();
    return new JsonObject()
        .put("type", source.getValue("type"))
        .put("identifier", source.getValue("identifier"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @NullSource
  @ValueSource(strings = {"", "  ", ",", " , , "})
  @DisplayName("null, blank or empty-token input parses to NONE, which returns its input")
  void emptyInputIsNone(String raw) {
    ElementsProjection projection = ElementsProjection.parse(raw);
    JsonObject source = resource();

    assertThat(projection).isSameAs(ElementsProjection.NONE);
    assertThat(projection.isNone()).isTrue();
    assertThat(projection.apply(source)).isSameAs(source);
  }

  @Test
  @DisplayName("a parsed projection is not NONE")
  void parsedProjectionIsNotNone() {
    assertThat(ElementsProjection.parse("name").isNone()).isFalse();
  }

  @Test
  @DisplayName("top-level names select whole members, in source order, plus type and identifier")
  void topLevelNamesSelectWholeMembers() {
    JsonObject projected = project("meta,birthDate,active");

    assertThat(projected.fieldNames())
        .containsExactly("type", "identifier", "active", "birthDate", "meta");
    assertThat(projected.getJsonObject("meta")).isEqualTo(resource().getJsonObject("meta"));
    assertThat(projected.getString("birthDate")).isEqualTo("1985-03-15");
    assertThat(projected.getBoolean("active")).isTrue();
  }

  @Test
  @DisplayName("type and identifier are returned whole even when not asked for or asked in part")
  void typeAndIdentifierAlwaysKeptWhole() {
    JsonObject projected = project("identifier.value,type.x,active");

    assertThat(projected.getString("type")).isEqualTo("Individual");
    assertThat(projected.getJsonArray("identifier")).isEqualTo(resource().getJsonArray("identifier"));
  }

  @Test
  @DisplayName("a dotted path selects into a nested object")
  void dottedPathSelectsIntoObject() {
    JsonObject projected = project("name.family");

    assertThat(projected.getJsonObject("name")).isEqualTo(new JsonObject().put("family", "SANTOS"));
  }

  @Test
  @DisplayName("a path through an array selects from each element, keeping array order")
  void pathThroughArraySelectsFromEachElement() {
    JsonObject projected = project("telecom.value");

    assertThat(projected.getJsonArray("telecom")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("value", "+63-1"))
        .add(new JsonObject().put("value", "m@example.org")));
  }

  @Test
  @DisplayName("a path through nested arrays and objects keeps element order")
  void pathThroughNestedArraysKeepsOrder() {
    JsonObject projected = project("gender.coding.code,gender.coding.system");

    assertThat(projected.getJsonObject("gender")).isEqualTo(new JsonObject()
        .put("coding", new JsonArray().add(new JsonObject()
            .put("system", "urn:iso:std:iso:5218").put("code", "2"))));
    assertThat(projected.getJsonObject("gender").getJsonArray("coding").getJsonObject(0).fieldNames())
        .containsExactly("system", "code");
  }

  @Test
  @DisplayName("array elements that select nothing are dropped")
  void arrayElementsSelectingNothingAreDropped() {
    JsonObject projected = project("groupMembership.role");

    assertThat(projected.getJsonArray("groupMembership")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("role", new JsonObject().put("coding", new JsonArray()
            .add(new JsonObject().put("code", "head"))))));
  }

  @Test
  @DisplayName("several paths under one parent merge, in source member order")
  void pathsUnderOneParentMerge() {
    JsonObject projected = project("name.given,name.family,groupMembership.group.display,"
        + "groupMembership.group.reference");

    assertThat(projected.getJsonObject("name")).isEqualTo(new JsonObject()
        .put("family", "SANTOS").put("given", "Maria"));
    assertThat(projected.getJsonObject("name").fieldNames()).containsExactly("family", "given");
    assertThat(projected.getJsonArray("groupMembership")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("group", new JsonObject()
            .put("reference", "Group/urn:hh|HH-1").put("display", "Santos")))
        .add(new JsonObject().put("group", new JsonObject().put("display", "Cooperative"))));
  }

  @Test
  @DisplayName("a whole subtree plus a deeper path under it returns the whole subtree, in either order")
  void wholeSubtreeWinsOverDeeperPath() {
    JsonObject wholeFirst = project("name,name.family");
    JsonObject deeperFirst = project("name.family,name");

    assertThat(wholeFirst.getJsonObject("name")).isEqualTo(resource().getJsonObject("name"));
    assertThat(deeperFirst.getJsonObject("name")).isEqualTo(resource().getJsonObject("name"));
  }

  @Test
  @DisplayName("order and duplicates of paths do not matter")
  void orderAndDuplicatesDoNotMatter() {
    assertThat(project("name.given,birthDate,name.given"))
        .isEqualTo(project("birthDate,name.given"));
  }

  @Test
  @DisplayName("tokens are trimmed")
  void tokensAreTrimmed() {
    assertThat(project("  name.family ,\tbirthDate\t")).isEqualTo(project("name.family,birthDate"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"unknown", "name.nickname", "telecom.period", "groupMembership.group.id",
      "Name", "name..family", ".", "name."})
  @DisplayName("a path that selects nothing adds nothing, not even an empty object or array")
  void pathSelectingNothingAddsNothing(String elements) {
    assertThat(project(elements)).isEqualTo(typeAndIdentifier());
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"active.x", "birthDate.year", "name.family.first", "telecom.rank.value"})
  @DisplayName("a path stepping into a primitive selects nothing")
  void pathIntoPrimitiveSelectsNothing(String elements) {
    assertThat(project(elements)).isEqualTo(typeAndIdentifier());
  }

  @Test
  @DisplayName("unknown names are ignored next to known ones")
  void unknownNamesIgnoredNextToKnownOnes() {
    assertThat(project("nickname,birthDate,name.nickname")).isEqualTo(project("birthDate"));
  }

  @Test
  @DisplayName("apply never modifies its input")
  void applyDoesNotMutateInput() {
    JsonObject source = resource();
    JsonObject before = source.copy();

    ElementsProjection.parse("name,telecom.value,groupMembership.group,meta.source,unknown,active.x")
        .apply(source);

    assertThat(source).isEqualTo(before);
  }

  @Test
  @DisplayName("the result shares no mutable JSON with its input")
  void resultSharesNoJsonWithInput() {
    JsonObject source = resource();
    JsonObject before = source.copy();

    JsonObject projected = ElementsProjection.parse("name,telecom,groupMembership.group").apply(source);
    projected.getJsonObject("name").put("family", "CHANGED");
    projected.getJsonArray("telecom").getJsonObject(0).put("value", "changed");
    projected.getJsonArray("identifier").getJsonObject(0).put("value", "changed");
    projected.getJsonArray("groupMembership").getJsonObject(0).getJsonObject("group").clear();

    assertThat(source).isEqualTo(before);
  }
}
