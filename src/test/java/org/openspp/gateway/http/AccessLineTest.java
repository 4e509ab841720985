package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.ProductionLogging;
import org.openspp.gateway.support.TestFutures;
import org.slf4j.LoggerFactory;

/**
 * The access line (issue 15): every answer over real HTTP — whether our handlers, vert.x-web or the HTTP decoder
 * gave it, or the client went away first — is one {@code spp.access} line in Elastic Common Schema field names, as
 * the production JSON encoder ({@code src/main/resources/logback.xml}) writes it, and never holds an identifier value
 * or a secret the request carried.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The access line")
class AccessLineTest {

  static final String LEAK = "LEAK-4711";

  static GatewayHarness gw;
  static ListAppender<ILoggingEvent> captured;
  static Logger accessLogger;
  static Level levelBefore;
  static LoggerContext production;
  static Encoder<ILoggingEvent> json;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    json = productionJsonEncoder();
    accessLogger = (Logger) LoggerFactory.getLogger(AccessLog.DATASET);
    levelBefore = accessLogger.getLevel();
    captured = new ListAppender<>();
    captured.start();
    accessLogger.addAppender(captured);
    accessLogger.setLevel(Level.INFO);
    accessLogger.setAdditive(false);
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    gw.stop();
    accessLogger.detachAppender(captured);
    accessLogger.setLevel(levelBefore);
    accessLogger.setAdditive(true);
    production.stop();
  }

  /** The JSON appender's encoder of the production logback.xml, configured in a logger context of its own. */
  static Encoder<ILoggingEvent> productionJsonEncoder() throws Exception {
    production = ProductionLogging.jsonContext();
    return ProductionLogging.jsonEncoder(production);
  }

  /** Every captured access line, as the production encoder writes it. */
  static List<String> encodedLines() {
    synchronized (captured) {
      return List.copyOf(captured.list).stream()
          .map(event -> new String(json.encode(event), StandardCharsets.UTF_8).strip()).toList();
    }
  }

  static List<JsonObject> linesOf(String requestId) {
    return encodedLines().stream().map(JsonObject::new)
        .filter(line -> requestId.equals(line.getString("http.request.id"))).toList();
  }

  /** The one access line of {@code requestId}, waited for; fails if there is none within 5 s or more than one. */
  static JsonObject lineOf(Vertx vertx, String requestId) throws Exception {
    eventually(vertx, 5000, "an access line for " + requestId, () -> !linesOf(requestId).isEmpty());
    List<JsonObject> lines = linesOf(requestId);
    assertThat(lines).as("access lines of %s", requestId).hasSize(1);
    return lines.get(0);
  }

  static void eventually(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) throws Exception {
    TestFutures.eventually(vertx, timeoutMs, what, condition);
  }

  /** What every line has, whoever answered: ECS names for the envelope, none of the old names. */
  static void assertEnvelope(JsonObject line, String level) {
    assertThat(line.getString("@timestamp")).endsWith("Z");
    assertThat(line.getString("log.level")).isEqualTo(level);
    assertThat(line.getString("log.logger")).isEqualTo("spp.access");
    assertThat(line.getString("process.thread.name")).isNotBlank();
    assertThat(line.getString("message")).isNotBlank();
    assertThat(line.getString("ecs.version")).isEqualTo("8.11");
    assertThat(line.getString("event.dataset")).isEqualTo("spp.access");
    assertThat(line.fieldNames()).doesNotContain("@version", "level_value", "level", "logger_name", "thread_name",
        "endpoint", "request_id", "client_id", "status", "problem", "duration_ms", "remote_address", "user_agent",
        "type", "total", "successful", "failed", "cause");
  }

  /** The fields of an answer given through the router to a request from {@code 127.0.0.1}. */
  static void assertRouted(JsonObject line, String method, String path, int status, String outcome) {
    assertEnvelope(line, status >= 500 && status != 503 ? "WARN" : "INFO");
    assertThat(line.getString("http.request.method")).isEqualTo(method);
    assertThat(line.getString("url.path")).as("only a path this API serves").isEqualTo(path);
    assertThat(line.getInteger("http.response.status_code")).isEqualTo(status);
    assertThat(line.getString("event.outcome")).isEqualTo(outcome);
    assertThat(line.getValue("event.duration")).isInstanceOf(Number.class);
    assertThat(line.getLong("event.duration")).as("nanoseconds").isPositive();
    assertThat(line.getString("client.address")).isEqualTo("127.0.0.1");
  }

  static JsonObject exportBody(String... ids) {
    return new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(List.of((Object[]) ids)));
  }

  @Test
  @DisplayName("an answered export: method, path, route, status, request id, client, type, counts, duration, address, agent")
  void exportIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.exportRequest("legal-client").putHeader("X-Request-Id", "ecs-export")
        .putHeader("User-Agent", "ecs-probe/1.0")
        .sendBuffer(exportBody("urn:test:nid|A-1", "urn:test:nid|" + LEAK).toBuffer()).await();
    assertThat(r.statusCode()).isEqualTo(200);

    JsonObject line = lineOf(vertx, "ecs-export");
    assertRouted(line, "POST", HttpVerticle.EXPORT_PATH, 200, "success");
    assertThat(line.getString("http.route")).isEqualTo(HttpVerticle.EXPORT_PATH);
    assertThat(line.getString("user.id")).isEqualTo("legal-client");
    assertThat(line.getString("spp.resource_type")).isEqualTo("Individual");
    assertThat(line.getInteger("spp.export.total")).isEqualTo(2);
    assertThat(line.getInteger("spp.export.successful")).isEqualTo(1);
    assertThat(line.getInteger("spp.export.failed")).isEqualTo(1);
    assertThat(line.getString("user_agent.original")).isEqualTo("ecs-probe/1.0");
    assertThat(line.fieldNames()).doesNotContain("spp.problem", "error.type", "error.message");
    assertThat(line.encode()).doesNotContain(LEAK).doesNotContain("A-1").doesNotContain("Bearer");
  }

  @Test
  @DisplayName("a 401 problem: its category, no client, the route")
  void unauthorizedIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.client.post(HttpVerticle.EXPORT_PATH).putHeader("Authorization", "Bearer not.a.token")
        .putHeader("Content-Type", "application/json").putHeader("X-Request-Id", "ecs-401")
        .sendBuffer(exportBody("urn:test:nid|" + LEAK).toBuffer()).await();
    assertThat(r.statusCode()).isEqualTo(401);

    JsonObject line = lineOf(vertx, "ecs-401");
    assertRouted(line, "POST", HttpVerticle.EXPORT_PATH, 401, "failure");
    assertThat(line.getString("http.route")).isEqualTo(HttpVerticle.EXPORT_PATH);
    assertThat(line.getString("spp.problem")).isEqualTo("authentication");
    assertThat(line.fieldNames()).doesNotContain("user.id", "error.type");
    assertThat(line.encode()).doesNotContain(LEAK).doesNotContain("not.a.token");
  }

  @Test
  @DisplayName("a 400 problem for an unreadable body: its category and client, no identifier from the body")
  void malformedBodyIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.exportRequest("legal-client").putHeader("X-Request-Id", "ecs-400")
        .sendBuffer(Buffer.buffer("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|" + LEAK + "\"")).await();
    assertThat(r.statusCode()).isEqualTo(400);

    JsonObject line = lineOf(vertx, "ecs-400");
    assertRouted(line, "POST", HttpVerticle.EXPORT_PATH, 400, "failure");
    assertThat(line.getString("spp.problem")).isEqualTo("malformed-request");
    assertThat(line.getString("user.id")).isEqualTo("legal-client");
    assertThat(line.encode()).doesNotContain(LEAK);
  }

  @Test
  @DisplayName("the router's 404: no path (client-chosen text), no query, no route")
  void routerNotFoundIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.client.get("/api/v2/spp/nothing-here?access_token=" + LEAK)
        .putHeader("X-Request-Id", "ecs-404").send().await();
    assertThat(r.statusCode()).isEqualTo(404);

    JsonObject line = lineOf(vertx, "ecs-404");
    assertRouted(line, "GET", null, 404, "failure");
    assertThat(line.fieldNames()).doesNotContain("url.path");
    assertThat(line.getString("spp.problem")).isEqualTo("not-found");
    assertThat(line.fieldNames()).doesNotContain("http.route", "user.id");
    assertThat(line.encode()).doesNotContain(LEAK).doesNotContain("access_token");
  }

  @Test
  @DisplayName("the router's 405: its category, no route")
  void routerMethodNotAllowedIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.client.get(HttpVerticle.EXPORT_PATH).putHeader("X-Request-Id", "ecs-405").send()
        .await();
    assertThat(r.statusCode()).isEqualTo(405);

    JsonObject line = lineOf(vertx, "ecs-405");
    assertRouted(line, "GET", HttpVerticle.EXPORT_PATH, 405, "failure");
    assertThat(line.getString("spp.problem")).isEqualTo("method-not-allowed");
    assertThat(line.fieldNames()).doesNotContain("http.route");
  }

  @Test
  @DisplayName("the OpenAPI document, GET and HEAD: 200 with its route, logged although no handler of ours logs it")
  void openApiDocumentIsOneEcsLine(Vertx vertx) throws Exception {
    assertThat(gw.client.get(HttpVerticle.OPENAPI_PATH).putHeader("X-Request-Id", "ecs-openapi").send().await()
        .statusCode()).isEqualTo(200);
    assertThat(gw.client.head(HttpVerticle.OPENAPI_PATH).putHeader("X-Request-Id", "ecs-openapi-head").send().await()
        .statusCode()).isEqualTo(200);

    for (String id : List.of("ecs-openapi", "ecs-openapi-head")) {
      JsonObject line = lineOf(vertx, id);
      assertRouted(line, id.endsWith("head") ? "HEAD" : "GET", HttpVerticle.OPENAPI_PATH, 200, "success");
      assertThat(line.getString("http.route")).isEqualTo(HttpVerticle.OPENAPI_PATH);
      assertThat(line.fieldNames()).doesNotContain("spp.problem", "user.id");
    }
  }

  @Test
  @DisplayName("an issued token: the client it was issued to, never the secret or the token")
  void issuedTokenIsOneEcsLine(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = gw.client.post(TokenEndpoint.PATH).putHeader("X-Request-Id", "ecs-token")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("grant_type", "client_credentials")
            .add("client_id", "legal-client").add("client_secret", "legal-client-secret")).await();
    assertThat(r.statusCode()).isEqualTo(200);

    JsonObject line = lineOf(vertx, "ecs-token");
    assertRouted(line, "POST", TokenEndpoint.PATH, 200, "success");
    assertThat(line.getString("http.route")).isEqualTo(TokenEndpoint.PATH);
    assertThat(line.getString("user.id")).isEqualTo("legal-client");
    assertThat(line.encode()).doesNotContain("legal-client-secret")
        .doesNotContain(r.bodyAsJsonObject().getString("access_token"));
  }

  @Test
  @Timeout(20)
  @DisplayName("a 414 the HTTP decoder refused: the same names, no method, path or echo of the request line")
  void overlongRequestLineIsOneEcsLine(Vertx vertx) throws Exception {
    String response = EdgeHardeningTest.exchange(gw.config.http().port(),
        "GET /api/v2/spp/urn:test:nid|" + LEAK + "7".repeat(5000) + " HTTP/1.1\r\nHost: gw\r\n\r\n");
    assertThat(response).matches("(?s)HTTP/1\\.[01] 414 .*");
    String requestId = response.lines().filter(h -> h.regionMatches(true, 0, "X-Request-Id:", 0, 13)).findFirst()
        .orElseThrow().substring(13).trim();

    JsonObject line = lineOf(vertx, requestId);
    assertEnvelope(line, "INFO");
    assertThat(line.getInteger("http.response.status_code")).isEqualTo(414);
    assertThat(line.getString("spp.problem")).isEqualTo("uri-too-long");
    assertThat(line.getString("event.outcome")).isEqualTo("failure");
    assertThat(line.getString("client.address")).isEqualTo("127.0.0.1");
    assertThat(line.fieldNames()).doesNotContain("url.path", "http.request.method", "http.route");
    assertThat(line.encode()).doesNotContain(LEAK).doesNotContain("7777777777");
  }

  @Test
  @Timeout(20)
  @DisplayName("a request the router fails before any route (OPTIONS *): one line, without a request id or duration")
  void unroutedRequestIsOneEcsLine(Vertx vertx) throws Exception {
    String response = EdgeHardeningTest.exchange(gw.config.http().port(),
        "OPTIONS * HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-Request-Id: ecs-star\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 404");

    eventually(vertx, 5000, "an access line for OPTIONS *", () -> encodedLines().stream().map(JsonObject::new)
        .anyMatch(line -> "OPTIONS".equals(line.getString("http.request.method"))));
    List<JsonObject> lines = encodedLines().stream().map(JsonObject::new)
        .filter(line -> "OPTIONS".equals(line.getString("http.request.method"))).toList();
    assertThat(lines).hasSize(1);
    JsonObject line = lines.get(0);
    assertEnvelope(line, "INFO");
    assertThat(line.getString("http.request.method")).isEqualTo("OPTIONS");
    assertThat(line.getInteger("http.response.status_code")).isEqualTo(404);
    assertThat(line.getString("spp.problem")).isEqualTo("not-found");
    assertThat(line.getString("event.outcome")).isEqualTo("failure");
    assertThat(line.fieldNames()).as("never stamped: no id, no arrival; not our path").doesNotContain(
        "http.request.id", "event.duration", "http.route", "url.path");
  }

  @Test
  @Timeout(20)
  @DisplayName("a connection reset before the answer: one line, a failure without a status, the close as its error")
  void resetBeforeTheAnswerIsOneEcsLine(Vertx vertx) throws Exception {
    String partial = "{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|" + LEAK;
    try (Socket socket = new Socket("127.0.0.1", gw.config.http().port())) {
      socket.getOutputStream().write(("POST " + HttpVerticle.EXPORT_PATH + " HTTP/1.1\r\nHost: gw\r\n"
          + "Authorization: Bearer " + gw.token("legal-client") + "\r\nContent-Type: application/json\r\n"
          + "X-Request-Id: ecs-reset\r\nContent-Length: 500\r\n\r\n" + partial).getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      socket.setSoLinger(true, 0); // close with a reset
    }

    JsonObject line = lineOf(vertx, "ecs-reset");
    assertEnvelope(line, "INFO");
    assertThat(line.getString("url.path")).isEqualTo(HttpVerticle.EXPORT_PATH);
    assertThat(line.getString("event.outcome")).isEqualTo("failure");
    assertThat(line.fieldNames()).as("no answer was sent").doesNotContain("http.response.status_code");
    assertThat(line.getString("error.message")).isNotBlank();
    assertThat(line.encode()).doesNotContain(LEAK);

    // a later answer on another connection is logged; the reset request still has exactly one line
    assertThat(gw.client.get(HttpVerticle.OPENAPI_PATH).putHeader("X-Request-Id", "ecs-after-reset").send().await()
        .statusCode()).isEqualTo(200);
    lineOf(vertx, "ecs-after-reset");
    assertThat(linesOf("ecs-reset")).hasSize(1);
  }
}
