package org.openspp.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.GatewayState;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The management port over real HTTP: the Prometheus exposition after a few exports (series present, bounded
 * label values, no personal data, parseable, {@code promtool check metrics} when installed) and the probes
 * during normal running and draining.
 */
@DisplayName("Metrics and health")
class MetricsAndHealthTest {

  static Vertx vertx;
  static PrometheusMeterRegistry registry;
  static GatewayHarness gw;
  static WebClient mgmt;
  static String exposition;

  @BeforeAll
  static void start() {
    registry = Metrics.newRegistry();
    vertx = Metrics.vertx(registry);
    gw = GatewayHarness.startMetered(vertx, registry);
    mgmt = WebClient.create(vertx);
    export("legal-client", "Individual", "urn:test:nid|A-1", "urn:test:nid|NOPE", "bad", "urn:test:nid|DUP-1");
    export("legal-client", "Group", "urn:test:hh|G-1");
    export("consent-client", "Individual", "urn:test:nid|A-1");
    gw.client.post(GatewayHarness.ExportPaths.EXPORT).sendBuffer(Buffer.buffer("{}")).await();
    gw.exportRequest("legal-client").sendBuffer(Buffer.buffer("{\"type\":\"x\"}")).await();
    gw.client.get("/api/v2/spp/no-such-route-" + System.nanoTime()).send().await();
    exposition = mgmt.get(gw.config.management().port(), "localhost", "/metrics").send().await().bodyAsString();
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.stop();
    }
    vertx.close().await();
  }

  static void export(String client, String type, String... ids) {
    HttpResponse<Buffer> r = gw.export(client, new JsonObject().put("type", type)
        .put("identifiers", new JsonArray(List.of((Object[]) ids)))).await();
    assertThat(r.statusCode()).isEqualTo(200);
  }

  static List<String> series(String name) {
    List<String> out = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        out.add(line);
      }
    }
    return out;
  }

  @Test
  @DisplayName("domain series exist with bounded labels: requests, items, identifiers, resolver latency, breakers, audit")
  void domainSeries() {
    assertThat(series("gateway_bulk_requests_total"))
        .anyMatch(l -> l.contains("type=\"Individual\"") && l.contains("status=\"200\""))
        .anyMatch(l -> l.contains("type=\"unknown\"") && l.contains("status=\"401\""))
        .anyMatch(l -> l.contains("status=\"422\""));
    assertThat(series("gateway_bulk_items_total"))
        .anyMatch(l -> l.contains("status=\"success\""))
        .anyMatch(l -> l.contains("status=\"not_found\""))
        .anyMatch(l -> l.contains("status=\"error\""))
        .anyMatch(l -> l.contains("status=\"access_denied\""));
    assertThat(series("gateway_bulk_identifiers_bucket")).anyMatch(l -> l.contains("le=\"5.0\""));
    assertThat(series("gateway_resolver_latency_seconds_bucket")).anyMatch(l -> l.contains("type=\"Group\""));
    assertThat(series("gateway_breaker_state"))
        .anyMatch(l -> l.contains("registry=\"individual-db\"") && l.endsWith(" 0.0"))
        .anyMatch(l -> l.contains("registry=\"clients-db\""));
    assertThat(series("gateway_audit_commit_seconds_bucket")).isNotEmpty();
    assertThat(series("gateway_audit_failures_total")).isNotEmpty();
  }

  @Test
  @DisplayName("Vert.x HTTP, event bus and pool series carry the route, never the raw path, with histogram buckets")
  void vertxSeries() {
    assertThat(series("vertx_http_server_requests_total"))
        .anyMatch(l -> l.contains("route=\"/api/v2/spp/$bulk/export\"") && l.contains("code=\"200\""))
        .noneMatch(l -> l.contains("no-such-route"));
    assertThat(series("vertx_http_server_response_time_seconds_bucket")).isNotEmpty();
    assertThat(exposition).contains("vertx_eventbus_");
    assertThat(series("vertx_pool_in_use")).anyMatch(l -> l.contains("pool_name=\"individual-db\""));
    assertThat(series("jvm_memory_used_bytes")).isNotEmpty();
  }

  @Test
  @DisplayName("requests refused before their body is read still complete: no active request is left behind")
  void refusedRequestsComplete() {
    double active = series("vertx_http_server_active_requests").stream()
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertThat(active).as("only the scrape itself may be active").isLessThanOrEqualTo(1.0);
  }

  @Test
  @DisplayName("every series has the application tag and no label holds an identifier, a client id or an address")
  void noPersonalDataInLabels() {
    Pattern sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? ([-+0-9.eEInfa]+|NaN)( [0-9]+)?$");
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = sample.matcher(line);
      assertThat(m.matches()).as("parses: %s", line).isTrue();
      assertThat(m.group(3)).as("application tag: %s", line).contains("application=\"spp-gateway\"");
      assertThat(line).doesNotContain("urn:test").doesNotContain("legal-client").doesNotContain("consent-client")
          .doesNotContain("127.0.0.1").doesNotContain(GatewayHarness.SECRET);
    }
  }

  @Test
  @DisplayName("promtool accepts the exposition (when promtool is installed)")
  void promtoolCheckMetrics(@TempDir Path dir) throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed");
    Path file = dir.resolve("metrics.txt");
    Files.writeString(file, exposition, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("bash", "-c", "promtool check metrics < " + file).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  @DisplayName("liveness answers without the database; readiness is up with registry states while serving")
  void probesWhileServing() {
    HttpResponse<Buffer> live = mgmt.get(gw.config.management().port(), "localhost", "/health/live").send().await();
    assertThat(live.statusCode()).isEqualTo(200);
    HttpResponse<Buffer> ready = mgmt.get(gw.config.management().port(), "localhost", "/health/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsString()).contains("UP").contains("individual-db").contains("closed");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  @DisplayName("readiness is 503 while starting and while draining; liveness stays 200")
  void probesWhileStartingAndDraining() {
    GatewayState starting = new GatewayState();
    int port = GatewayHarness.freePort();
    String id = vertx.deployVerticle(new ManagementVerticle(new GatewayConfig.Management("127.0.0.1", port), null,
        starting, new BreakerStates(registry))).await();
    try {
      HttpResponse<Buffer> r = mgmt.get(port, "localhost", "/health/ready").send().await();
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.bodyAsString()).contains("starting");
      assertThat(mgmt.get(port, "localhost", "/health/live").send().await().statusCode()).isEqualTo(200);
    } finally {
      vertx.undeploy(id).await();
    }
    // draining: a gateway of its own (own Vert.x and event bus), drained while we watch its probes
    Vertx other = Vertx.vertx();
    try {
      GatewayHarness draining = GatewayHarness.startOn(other, gw.dbUrl, c -> new GatewayConfig(
          new GatewayConfig.Http(c.http().host(), c.http().port(), 1, c.http().maxBodyBytes(),
              c.http().requestTimeoutMs(), c.http().maxInFlight(), 1500),
          c.management(), c.db(), c.registries(), c.auth(), c.export(), c.audit()), null);
      WebClient probe = WebClient.create(other);
      int mport = draining.config.management().port();
      assertThat(probe.get(mport, "localhost", "/health/ready").send().await().statusCode()).isEqualTo(200);
      var drained = draining.main.drain();
      HttpResponse<Buffer> r = probe.get(mport, "localhost", "/health/ready").send().await();
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.bodyAsString()).contains("draining");
      assertThat(probe.get(mport, "localhost", "/health/live").send().await().statusCode()).isEqualTo(200);
      drained.await();
    } finally {
      other.close().await();
    }
  }
}
