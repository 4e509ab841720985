package org.openspp.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.ProductionLogging;
import org.openspp.gateway.tracing.Tracing;
import org.slf4j.LoggerFactory;

/**
 * Every log line of a request carries its request id and trace id, wherever it is logged: the HTTP verticle, and
 * verticles across event-bus hops (aggregator, audit writer). Lines are written by the production JSON encoder at
 * the moment they are logged, as the gateway's synchronous console appender does.
 */
@DisplayName("Log lines of a request carry its request id and trace id")
class RequestLogCorrelationTest {

  static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  static Tracing tracing;
  static Vertx vertx;
  static GatewayHarness gw;
  static LoggerContext production;
  static OutputStreamAppender<ILoggingEvent> appender;
  static final List<String> INFO_LOGGERS = List.of("spp.access", "spp.test");
  static final ByteArrayOutputStream written = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    tracing = Tracing.start(Map.of("otel.traces.exporter", "none"));
    vertx = tracing.apply(Vertx.builder(), new VertxOptions()).build();
    gw = GatewayHarness.startTraced(vertx, tracing);
    production = ProductionLogging.jsonContext();
    appender = new OutputStreamAppender<>();
    appender.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    appender.setEncoder(ProductionLogging.jsonEncoder(production));
    appender.setOutputStream(written);
    appender.setImmediateFlush(true);
    appender.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(appender);
    // the test configuration logs WARN and above outside the gateway's packages
    for (String name : INFO_LOGGERS) {
      ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.INFO);
    }
  }

  @AfterAll
  static void stop() {
    for (String name : INFO_LOGGERS) {
      ((Logger) LoggerFactory.getLogger(name)).setLevel(null);
    }
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
    appender.stop();
    production.stop();
    gw.stop();
    vertx.close().await();
    tracing.shutdown(5_000);
  }

  static List<String> lines() {
    synchronized (written) {
      return written.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** The first line containing every one of {@code texts}, waited for (polling, with a deadline). */
  static JsonObject lineContaining(String... texts) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      for (String line : lines()) {
        if (java.util.Arrays.stream(texts).allMatch(line::contains)) {
          return new JsonObject(line);
        }
      }
      assertThat(System.currentTimeMillis()).as("a line containing %s", List.of(texts)).isLessThan(deadline);
      vertx.timer(20).await();
    }
  }

  @Test
  @DisplayName("error lines of the aggregator and the audit writer, across bus hops, carry request id and trace id")
  void linesAcrossBusHopsCarryRequestAndTraceIds() {
    gw.sql("CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
        + "$$ BEGIN RAISE EXCEPTION 'audit store read-only'; END $$");
    gw.sql("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_item FOR EACH ROW EXECUTE FUNCTION refuse_audit()");
    try {
      HttpResponse<Buffer> r = gw.exportRequest("legal-client")
          .putHeader("X-Request-Id", "corr-audit-1")
          .putHeader("traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01")
          .sendBuffer(new JsonObject().put("type", "Individual")
              .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer()).await();
      assertThat(r.statusCode()).isEqualTo(503);
    } finally {
      gw.sql("DROP TRIGGER refuse_audit ON audit_item");
    }
    JsonObject writer = lineContaining("audit commit of 1 requests failed");
    JsonObject aggregator = lineContaining("corr-audit-1: audit not committed");
    for (JsonObject line : List.of(writer, aggregator)) {
      assertThat(line.getString("http.request.id")).as(line.encode()).isEqualTo("corr-audit-1");
      assertThat(line.getString("trace.id")).as(line.encode()).isEqualTo(TRACE_ID);
      assertThat(line.getString("span.id")).matches("[0-9a-f]{16}");
    }
    assertThat(writer.getString("log.logger")).endsWith("AuditVerticle");
    assertThat(aggregator.getString("log.logger")).endsWith("AggregatorVerticle");
  }

  @Test
  @DisplayName("a line the HTTP verticle logs while refusing a request carries its request id and trace id")
  void httpVerticleLinesCarryRequestAndTraceIds() {
    String trace = TRACE_ID.replace('a', 'b');
    HttpResponse<Buffer> r = gw.client.post("/api/v2/spp/$bulk/export")
        .putHeader("Authorization", "Bearer not-a-token").putHeader("Content-Type", "application/json")
        .putHeader("X-Request-Id", "corr-401-1")
        .putHeader("traceparent", "00-" + trace + "-b7ad6b7169203331-01")
        .sendBuffer(Buffer.buffer("{}")).await();
    assertThat(r.statusCode()).isEqualTo(401);
    JsonObject security = lineContaining("corr-401-1", "\"log.logger\":\"spp.security\"");
    assertThat(security.getString("log.logger")).isEqualTo("spp.security");
    assertThat(security.getString("http.request.id")).isEqualTo("corr-401-1");
    assertThat(security.getString("trace.id")).isEqualTo(trace);
  }

  @Test
  @DisplayName("the access line names its request id once, and carries the trace id")
  void accessLineHasOneRequestIdAndTheTraceId() {
    HttpResponse<Buffer> r = gw.client.get("/api/v2/spp/openapi.json").putHeader("X-Request-Id", "corr-doc-1")
        .putHeader("traceparent", "00-" + TRACE_ID.replace('0', '1') + "-b7ad6b7169203331-01").send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    String raw = lines().stream().filter(l -> l.contains("corr-doc-1") && l.contains("spp.access")).findFirst()
        .orElseGet(() -> lineContaining("corr-doc-1").encode());
    assertThat(raw.split("\"http\\.request\\.id\"", -1)).as("one http.request.id key in " + raw).hasSize(2);
    assertThat(new JsonObject(raw).getString("trace.id")).isEqualTo(TRACE_ID.replace('0', '1'));
  }

  @Test
  @DisplayName("a line logged outside any request carries neither")
  void lineOutsideRequestHasNoIds() {
    LoggerFactory.getLogger("spp.test").info("outside any request");
    JsonObject line = lineContaining("outside any request");
    assertThat(line.fieldNames()).doesNotContain("http.request.id", "trace.id", "span.id");
    assertThat(new RequestConverter().convert(null)).isEmpty();
  }
}
