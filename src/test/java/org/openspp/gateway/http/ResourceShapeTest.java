package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;

/** Resources returned over HTTP (spec §8) and {@code _elements} / {@code _extensions} (§6, §8). */
@ExtendWith(VertxExtension.class)
@DisplayName("Resource shapes, sparse fieldsets and extensions")
class ResourceShapeTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static JsonObject resource(String type, String id, String elements, String extensions) {
    JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray().add(id));
    if (elements != null) {
      body.put("_elements", elements);
    }
    if (extensions != null) {
      body.put("_extensions", extensions);
    }
    JsonObject r = gw.export("legal-client", body).await().bodyAsJsonObject();
    JsonObject item = r.getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("status")).as(item.encode()).isEqualTo("success");
    return item.getJsonObject("resource");
  }

  static final JsonObject INDIVIDUAL_A = new JsonObject("""
      {"type":"Individual",
       "identifier":[{"system":"urn:test:nid","value":"A-1"},{"system":"urn:test:tax","value":"T-1"}],
       "active":true,
       "name":{"family":"SANTOS","given":"Maria","middle":"Cruz","text":"Maria Cruz SANTOS"},
       "birthDate":"1985-03-15","birthDateEstimated":false,
       "gender":{"coding":[{"system":"urn:iso:std:iso:5218","code":"2","display":"Female"}],"text":"Female"},
       "telecom":[{"system":"phone","value":"+63-2-555-0101","use":"home","rank":1},
                  {"system":"phone","value":"+63-917-555-0101","use":"mobile","rank":2},
                  {"system":"email","value":"maria@example.org","use":"work","rank":3}],
       "address":[{"type":"physical","line":["1 Rizal St"],"city":"Manila","state":"NCR","country":"PH",
                   "postalCode":"1000","text":"1 Rizal St, Manila, NCR, 1000, PH"}],
       "groupMembership":[{"group":{"reference":"Group/urn:test:hh|G-1","display":"Santos household"},
                           "role":{"coding":[{"system":"urn:openspp:membership-type","code":"head","display":"Head"}]}}],
       "meta":{"versionId":"1","lastUpdated":"2026-01-02T03:04:05Z","source":"urn:openspp:registry:main"}}
      """);

  @Test
  @DisplayName("an Individual maps exactly, with live identifiers in registry order and no database id")
  void individualShape() {
    JsonObject a = resource("Individual", "urn:test:nid|A-1", null, null);
    assertThat(a).isEqualTo(INDIVIDUAL_A);
    assertThat(a.encode()).doesNotContain("\"id\"");
  }

  @Test
  @DisplayName("empty values are omitted while name parts stay strings")
  void emptyValuesOmitted() {
    JsonObject b = resource("Individual", "urn:test:nid|B-1", null, null);
    assertThat(b.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "active", "name", "groupMembership",
        "meta");
    assertThat(b.getJsonObject("name")).isEqualTo(new JsonObject()
        .put("family", "SANTOS").put("given", "").put("middle", "").put("text", "SANTOS"));
  }

  @Test
  @DisplayName("a Group lists members of memberships not ended, with references, roles, inactive and quantity")
  void groupShape() {
    JsonObject g = resource("Group", "urn:test:hh|G-1", null, null);
    assertThat(g).isEqualTo(new JsonObject("""
        {"type":"Group",
         "identifier":[{"system":"urn:test:hh","value":"G-1"},{"system":"urn:test:nid","value":"SHARED-KIND"}],
         "active":true,
         "name":"Santos household",
         "address":[{"type":"physical","line":["1 Rizal St"],"city":"Manila","country":"PH","text":"1 Rizal St, Manila, PH"}],
         "groupType":"household",
         "member":[
           {"entity":{"reference":"Individual/urn:test:nid|A-1","display":"Maria Cruz SANTOS"},"inactive":false,
            "role":{"coding":[{"system":"urn:openspp:membership-type","code":"head","display":"Head"}]}},
           {"entity":{"reference":"Individual/urn:test:nid|B-1","display":"SANTOS"},"inactive":false,
            "role":{"coding":[{"system":"urn:openspp:membership-type","code":"spouse","display":"Spouse"}]}},
           {"entity":{"reference":"Individual/urn:test:nid|C-1","display":"Lito REYES"},"inactive":true,
            "role":{"coding":[{"system":"urn:openspp:membership-type","code":"child","display":"Child"}]}}],
         "quantity":3,
         "meta":{"versionId":"1","lastUpdated":"2026-02-03T04:05:06Z","source":"urn:openspp:registry:main"}}
        """));
  }

  @Test
  @DisplayName("a Group without members has quantity 0 and no member list")
  void emptyGroup() {
    JsonObject g = resource("Group", "urn:test:hh|G-EMPTY", null, null);
    assertThat(g.getInteger("quantity")).isZero();
    assertThat(g.containsKey("member")).isFalse();
  }

  @Test
  @DisplayName("an ended membership appears neither in the group nor in the individual")
  void endedMembershipHidden() {
    JsonObject f = resource("Individual", "urn:test:nid|SHARED-KIND", null, null);
    assertThat(f.containsKey("groupMembership")).isFalse();
  }

  @Test
  @DisplayName("_elements at top level keeps type and identifier whole")
  void elementsTopLevel() {
    JsonObject a = resource("Individual", "urn:test:nid|A-1", "birthDate, gender", null);
    assertThat(a.fieldNames()).containsExactly("type", "identifier", "birthDate", "gender");
    assertThat(a.getJsonArray("identifier")).isEqualTo(INDIVIDUAL_A.getJsonArray("identifier"));
  }

  @Test
  @DisplayName("_elements into a nested object, and merged paths under one parent")
  void elementsNestedObjectMerged() {
    JsonObject a = resource("Individual", "urn:test:nid|A-1", "name.family,name.given", null);
    assertThat(a.getJsonObject("name")).isEqualTo(new JsonObject().put("family", "SANTOS").put("given", "Maria"));
    assertThat(a.fieldNames()).containsExactly("type", "identifier", "name");
  }

  @Test
  @DisplayName("_elements through an array selects from each element in order")
  void elementsThroughArray() {
    JsonObject a = resource("Individual", "urn:test:nid|A-1", "telecom.value", null);
    assertThat(a.getJsonArray("telecom")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("value", "+63-2-555-0101"))
        .add(new JsonObject().put("value", "+63-917-555-0101"))
        .add(new JsonObject().put("value", "maria@example.org")));
    JsonObject g = resource("Group", "urn:test:hh|G-1", "member.entity.reference", null);
    assertThat(g.getJsonArray("member").getJsonObject(2))
        .isEqualTo(new JsonObject("{\"entity\":{\"reference\":\"Individual/urn:test:nid|C-1\"}}"));
  }

  @Test
  @DisplayName("_elements paths that select nothing add nothing")
  void elementsSelectingNothing() {
    JsonObject a = resource("Individual", "urn:test:nid|A-1", "nothing,name.nothing,active.x,telecom.nothing", null);
    assertThat(a.fieldNames()).containsExactly("type", "identifier");
  }

  @Test
  @DisplayName("extensions only when asked: '*' gives all, a list gives those, unknown keys are ignored")
  void extensions() {
    assertThat(resource("Individual", "urn:test:nid|A-1", null, null).containsKey("extension")).isFalse();
    JsonObject all = resource("Individual", "urn:test:nid|A-1", null, "*").getJsonObject("extension");
    assertThat(all.fieldNames()).containsExactlyInAnyOrder("farmer", "disability");
    assertThat(all.getJsonObject("farmer")).isEqualTo(new JsonObject()
        .put("url", "urn:openspp:ext:farmer").put("farmSize", 2.5));
    JsonObject some = resource("Individual", "urn:test:nid|A-1", null, " farmer , unknown ").getJsonObject("extension");
    assertThat(some.fieldNames()).containsExactly("farmer");
    assertThat(resource("Individual", "urn:test:nid|A-1", null, "unknown").containsKey("extension")).isFalse();
  }
}
