package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * SIGTERM on the packaged jar while requests are in flight: readiness turns false at once, requests are still
 * accepted during the grace period, every in-flight request is answered, their audit rows are committed, the
 * listener closes and the process exits 0. The registry is slowed by a loopback proxy (300 ms per chunk) so
 * that requests really are in flight when the signal arrives.
 */
@DisplayName("Graceful shutdown of the packaged jar")
class GracefulShutdownIT {

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  @DisplayName("SIGTERM with requests in flight answers them all, flushes their audit rows and exits 0")
  void sigtermCompletesInFlightRequests(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    String dbUrl = TestRegistry.migratedDatabaseUrl(vertx);
    GatewayHarness.loadLines(vertx, dbUrl, GatewayHarness.lines(GatewayHarness.FIXTURE));
    int port = GatewayHarness.freePort();
    int mgmt = GatewayHarness.freePort();
    HttpClient http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(2)).build();
    String token = new TokenMinter(GatewayHarness.SECRET, "openspp-api-v2", "openspp")
        .mint("legal-client", List.of(), Duration.ofMinutes(10));
    try (FaultProxy proxy = FaultProxy.forUrl(dbUrl)) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", Path.of("target", "spp-gateway.jar").toAbsolutePath().toString(), "serve")
          .directory(dir.toFile())
          .redirectOutput(dir.resolve("stdout.log").toFile())
          .redirectError(Path.of("target", "graceful-shutdown-stderr.log").toFile());
      Map<String, String> env = pb.environment();
      env.put("SPP_DB_URL", proxy.url(dbUrl));
      env.put("SPP_JWT_SECRET", GatewayHarness.SECRET);
      env.put("SPP_HTTP_PORT", Integer.toString(port));
      env.put("SPP_MANAGEMENT_PORT", Integer.toString(mgmt));
      env.put("SPP_SHUTDOWN_GRACE_MS", "1500");
      env.put("SPP_LOG_FORMAT", "text");
      Process process = pb.start();
      try {
        awaitReady(http, mgmt);
        proxy.delay(150);
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          inFlight.add(http.sendAsync(export(port, token, "shutdown-" + i), HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(300);
        process.destroy();
        long signalled = System.nanoTime();

        int ready = 200;
        long pollUntil = System.currentTimeMillis() + 500;
        while (ready == 200 && System.currentTimeMillis() < pollUntil) {
          ready = readiness(http, mgmt);
        }
        assertThat(ready).as("readiness turns false within 500 ms of the signal").isEqualTo(503);
        HttpResponse<String> duringGrace = http.send(export(port, token, "shutdown-grace"),
            HttpResponse.BodyHandlers.ofString());
        assertThat(duringGrace.statusCode()).as("still served during the grace period").isEqualTo(200);

        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
          HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          assertThat(new JsonObject(r.body()).getInteger("successful")).isEqualTo(1);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
        assertThat(process.exitValue()).as("0, or 143: the JVM's status after a SIGTERM-initiated shutdown")
            .isIn(0, 143);
        assertThat((System.nanoTime() - signalled) / 1_000_000).as("grace period honoured").isGreaterThan(1400);
        assertThatThrownBy(() -> http.send(export(port, token, "after"), HttpResponse.BodyHandlers.ofString()))
            .as("the listener is closed").isInstanceOf(java.io.IOException.class);
      } finally {
        if (process.isAlive()) {
          process.destroyForcibly();
        }
      }
      proxy.pass();
      long audited = TestRegistry.pool(vertx, dbUrl)
          .query("SELECT count(*) AS n FROM audit_request WHERE request_id LIKE 'shutdown-%'").execute()
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).iterator().next().getLong("n");
      assertThat(audited).as("every answered request was audited before the process ended").isEqualTo(17);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static HttpRequest export(int port, String token, String requestId) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v2/spp/$bulk/export"))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .header("X-Request-Id", requestId)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\"]}"))
        .build();
  }

  private static int readiness(HttpClient http, int mgmt) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + mgmt + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private static void awaitReady(HttpClient http, int mgmt) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (readiness(http, mgmt) == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the gateway did not become ready");
  }
}
