package org.openspp.gateway.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The span tree of one export, over real HTTP against a real PostgreSQL registry, with tracing configured through
 * OpenTelemetry's autoconfiguration and the SDK's in-memory exporter ({@code otel.traces.exporter=memory}).
 */
@DisplayName("Tracing: the span tree of an export")
class ExportTraceTest {

  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String REMOTE_PARENT = "00f067aa0ba902b7";
  static final String IDENTIFIER = "urn:test:nid|A-1";

  static Tracing tracing;
  static Vertx vertx;
  static GatewayHarness gw;

  @BeforeAll
  static void start() {
    tracing = Tracing.start(Map.of("otel.traces.exporter", "memory", "otel.bsp.schedule.delay", "20",
        "otel.traces.sampler", "parentbased_always_on"));
    VertxOptions options = new VertxOptions();
    vertx = tracing.apply(Vertx.builder(), options).build();
    gw = GatewayHarness.startTraced(vertx, tracing);
  }

  @AfterAll
  static void stop() {
    gw.stop();
    vertx.close().await();
    tracing.shutdown(5_000);
  }

  static JsonObject body(String... ids) {
    return new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(List.of((Object[]) ids)));
  }

  /** Waits (polling, with a deadline) until the trace holds a span {@code done} and returns its spans. */
  static List<SpanData> trace(String traceId, Predicate<SpanData> done) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      tracing.flush(1_000);
      List<SpanData> spans = MemorySpanExporterProvider.SPANS.getFinishedSpanItems().stream()
          .filter(s -> s.getTraceId().equals(traceId)).toList();
      if (spans.stream().anyMatch(done) || System.currentTimeMillis() > deadline) {
        return spans;
      }
    }
  }

  /** The HTTP server span (event-bus consumers are server spans too, without an HTTP method). */
  static boolean isHttpServer(SpanData span) {
    return span.getKind() == SpanKind.SERVER
        && span.getAttributes().get(AttributeKey.stringKey("http.request.method")) != null;
  }

  static SpanData named(List<SpanData> spans, String name) {
    Optional<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).findFirst();
    assertThat(found).as("span %s in %s", name, spans.stream().map(SpanData::getName).toList()).isPresent();
    return found.get();
  }

  static boolean descends(List<SpanData> spans, SpanData span, SpanData ancestor) {
    Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
    SpanData at = span;
    while (at != null) {
      if (at.getParentSpanId().equals(ancestor.getSpanId())) {
        return true;
      }
      at = byId.get(at.getParentSpanId());
    }
    return false;
  }

  @Test
  @DisplayName("an export is one trace under the caller's traceparent: HTTP, bus hops, resolver SQL, audit commit")
  void exportIsOneTraceUnderTheIncomingTraceparent() {
    // a client no other test here uses: its lookup misses the client cache and is part of this trace
    HttpResponse<Buffer> r = gw.exportRequest("individual-only")
        .putHeader("traceparent", "00-" + TRACE_ID + "-" + REMOTE_PARENT + "-01")
        .sendBuffer(body(IDENTIFIER).toBuffer()).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);

    List<SpanData> spans = trace(TRACE_ID, ExportTraceTest::isHttpServer);
    SpanData server = named(spans, "POST /api/v2/spp/$bulk/export");
    assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(server.getParentSpanId()).as("the caller's span is the parent").isEqualTo(REMOTE_PARENT);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/api/v2/spp/$bulk/export");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.response.status_code"))).isEqualTo("200");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.request.id")))
        .isEqualTo(r.getHeader("X-Request-Id"));

    // every hop of the pipeline, each a descendant of the server span
    String resolve = Addresses.resolve(ResourceType.INDIVIDUAL);
    for (String name : List.of("send " + Addresses.CLIENT_LOOKUP, "client lookup", "send " + Addresses.EXPORT,
        "send " + resolve, "resolve Individual", "send " + Addresses.AUDIT, "audit commit")) {
      assertThat(descends(spans, named(spans, name), server)).as("%s under the server span", name).isTrue();
    }
    assertThat(spans.stream().filter(s -> s.getName().equals("send " + resolve)).map(SpanData::getKind))
        .as("Vert.x traces a request-reply hop as RPC: client span at the sender, server span at the consumer")
        .containsExactlyInAnyOrder(SpanKind.CLIENT, SpanKind.SERVER);

    // each statement span holds Vert.x's SQL client span (statement text, no parameters)
    for (String statement : List.of("client lookup", "resolve Individual", "audit commit")) {
      SpanData ours = named(spans, statement);
      assertThat(ours.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(ours.getAttributes().get(AttributeKey.stringKey("db.system"))).isEqualTo("postgresql");
      assertThat(spans).as("SQL span under %s", statement)
          .anySatisfy(s -> {
            assertThat(s.getParentSpanId()).isEqualTo(ours.getSpanId());
            assertThat(s.getAttributes().get(AttributeKey.stringKey("db.query.text"))).isNotBlank();
          });
    }
    // the resolve waits for the audit commit, which happens before the answer is written
    SpanData audit = named(spans, "audit commit");
    assertThat(audit.getEndEpochNanos()).isLessThanOrEqualTo(server.getEndEpochNanos());
  }

  @Test
  @DisplayName("no span carries an identifier value, a token or a query string")
  void spansNeverCarryIdentifiersOrTokens() {
    String token = gw.token("legal-client");
    HttpResponse<Buffer> r = WebClient.create(vertx).post(gw.config.http().port(), "localhost",
            "/api/v2/spp/$bulk/export?who=" + IDENTIFIER)
        .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
        .putHeader("traceparent", "00-" + "a".repeat(32) + "-" + REMOTE_PARENT + "-01")
        .sendBuffer(body(IDENTIFIER, "urn:test:nid|B-1", "urn:test:nid|NOPE-1").toBuffer()).await();
    assertThat(r.statusCode()).isIn(200, 400);

    List<SpanData> spans = trace("a".repeat(32), ExportTraceTest::isHttpServer);
    assertThat(spans).isNotEmpty();
    for (SpanData span : spans) {
      String text = span.getName() + " " + span.getAttributes() + " " + span.getEvents() + " "
          + span.getStatus().getDescription();
      assertThat(text).as(span.getName()).doesNotContain("A-1", "B-1", "NOPE-1", token);
    }
  }

  @Test
  @DisplayName("a request without traceparent starts its own trace; probes and scrapes are not traced")
  void ownTraceWithoutTraceparentAndNoManagementSpans() {
    HttpResponse<Buffer> r = gw.export("legal-client", body("urn:test:nid|NOPE")).await();
    assertThat(r.statusCode()).isEqualTo(200);
    String requestId = r.getHeader("X-Request-Id");
    WebClient.create(vertx).get(gw.config.management().port(), "127.0.0.1", "/health/live").send().await();

    long deadline = System.currentTimeMillis() + 10_000;
    SpanData server = null;
    while (server == null && System.currentTimeMillis() < deadline) {
      tracing.flush(1_000);
      server = MemorySpanExporterProvider.SPANS.getFinishedSpanItems().stream()
          .filter(s -> requestId.equals(s.getAttributes().get(AttributeKey.stringKey("http.request.id"))))
          .findFirst().orElse(null);
    }
    assertThat(server).isNotNull();
    assertThat(server.getParentSpanContext().isValid()).as("a root span").isFalse();
    Set<String> paths = MemorySpanExporterProvider.SPANS.getFinishedSpanItems().stream()
        .map(s -> s.getAttributes().get(AttributeKey.stringKey("url.path"))).filter(p -> p != null)
        .collect(Collectors.toSet());
    assertThat(paths).noneMatch(p -> p.startsWith("/health") || p.startsWith("/metrics"));
  }

  @Test
  @DisplayName("a route the router refuses is named by its method only")
  void unroutedAnswerIsNamedByMethod() {
    HttpResponse<Buffer> r = WebClient.create(vertx).get(gw.config.http().port(), "localhost", "/nowhere")
        .putHeader("traceparent", "00-" + "b".repeat(32) + "-" + REMOTE_PARENT + "-01").send().await();
    assertThat(r.statusCode()).isEqualTo(404);
    SpanData server = named(trace("b".repeat(32), ExportTraceTest::isHttpServer), "GET");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.response.status_code"))).isEqualTo("404");
  }
}
