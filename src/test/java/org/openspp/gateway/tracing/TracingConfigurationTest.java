package org.openspp.gateway.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.support.GatewayHarness;

/** When tracing is on, and that one variable sends a real export's spans over OTLP to a collector. */
@DisplayName("Tracing: configured by the OTEL_* environment")
class TracingConfigurationTest {

  static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  @DisplayName("tracing is off unless an OTEL_* setting asks for traces")
  void offUnlessAskedFor() {
    assertThat(Tracing.requested(Map.of(), props())).isFalse();
    assertThat(Tracing.requested(Map.of("OTEL_SERVICE_NAME", "x"), props())).isFalse();
    assertThat(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), props())).isTrue();
    assertThat(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"), props()))
        .isTrue();
    assertThat(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "otlp"), props())).isTrue();
    assertThat(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "none",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), props())).as("exporter none wins").isFalse();
    assertThat(Tracing.requested(Map.of("OTEL_SDK_DISABLED", "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), props())).isFalse();
    assertThat(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "none"), props("otel.traces.exporter", "otlp")))
        .as("a system property wins over the environment").isTrue();
    assertThat(Tracing.OFF.enabled()).isFalse();
  }

  @Test
  @DisplayName("one variable, the OTLP endpoint, sends an export's spans as OTLP/HTTP protobuf, without identifiers")
  void otlpEndpointAloneExportsSpans() {
    Vertx collectorVertx = Vertx.vertx();
    List<Buffer> received = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer collector = collectorVertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/v1/traces")) {
        contentTypes.add(req.getHeader("Content-Type"));
        req.body().onSuccess(received::add);
      }
      // an empty ExportTraceServiceResponse is an empty protobuf message
      req.response().putHeader("Content-Type", "application/x-protobuf").end();
    }).listen(0, "127.0.0.1").await();

    Tracing tracing = Tracing.start(Map.of(
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.actualPort(),
        "otel.bsp.schedule.delay", "20"));
    Vertx vertx = tracing.apply(Vertx.builder(), new VertxOptions()).build();
    try {
      GatewayHarness gw = GatewayHarness.startTraced(vertx, tracing);
      String token = gw.token("legal-client");
      HttpResponse<Buffer> r = gw.client.post("/api/v2/spp/$bulk/export")
          .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
          .sendBuffer(new JsonObject().put("type", "Individual")
              .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer()).await();
      assertThat(r.statusCode()).isEqualTo(200);

      long deadline = System.currentTimeMillis() + 10_000;
      while (!all(received).contains("audit commit") && System.currentTimeMillis() < deadline) {
        tracing.flush(1_000);
      }
      String sent = all(received);
      assertThat(contentTypes).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo("application/x-protobuf"));
      assertThat(sent).contains("POST /api/v2/spp/$bulk/export", "resolve Individual", "audit commit",
          "send gateway.audit", "spp-gateway");
      assertThat(sent).doesNotContain("A-1", token);
      gw.stop();
    } finally {
      vertx.close().await();
      tracing.shutdown(5_000);
      collectorVertx.close().await();
    }
  }

  /** The received protobuf bytes as ISO-8859-1 text: strings in protobuf are their raw UTF-8 bytes. */
  static String all(List<Buffer> buffers) {
    StringBuilder out = new StringBuilder();
    buffers.forEach(b -> out.append(new String(b.getBytes(), StandardCharsets.ISO_8859_1)));
    return out.toString();
  }
}
