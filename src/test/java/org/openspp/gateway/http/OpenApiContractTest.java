package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIContractException;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.validation.ResponseParameter;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import io.vertx.openapi.validation.ValidatorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The OpenAPI 3.1 document {@code openapi/openapi.json} against the real gateway: the document is a valid
 * OpenAPI 3.1 contract, and real responses of every kind validate against it with vertx-openapi's
 * {@link ResponseValidator} (status, headers, body), while tampered ones do not.
 *
 * <p>vertx-openapi 5.0.7 cannot build a contract from the document as it stands, for three reasons that are
 * limitations of the library, not errors of the document: it rejects a relative server URL ({@code /}, which
 * OpenAPI allows), and it only accepts a fixed list of media types, which excludes the request body's media
 * range {@code application/*+json} and the responses' {@code application/problem+json}. The test therefore
 * checks the unmodified document against the OpenAPI 3.1 meta-schema with vertx-openapi, and validates
 * responses with a <em>validator view</em> of it that differs only in those three places (see
 * {@link #validatorView}): the server URL is made absolute, media ranges are dropped from the request body
 * (the test validates responses), and {@code application/problem+json} is keyed as {@code application/json},
 * after the test has checked that the real response's {@code Content-Type} is the one the document declares.
 * Response headers are handed to the validator by {@link Captured}, which looks them up case-insensitively and
 * passes values containing {@code "} as JSON string literals (two more 5.0.7 quirks, explained there).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("OpenAPI contract")
class OpenApiContractTest {

  static final String DOCUMENT = "openapi/openapi.json";
  static final String OPENAPI_PATH = "/api/v2/spp/openapi.json";
  static final String EXPORT = GatewayHarness.ExportPaths.EXPORT;
  static final String BULK_EXPORT = "bulkExport";
  static final String PROBLEM_JSON = "application/problem+json";
  static final String JSON = "application/json";

  static final String LIMITED_CLIENT = "{\"kind\":\"ApiClient\",\"clientId\":\"limited-client\","
      + "\"secret\":\"limited-client-secret\",\"active\":true,\"legalBasis\":\"public_task\",\"organization\":\"org-l\","
      + "\"organizationType\":\"government\",\"scopes\":[\"individual:read\",\"group:read\"],\"rateLimitPerMinute\":1}";
  /** consent-client (org-ngo) may see A-1's family name, city and farmer extension, and G-1's basic fields. */
  static final String CONSENT_A1 = "{\"kind\":\"Consent\",\"subject\":\"Individual/urn:test:nid|A-1\","
      + "\"recipients\":{\"mode\":\"specific\",\"organizations\":[\"org-ngo\"]},\"status\":\"given\","
      + "\"scopes\":[{\"resourceType\":\"individual\",\"fieldAccess\":\"custom\",\"customFields\":[\"name.family\","
      + "\"address.city\"],\"purpose\":\"service_delivery\",\"includeExtensions\":true,\"allowedExtensions\":[\"farmer\"]}]}";
  static final String CONSENT_G1 = "{\"kind\":\"Consent\",\"subject\":\"Group/urn:test:hh|G-1\","
      + "\"recipients\":{\"mode\":\"category\",\"organizationTypes\":[\"ngo\"]},\"status\":\"given\","
      + "\"scopes\":[{\"resourceType\":\"group\",\"fieldAccess\":\"basic\",\"customFields\":[],\"purpose\":\"targeting\","
      + "\"includeExtensions\":false,\"allowedExtensions\":[]}]}";

  static GatewayHarness gw;
  /** The document exactly as on the classpath. */
  static JsonObject document;
  /** The contract built from {@link #validatorView}. */
  static OpenAPIContract contract;
  static ResponseValidator validator;

  @BeforeAll
  static void start(Vertx vertx) {
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    lines.add(LIMITED_CLIENT);
    lines.add(CONSENT_A1);
    lines.add(CONSENT_G1);
    gw = GatewayHarness.startWithLines(vertx, lines, UnaryOperator.identity());
    document = new JsonObject(resource(DOCUMENT));
    contract = OpenAPIContract.from(vertx, validatorView(document)).await();
    validator = ResponseValidator.create(vertx, contract);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  // ------------------------------------------------------------------------------------------ the document

  @Test
  @DisplayName("the document is a valid OpenAPI 3.1 contract for vertx-openapi")
  void documentIsValidOpenApi31() {
    assertThat(document.getString("openapi")).isEqualTo("3.1.0");
    assertThat(OpenAPIVersion.fromContract(document)).isEqualTo(OpenAPIVersion.V3_1);
    SchemaRepository repository = OpenAPIVersion.V3_1.getRepository(gw.vertx, "app://").await();
    OutputUnit meta = OpenAPIVersion.V3_1.validateContract(gw.vertx, repository, document).await();
    assertThat(meta.getValid()).as("OpenAPI 3.1 meta-schema: %s", meta).isTrue();

    // The unmodified document through OpenAPIContract.from(vertx, path): accepted, or refused only for one of
    // vertx-openapi 5.0.7's known limitations (then the validator view, which differs only there, must load).
    try {
      OpenAPIContract raw = OpenAPIContract.from(gw.vertx, DOCUMENT).await();
      assertThat(raw.operation(BULK_EXPORT)).isNotNull();
    } catch (OpenAPIContractException e) {
      assertThat(e.getMessage()).as("only a known vertx-openapi 5.0.7 limitation may refuse the document")
          .containsAnyOf("The specified URL is malformed: /", "unsupported media type");
    }
    assertThat(contract.getVersion()).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(contract.operation(BULK_EXPORT).getOpenAPIPath()).isEqualTo(EXPORT);
    assertThat(contract.operation("getOpenApi").getOpenAPIPath()).isEqualTo(OPENAPI_PATH);
    assertThat(contract.operation(BULK_EXPORT).getSecurityRequirements()).isNotEmpty();
    assertThat(contract.operation("getOpenApi").getSecurityRequirements()).isEmpty();
    assertThat(contract.securityScheme("bearerAuth").getType()).isEqualTo("http");
  }

  @Test
  @DisplayName("the document declares every status of the spec, all errors as problem+json, and the limits")
  void documentCoverage() {
    JsonObject post = operation(BULK_EXPORT);
    JsonObject responses = post.getJsonObject("responses");
    assertThat(responses.fieldNames()).containsExactlyInAnyOrder("200", "400", "401", "403", "404", "405", "408", "413",
        "414", "415", "422", "429", "431", "500", "503", "504");
    for (String status : responses.fieldNames()) {
      JsonObject response = response(BULK_EXPORT, status);
      assertThat(response.getJsonObject("headers").fieldNames()).as(status).contains("X-API-Version", "X-Request-Id");
      assertThat(response.getJsonObject("content").fieldNames()).as(status)
          .containsExactly(status.equals("200") ? JSON : PROBLEM_JSON);
    }
    assertThat(response(BULK_EXPORT, "401").getJsonObject("headers").fieldNames()).contains("WWW-Authenticate");
    assertThat(response(BULK_EXPORT, "403").getJsonObject("headers").fieldNames()).contains("WWW-Authenticate");
    assertThat(response(BULK_EXPORT, "405").getJsonObject("headers").fieldNames()).contains("Allow");
    assertThat(response(BULK_EXPORT, "429").getJsonObject("headers").fieldNames()).contains("Retry-After",
        "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining",
        "X-RateLimit-Reset");
    assertThat(response(BULK_EXPORT, "503").getJsonObject("headers").fieldNames()).contains("Retry-After");
    assertThat(response(BULK_EXPORT, "200").getJsonObject("headers").fieldNames()).contains("RateLimit-Limit",
        "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");
    assertThat(post.getJsonObject("requestBody").getJsonObject("content").fieldNames())
        .containsExactlyInAnyOrder(JSON, "application/*+json");
    JsonObject request = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("ExportRequest");
    assertThat(request.getJsonObject("properties").getJsonObject("identifiers").getInteger("maxItems"))
        .isEqualTo(gw.config.export().maxIdentifiers());
    assertThat(document.getJsonObject("info").getString("description"))
        .contains("64 KiB", "100", "512", "16");
    assertThat(document.getJsonArray("servers").getJsonObject(0).getString("url")).isEqualTo("/");
  }

  @Test
  @DisplayName("every example in the document validates against the schema it illustrates")
  void examplesValidate() {
    int checked = 0;
    for (String status : operation(BULK_EXPORT).getJsonObject("responses").fieldNames()) {
      JsonObject content = response(BULK_EXPORT, status).getJsonObject("content");
      for (String media : content.fieldNames()) {
        JsonObject examples = content.getJsonObject(media).getJsonObject("examples");
        assertThat(examples).as("examples of %s %s", status, media).isNotNull().isNotEmpty();
        MediaType type = contract.operation(BULK_EXPORT).getResponse(Integer.parseInt(status)).getContent()
            .get(viewMediaType(media));
        for (String name : examples.fieldNames()) {
          Object value = examples.getJsonObject(name).getValue("value");
          OutputUnit out = contract.getSchemaRepository().validator(type.getSchema()).validate(value);
          assertThat(out.getValid()).as("example %s of %s: %s", name, status, out).isTrue();
          checked++;
        }
      }
    }
    JsonObject requestExamples = operation(BULK_EXPORT).getJsonObject("requestBody").getJsonObject("content").getJsonObject(JSON).getJsonObject("examples");
    for (String name : requestExamples.fieldNames()) {
      OutputUnit out = requestSchemaCheck(requestExamples.getJsonObject(name).getValue("value"));
      assertThat(out.getValid()).as("request example %s: %s", name, out).isTrue();
      checked++;
    }
    assertThat(checked).isGreaterThan(20);
  }

  @Test
  @DisplayName("request bodies the gateway accepts match the request schema, and those it answers 422 do not")
  void requestSchemaAgreesWithTheGateway() {
    List<String> accepted = List.of(
        "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"]}",
        "{\"type\":\"Group\",\"identifiers\":[\"a|b\",\"no-pipe\"],\"_elements\":null,\"extensions\":\"*\",\"x\":{}}",
        "{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"elements\":\"name\",\"_extensions\":null}");
    List<String> rejected = List.of(
        "{\"identifiers\":[\"a|b\"]}",
        "{\"type\":\"individual\",\"identifiers\":[\"a|b\"]}",
        "{\"type\":42,\"identifiers\":[\"a|b\"]}",
        "{\"type\":\"Individual\"}",
        "{\"type\":\"Individual\",\"identifiers\":[]}",
        "{\"type\":\"Individual\",\"identifiers\":\"a|b\"}",
        "{\"type\":\"Individual\",\"identifiers\":[\"a|b\",7]}",
        "{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"_elements\":5}",
        "{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"_extensions\":[\"x\"]}",
        "[\"a|b\"]",
        new JsonObject().put("type", "Individual").put("identifiers", identifiers(101)).encode());
    for (String body : accepted) {
      assertThat(send(body).statusCode()).as(body).isEqualTo(200);
      assertThat(requestSchemaCheck(Json.decodeValue(body)).getValid()).as(body).isTrue();
    }
    for (String body : rejected) {
      HttpResponse<Buffer> r = send(body);
      assertThat(r.statusCode()).as(body).isEqualTo(422);
      assertValid(r);
      assertThat(requestSchemaCheck(Json.decodeValue(body)).getValid()).as(body).isFalse();
    }
  }

  @Test
  @DisplayName("GET /api/v2/spp/openapi.json serves this document without authentication")
  void documentIsServed() {
    HttpResponse<Buffer> r = gw.client.get(OPENAPI_PATH).send().await();
    Assumptions.assumeFalse(r.statusCode() == 404,
        "GET " + OPENAPI_PATH + " answers 404: the route serving openapi/openapi.json is not in HttpVerticle yet");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(mediaType(r)).isEqualTo(JSON);
    assertThat(r.bodyAsJsonObject()).isEqualTo(document);
    assertValid(r, "getOpenApi");
  }

  @Test
  @DisplayName("HEAD /api/v2/spp/openapi.json answers the GET's headers, Content-Length included, without a body")
  void documentHeadIsAllowed() {
    HttpResponse<Buffer> get = gw.client.get(OPENAPI_PATH).send().await();
    HttpResponse<Buffer> head = gw.client.head(OPENAPI_PATH).send().await();
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(mediaType(head)).isEqualTo(JSON);
    assertThat(head.getHeader("Content-Length")).isEqualTo(String.valueOf(get.body().length()));
    assertThat(head.body() == null || head.body().length() == 0).as("no body").isTrue();
    assertThat(head.getHeader("X-Request-Id")).isNotBlank();
    assertThat(contract.operation("headOpenApi").getOpenAPIPath()).isEqualTo(OPENAPI_PATH);
  }

  @Test
  @DisplayName("every operation documents the answers given before routing: 400, 414 and 431 problem+json")
  void preRoutingAnswersDocumented() {
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject ops = paths.getJsonObject(path);
      for (String method : ops.fieldNames()) {
        JsonObject responses = ops.getJsonObject(method).getJsonObject("responses");
        assertThat(responses.fieldNames()).as(method + " " + path).contains("400", "414", "431");
      }
    }
    JsonObject problemTypes = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Problem")
        .getJsonObject("properties").getJsonObject("type");
    assertThat(problemTypes.getJsonArray("enum").getList())
        .contains("urn:openspp:error:uri-too-long", "urn:openspp:error:header-fields-too-large");
  }

  // ------------------------------------------------------------------------------------------ 200 responses

  @Test
  @DisplayName("a 200 with Individual and Group resources validates")
  void successWithResources() {
    HttpResponse<Buffer> individual = export("legal-client", body("Individual", "urn:test:nid|A-1", "urn:test:nid|B-1",
        "urn:test:nid|C-1", "urn:test:nid|P|Q|R", "urn:test:nid|Ñoño-名前-✓").put("_extensions", "*"));
    assertStatuses(individual, "success");
    JsonObject a1 = item(individual, 0).getJsonObject("resource");
    assertThat(a1.fieldNames()).contains("telecom", "gender", "groupMembership", "extension", "meta");
    assertValid(individual);

    HttpResponse<Buffer> group = export("legal-client", body("Group", "urn:test:hh|G-1", "urn:test:hh|G-EMPTY"));
    assertStatuses(group, "success");
    assertThat(item(group, 0).getJsonObject("resource").fieldNames()).contains("member", "quantity", "groupType");
    assertValid(group);
  }

  @Test
  @DisplayName("a 200 with _elements projections validates")
  void successWithElements() {
    HttpResponse<Buffer> individual = export("legal-client", body("Individual", "urn:test:nid|A-1")
        .put("_elements", "name.family, telecom.value, groupMembership.group.display, address.city, meta.versionId"));
    assertThat(item(individual, 0).getJsonObject("resource").fieldNames())
        .containsExactlyInAnyOrder("type", "identifier", "name", "telecom", "groupMembership", "address", "meta");
    assertValid(individual);

    HttpResponse<Buffer> group = export("legal-client", body("Group", "urn:test:hh|G-1")
        .put("elements", "member.entity.reference,nothing"));
    assertThat(item(group, 0).getJsonObject("resource").fieldNames())
        .containsExactlyInAnyOrder("type", "identifier", "member");
    assertValid(group);
  }

  @Test
  @DisplayName("a 200 with mixed statuses validates, for a legal-basis and a consent-filtered client")
  void mixedStatuses() {
    HttpResponse<Buffer> legal = export("legal-client", body("Individual", "urn:test:nid|A-1", "urn:test:nid|NOPE",
        "no-pipe", "urn:test:nid|DUP-1", "urn:test:nid|" + "x".repeat(600), "|empty-system",
        "urn:test:nid|A-1"));
    assertStatuses(legal, "success", "not_found", "error", "error", "error", "error", "success");
    assertValid(legal);

    HttpResponse<Buffer> consent = export("consent-client", body("Individual", "urn:test:nid|A-1", "urn:test:nid|B-1",
        "urn:test:nid|NOPE", "no-pipe").put("_extensions", "*"));
    assertStatuses(consent, "success", "access_denied", "access_denied", "error");
    assertThat(item(consent, 0).getJsonObject("resource").fieldNames())
        .containsExactlyInAnyOrder("type", "identifier", "name", "address", "extension");
    assertValid(consent);

    HttpResponse<Buffer> consentGroup = export("consent-client", body("Group", "urn:test:hh|G-1", "urn:test:hh|G-EMPTY"));
    assertStatuses(consentGroup, "success", "access_denied");
    assertValid(consentGroup);
  }

  @Test
  @DisplayName("a rate-limited client's 200 (with RateLimit headers) and its 429 validate")
  void rateLimited() {
    HttpResponse<Buffer> first = export("limited-client", body("Individual", "urn:test:nid|A-1"));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("RateLimit-Limit")).isEqualTo("1");
    assertValid(first);
    HttpResponse<Buffer> second = export("limited-client", body("Individual", "urn:test:nid|A-1"));
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(429);
    assertValid(second);
  }

  // ------------------------------------------------------------------------------------------ problems

  @Test
  @DisplayName("400 for invalid JSON validates")
  void badJson() {
    assertProblemValid(send("{\"type\":\"Individual\",\"identifiers\":[\"a|b\""), 400);
    assertProblemValid(send("{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"x\":" + "[".repeat(16)
        + "]".repeat(16) + "}"), 400);
  }

  @Test
  @DisplayName("401 for a missing or invalid token validates")
  void unauthorized() {
    HttpResponse<Buffer> missing = gw.client.post(EXPORT).putHeader("Content-Type", JSON)
        .sendBuffer(body("Individual", "a|b").toBuffer()).await();
    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    assertProblemValid(missing, 401);
    HttpResponse<Buffer> invalid = gw.client.post(EXPORT).putHeader("Content-Type", JSON)
        .putHeader("Authorization", "Bearer not-a-jwt").sendBuffer(body("Individual", "a|b").toBuffer()).await();
    assertProblemValid(invalid, 401);
  }

  @Test
  @DisplayName("403 for a client without group:read exporting a Group validates")
  void forbidden() {
    HttpResponse<Buffer> r = export("individual-only", body("Group", "urn:test:hh|G-1"));
    assertThat(r.bodyAsJsonObject().getString("detail"))
        .isEqualTo("Missing required scope 'group:read'. Request access from your administrator.");
    assertProblemValid(r, 403);
  }

  @Test
  @DisplayName("413 for a body over 64 KiB validates")
  void payloadTooLarge() {
    String big = "{\"type\":\"Individual\",\"identifiers\":[\"" + "x".repeat(70_000) + "\"]}";
    assertProblemValid(send(big), 413);
  }

  @Test
  @DisplayName("415 for a non-JSON content type validates")
  void unsupportedMediaType() {
    HttpResponse<Buffer> r = gw.client.post(EXPORT).putHeader("Authorization", "Bearer " + gw.token("legal-client"))
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("{}")).await();
    assertProblemValid(r, 415);
  }

  @Test
  @DisplayName("422 for a schema violation validates")
  void unprocessable() {
    assertProblemValid(send("{\"type\":\"individual\",\"identifiers\":[\"a|b\"]}"), 422);
  }

  @Test
  @DisplayName("404 for an unknown path and 405 for another method validate against the shared declarations")
  void routing() {
    assertProblemValid(gw.client.get("/api/v2/spp/nothing-here").send().await(), 404);
    HttpResponse<Buffer> wrongMethod = gw.client.get(EXPORT).send().await();
    assertThat(wrongMethod.getHeader("Allow")).isEqualTo("POST");
    assertProblemValid(wrongMethod, 405);
  }

  // ------------------------------------------------------------------------------------------ negative

  @Test
  @DisplayName("the validator rejects tampered responses: unknown status, stray members, wrong strings, missing headers")
  void tamperedResponsesRejected() {
    HttpResponse<Buffer> ok = export("legal-client", body("Individual", "urn:test:nid|A-1", "urn:test:nid|NOPE"));
    Captured real = Captured.of(ok);
    validate(real, BULK_EXPORT);

    assertRejected(real.withBody(b -> item(b, 0).put("status", "unknown")), "an unknown status");
    assertRejected(real.withBody(b -> item(b, 1).put("status", "pending")), "an unknown failure status");
    assertRejected(real.withBody(b -> item(b, 0).getJsonObject("resource").put("id", 42)), "a database id");
    assertRejected(real.withBody(b -> item(b, 0).put("error", "Access denied")), "an error on a success");
    assertRejected(real.withBody(b -> item(b, 0).put("_consent", new JsonObject())), "a _consent member");
    assertRejected(real.withBody(b -> item(b, 0).remove("resource")), "a success without resource");
    assertRejected(real.withBody(b -> item(b, 1).put("error", "Access denied")), "not_found with another string");
    assertRejected(real.withBody(b -> item(b, 0).getJsonObject("resource").put("type", "Group")),
        "an Individual typed Group");
    assertRejected(real.withBody(b -> item(b, 0).getJsonObject("resource").remove("identifier")),
        "a resource without identifier");
    assertRejected(real.withBody(b -> b.remove("failed")), "an envelope without failed");
    assertRejected(real.withHeader("X-API-Version", null), "no X-API-Version");
    assertRejected(real.withHeader("X-API-Version", "1.0.0"), "another X-API-Version");
    assertRejected(real.withStatus(418), "an undeclared status");

    Captured problem = Captured.of(send("{\"type\":\"individual\",\"identifiers\":[\"a|b\"]}"));
    validate(problem, BULK_EXPORT);
    assertRejected(problem.withBody(b -> b.remove("requestId")), "a problem without requestId");
    assertRejected(problem.withBody(b -> b.put("type", "about:blank")), "a problem of another type");
    assertRejected(problem.withBody(b -> b.put("stack", "at org.openspp...")), "a problem with a stack trace");
    assertRejected(problem.withBody(b -> b.remove("errors")), "a 422 without errors");

    Captured unauthorized = Captured.of(gw.client.post(EXPORT).putHeader("Content-Type", JSON)
        .sendBuffer(body("Individual", "a|b").toBuffer()).await());
    validate(unauthorized, BULK_EXPORT);
    assertRejected(unauthorized.withHeader("WWW-Authenticate", null), "a 401 without WWW-Authenticate");
  }

  // ------------------------------------------------------------------------------------------ helpers

  /**
   * The document as vertx-openapi 5.0.7 can load it. Differs from {@code document} only where the library
   * is more restrictive than OpenAPI 3.1: relative server URLs are resolved against {@code http://localhost},
   * media ranges ({@code application/*+json}) and form bodies (the token endpoint) are dropped from request
   * bodies, and {@code application/problem+json}
   * is keyed {@code application/json}. Schemas, headers and statuses are untouched.
   */
  static JsonObject validatorView(JsonObject doc) {
    JsonObject view = doc.copy();
    for (Object s : view.getJsonArray("servers", new JsonArray())) {
      JsonObject server = (JsonObject) s;
      if (server.getString("url").startsWith("/")) {
        server.put("url", "http://localhost" + server.getString("url"));
      }
    }
    rekeyContent(view);
    return view;
  }

  private static void rekeyContent(Object node) {
    if (node instanceof JsonObject object) {
      JsonObject content = object.getValue("content") instanceof JsonObject c ? c : null;
      if (content != null) {
        for (String key : new ArrayList<>(content.fieldNames())) {
          if (key.contains("*") || key.equals("application/x-www-form-urlencoded")) {
            content.remove(key);
          } else if (key.equals(PROBLEM_JSON)) {
            content.put(viewMediaType(key), content.remove(key));
          }
        }
      }
      object.forEach(e -> rekeyContent(e.getValue()));
    } else if (node instanceof JsonArray array) {
      array.forEach(OpenApiContractTest::rekeyContent);
    }
  }

  /** The key a media type of the document has in the validator view. */
  static String viewMediaType(String media) {
    return PROBLEM_JSON.equals(media) ? JSON : media;
  }

  /**
   * A real response as vertx-openapi sees it. Header lookup is case-insensitive (as in HTTP; the library's
   * own {@code ValidatableResponse.create} lower-cases names while it looks them up as the contract spells them).
   */
  static final class Captured implements ValidatableResponse {
    final int status;
    final Map<String, String> headers;
    final Buffer body;
    final String mediaType;

    Captured(int status, Map<String, String> headers, Buffer body, String mediaType) {
      this.status = status;
      this.headers = headers;
      this.body = body;
      this.mediaType = mediaType;
    }

    static Captured of(HttpResponse<Buffer> r) {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      r.headers().forEach(e -> headers.merge(e.getKey(), e.getValue(), (a, b) -> a + ", " + b));
      return new Captured(r.statusCode(), headers, r.body() == null ? Buffer.buffer() : r.body(), mediaType(r));
    }

    Captured withBody(Consumer<JsonObject> change) {
      JsonObject json = body.toJsonObject();
      change.accept(json);
      return new Captured(status, headers, json.toBuffer(), mediaType);
    }

    Captured withHeader(String name, String value) {
      Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      h.putAll(headers);
      if (value == null) {
        h.remove(name);
      } else {
        h.put(name, value);
      }
      return new Captured(status, h, body, mediaType);
    }

    Captured withStatus(int newStatus) {
      return new Captured(newStatus, headers, body, mediaType);
    }

    @Override
    public Map<String, ResponseParameter> getHeaders() {
      Map<String, ResponseParameter> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.forEach((k, v) -> {
        // vertx-openapi 5.0.7 decodes a header value that is not a single word as JSON, and retries it wrapped
        // in quotes, so a value holding '"' (WWW-Authenticate: Bearer error="...") "can't be decoded". Such a
        // value is handed over as the JSON string literal it stands for; every other value as sent.
        String value = v.indexOf('"') >= 0 ? Json.encode(v) : v;
        out.put(k, () -> value);
      });
      return out;
    }

    @Override
    public ResponseParameter getBody() {
      return () -> body;
    }

    @Override
    public String getContentType() {
      return mediaType == null ? null : viewMediaType(mediaType);
    }

    @Override
    public int getStatusCode() {
      return status;
    }
  }

  /** The media type of a response's Content-Type, without parameters, lower-cased. */
  static String mediaType(HttpResponse<Buffer> r) {
    String ct = r.getHeader("Content-Type");
    return ct == null ? null : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  static void assertValid(HttpResponse<Buffer> r) {
    assertValid(r, BULK_EXPORT);
  }

  /**
   * Asserts that the document declares the response's status with its media type, then validates status,
   * headers and body with the {@link ResponseValidator}.
   */
  static void assertValid(HttpResponse<Buffer> r, String operationId) {
    JsonObject declared = response(operationId, Integer.toString(r.statusCode()));
    assertThat(declared.getJsonObject("content").fieldNames()).as("declared media types of %d", r.statusCode())
        .contains(mediaType(r));
    validate(Captured.of(r), operationId);
  }

  static void assertProblemValid(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo(PROBLEM_JSON);
    assertValid(r);
  }

  static void validate(ValidatableResponse response, String operationId) {
    try {
      validator.validate(response, operationId).await();
    } catch (ValidatorException e) {
      fail("%s %d does not match the contract: %s%s", operationId, response.getStatusCode(), e.getMessage(),
          e instanceof SchemaValidationException s ? "\n" + describe(s.getOutputUnit()) : "");
    }
  }

  static void assertRejected(ValidatableResponse response, String what) {
    assertThatThrownBy(() -> validator.validate(response, BULK_EXPORT).await())
        .as("the validator accepts %s", what)
        .isInstanceOf(ValidatorException.class);
  }

  static String describe(OutputUnit unit) {
    if (unit == null) {
      return "";
    }
    List<OutputUnit> errors = unit.getErrors() == null || unit.getErrors().isEmpty() ? List.of(unit) : unit.getErrors();
    return errors.stream()
        .map(e -> e.getInstanceLocation() + " " + e.getKeywordLocation() + ": " + e.getError())
        .collect(Collectors.joining("\n"));
  }

  static OutputUnit requestSchemaCheck(Object body) {
    MediaType json = contract.operation(BULK_EXPORT).getRequestBody().getContent().get(JSON);
    return contract.getSchemaRepository().validator(json.getSchema()).validate(body);
  }

  /** A response of an operation in the unmodified document, following a {@code $ref}. */
  static JsonObject response(String operationId, String status) {
    JsonObject response = operation(operationId).getJsonObject("responses").getJsonObject(status);
    assertThat(response).as("%s declares status %s", operationId, status).isNotNull();
    while (response.containsKey("$ref")) {
      String ref = response.getString("$ref");
      assertThat(ref).startsWith("#/");
      JsonObject target = document;
      for (String part : ref.substring(2).split("/")) {
        target = target.getJsonObject(part.replace("~1", "/").replace("~0", "~"));
      }
      response = target;
    }
    return response;
  }

  /** An operation of the unmodified document, by id. */
  static JsonObject operation(String operationId) {
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (Map.Entry<String, Object> op : paths.getJsonObject(path)) {
        if (op.getValue() instanceof JsonObject o && operationId.equals(o.getString("operationId"))) {
          return o;
        }
      }
    }
    throw new AssertionError("no operation " + operationId);
  }

  static JsonObject body(String type, String... ids) {
    return new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
  }

  static JsonArray identifiers(int n) {
    JsonArray ids = new JsonArray();
    for (int i = 0; i < n; i++) {
      ids.add("urn:test:nid|N-" + i);
    }
    return ids;
  }

  static HttpResponse<Buffer> export(String client, JsonObject body) {
    return gw.export(client, body).await();
  }

  static HttpResponse<Buffer> send(String body) {
    return gw.exportRequest("legal-client").sendBuffer(Buffer.buffer(body)).await();
  }

  static JsonObject item(HttpResponse<Buffer> r, int i) {
    return item(r.bodyAsJsonObject(), i);
  }

  static JsonObject item(JsonObject body, int i) {
    return body.getJsonArray("items").getJsonObject(i);
  }

  static void assertStatuses(HttpResponse<Buffer> r, String... statuses) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(mediaType(r)).isEqualTo(JSON);
    JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
    List<String> actual = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      actual.add(items.getJsonObject(i).getString("status"));
    }
    if (statuses.length == 1) {
      assertThat(new HashSet<>(actual)).as(r.bodyAsString()).isEqualTo(Set.of(statuses[0]));
    } else {
      assertThat(actual).as(r.bodyAsString()).containsExactly(statuses);
    }
  }

  static String resource(String name) {
    try (InputStream in = OpenApiContractTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as("classpath resource %s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
