package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;

/** Routing, headers, body limits, JSON syntax and schema (spec §1–3), as an authenticated client. */
@ExtendWith(VertxExtension.class)
@DisplayName("Request validation")
class RequestValidationTest {

  static GatewayHarness gw;
  static final String SECRET_ID = "urn:test:nid|SECRET-VALUE-42";

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static HttpResponse<Buffer> send(String body) {
    return gw.exportRequest("legal-client").sendBuffer(Buffer.buffer(body)).await();
  }

  static JsonObject problem(HttpResponse<Buffer> r, int status, String category) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.getHeader("X-API-Version")).isEqualTo("2.0.0");
    assertThat(r.getHeader("X-Request-Id")).isNotBlank();
    JsonObject p = r.bodyAsJsonObject();
    assertThat(p.getString("type")).isEqualTo("urn:openspp:error:" + category);
    assertThat(p.getInteger("status")).isEqualTo(status);
    assertThat(p.getString("title")).isNotBlank();
    assertThat(p.getString("detail")).isNotBlank();
    assertThat(p.getString("instance")).isNotNull();
    assertThat(p.getString("requestId")).isEqualTo(r.getHeader("X-Request-Id"));
    assertThat(r.bodyAsString()).doesNotContain("SECRET-VALUE-42").doesNotContain("Exception").doesNotContain("at org.");
    return p;
  }

  @Test
  @DisplayName("an unknown path is 404 problem+json with the version and request id headers")
  void unknownPath() {
    HttpResponse<Buffer> r = gw.client.get("/api/v2/spp/nothing-here").send().await();
    problem(r, 404, "not-found");
  }

  @Test
  @DisplayName("another method on the export path is 405 with Allow: POST")
  void wrongMethod() {
    for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE}) {
      HttpResponse<Buffer> r = gw.client.request(m, GatewayHarness.ExportPaths.EXPORT).send().await();
      problem(r, 405, "method-not-allowed");
      assertThat(r.getHeader("Allow")).isEqualTo("POST");
    }
  }

  @Test
  @DisplayName("%24 in the path routes the same as a literal $")
  void encodedDollarRoutes() {
    HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT_ENCODED)
        .putHeader("Authorization", "Bearer " + gw.token("legal-client"))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add("urn:test:nid|A-1"))
            .toBuffer()).await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("successful")).isEqualTo(1);
  }

  @Test
  @DisplayName("a sane X-Request-Id is echoed; an unsafe or over-long one is replaced")
  void requestIdEcho() {
    HttpResponse<Buffer> sane = gw.exportRequest("legal-client").putHeader("X-Request-Id", "abc-123_x.y:z")
        .sendBuffer(Buffer.buffer("{\"type\":\"Individual\",\"identifiers\":[\"a|b\"]}")).await();
    assertThat(sane.getHeader("X-Request-Id")).isEqualTo("abc-123_x.y:z");
    assertThat(sane.getHeader("X-API-Version")).isEqualTo("2.0.0");
    HttpResponse<Buffer> unsafe = gw.exportRequest("legal-client").putHeader("X-Request-Id", "<script>")
        .sendBuffer(Buffer.buffer("{}")).await();
    assertThat(unsafe.getHeader("X-Request-Id")).isNotEqualTo("<script>").matches("[0-9a-f-]{36}");
    HttpResponse<Buffer> longId = gw.exportRequest("legal-client").putHeader("X-Request-Id", "a".repeat(129))
        .sendBuffer(Buffer.buffer("{}")).await();
    assertThat(longId.getHeader("X-Request-Id")).hasSize(36);
  }

  @Test
  @DisplayName("a content type other than application/json or application/*+json is 415")
  void unsupportedMediaType() {
    HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + gw.token("legal-client"))
        .putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("{}")).await();
    problem(r, 415, "unsupported-media-type");
    HttpResponse<Buffer> none = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + gw.token("legal-client"))
        .sendBuffer(Buffer.buffer("{}")).await();
    problem(none, 415, "unsupported-media-type");
  }

  @Test
  @DisplayName("application/fhir+json and a charset parameter are accepted")
  void jsonVariantsAccepted() {
    String body = "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"]}";
    for (String ct : new String[] {"application/fhir+json", "application/json; charset=utf-8", "APPLICATION/JSON"}) {
      HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
          .putHeader("Authorization", "Bearer " + gw.token("legal-client"))
          .putHeader("Content-Type", ct).sendBuffer(Buffer.buffer(body)).await();
      assertThat(r.statusCode()).as(ct).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a body over 64 KiB is 413, declared or not")
  void payloadTooLarge() {
    StringBuilder big = new StringBuilder("{\"type\":\"Individual\",\"identifiers\":[\"");
    big.append("x".repeat(70_000)).append("\"]}");
    problem(send(big.toString()), 413, "payload-too-large");
    String file = gw.vertx.fileSystem().createTempFile("big", ".json").await();
    gw.vertx.fileSystem().writeFile(file, Buffer.buffer(big.toString())).await();
    io.vertx.core.file.AsyncFile stream = gw.vertx.fileSystem().open(file, new io.vertx.core.file.OpenOptions()).await();
    HttpResponse<Buffer> chunked = gw.exportRequest("legal-client").sendStream(stream).await();
    problem(chunked, 413, "payload-too-large");
  }

  @Test
  @DisplayName("a body of exactly the limit is read")
  void bodyAtLimitAccepted() {
    String head = "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],\"pad\":\"";
    String tail = "\"}";
    String body = head + "p".repeat(65536 - head.length() - tail.length()) + tail;
    assertThat(body.length()).isEqualTo(65536);
    assertThat(send(body).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("invalid JSON is 400 malformed-request, without echoing the body")
  void invalidJson() {
    JsonObject p = problem(send("{\"type\":\"Individual\",\"identifiers\":[\"" + SECRET_ID + "\""), 400,
        "malformed-request");
    assertThat(p.getJsonArray("errors")).isNotEmpty();
    problem(send(""), 400, "malformed-request");
    problem(send("{} {}"), 400, "malformed-request");
    problem(send("{\"type\":\"Individual\",\"type\":\"Group\",\"identifiers\":[\"a|b\"]}"), 400, "malformed-request");
  }

  @Test
  @DisplayName("nesting deeper than 16 is 400; 16 is fine")
  void nestingDepth() {
    String ok = "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],\"x\":"
        + "[".repeat(15) + "]".repeat(15) + "}";
    assertThat(send(ok).statusCode()).isEqualTo(200);
    String deep = "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],\"x\":"
        + "[".repeat(16) + "]".repeat(16) + "}";
    JsonObject p = problem(send(deep), 400, "malformed-request");
    assertThat(p.getString("detail")).contains("16");
  }

  @Test
  @DisplayName("schema violations are 422 with field errors and never echo identifier values")
  void schemaViolations() {
    JsonObject missingType = problem(send("{\"identifiers\":[\"" + SECRET_ID + "\"]}"), 422, "validation");
    assertThat(missingType.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("type");
    problem(send("{\"type\":\"individual\",\"identifiers\":[\"" + SECRET_ID + "\"]}"), 422, "validation");
    problem(send("{\"type\":42,\"identifiers\":[\"a|b\"]}"), 422, "validation");
    problem(send("{\"type\":\"Individual\"}"), 422, "validation");
    problem(send("{\"type\":\"Individual\",\"identifiers\":[]}"), 422, "validation");
    problem(send("{\"type\":\"Individual\",\"identifiers\":\"" + SECRET_ID + "\"}"), 422, "validation");
    problem(send("[\"" + SECRET_ID + "\"]"), 422, "validation");
    JsonObject nonString = problem(send("{\"type\":\"Individual\",\"identifiers\":[\"" + SECRET_ID + "\",7,{\"a\":1}]}"),
        422, "validation");
    assertThat(nonString.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactly("identifiers[1]", "identifiers[2]");
    problem(send("{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"_elements\":5}"), 422, "validation");
    problem(send("{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"_extensions\":[\"x\"]}"), 422, "validation");
  }

  @Test
  @DisplayName("more than 100 identifiers is 422; exactly 100 is accepted")
  void identifierCountLimit() {
    JsonArray hundred = new JsonArray();
    for (int i = 0; i < 100; i++) {
      hundred.add("urn:test:nid|N-" + i);
    }
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", hundred);
    assertThat(send(body.encode()).statusCode()).isEqualTo(200);
    hundred.add("urn:test:nid|N-100");
    JsonObject p = problem(send(body.encode()), 422, "validation");
    assertThat(p.getJsonArray("errors").getJsonObject(0).getString("code")).isEqualTo("max_items");
  }

  @Test
  @DisplayName("unknown keys are ignored and null _elements/_extensions mean 'not given'")
  void unknownKeysIgnored() {
    HttpResponse<Buffer> r = send("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],"
        + "\"_elements\":null,\"_extensions\":null,\"whatever\":{\"deep\":[1,2,3]}}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("resource")
        .containsKey("telecom")).isTrue();
  }

  @Test
  @DisplayName("'elements' and 'extensions' are accepted as aliases")
  void aliases() {
    HttpResponse<Buffer> r = send("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],"
        + "\"elements\":\"birthDate\",\"extensions\":\"farmer\"}");
    JsonObject resource = r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("resource");
    assertThat(resource.fieldNames()).containsExactlyInAnyOrder("type", "identifier", "birthDate");
    HttpResponse<Buffer> ext = send("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"],"
        + "\"extensions\":\"farmer\"}");
    JsonObject extension = ext.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("resource")
        .getJsonObject("extension");
    assertThat(extension.fieldNames()).containsExactly("farmer");
  }
}
