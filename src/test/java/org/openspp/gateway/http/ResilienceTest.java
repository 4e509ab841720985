package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.Metrics;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failure behaviour under real faults (spec §2 step 7, §7): the Individual registry is reached through a
 * loopback {@link FaultProxy} that refuses, stalls or resets connections, or is slowed inside PostgreSQL by a
 * held table lock; clients and the audit trail use the database directly. Deadlines are shortened:
 * statement_timeout 500 ms < breaker 1 s < bus 2 s; audit 1 s; HTTP 5 s; breaker opens after 3 failures for
 * 1.5 s. Each test runs its own gateway on its own Vert.x (with Vert.x metrics) and is bounded in time.
 */
@DisplayName("Resilience under registry faults")
class ResilienceTest {

  private static final Logger log = LoggerFactory.getLogger(ResilienceTest.class);
  static final String LIMITED_CLIENT = "{\"kind\":\"ApiClient\",\"clientId\":\"limited-client\",\"secret\":\"limited-secret-1\","
      + "\"active\":true,\"legalBasis\":\"public_task\",\"organization\":\"org-l\",\"organizationType\":\"government\","
      + "\"scopes\":[\"individual:read\"],\"rateLimitPerMinute\":3}";

  Vertx vertx;
  PrometheusMeterRegistry registry;
  String dbUrl;
  FaultProxy proxy;
  GatewayHarness gw;

  @BeforeEach
  void database() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Metrics.vertx(registry);
    dbUrl = TestRegistry.migratedDatabaseUrl(vertx);
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    lines.add(LIMITED_CLIENT);
    GatewayHarness.loadLines(vertx, dbUrl, lines);
    proxy = FaultProxy.forUrl(dbUrl);
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.stop();
    }
    proxy.close();
    vertx.close().await();
  }

  void start(int maxFailures, int poolSize, int waitQueue) {
    start(maxFailures, poolSize, waitQueue, 512);
  }

  void start(int maxFailures, int poolSize, int waitQueue, int maxInFlight) {
    String registryUrl = proxy.url(dbUrl);
    gw = GatewayHarness.startOn(vertx, dbUrl, c -> {
      Map<ResourceType, GatewayConfig.Registry> regs = new EnumMap<>(c.registries());
      regs.put(ResourceType.INDIVIDUAL, new GatewayConfig.Registry(registryUrl, poolSize, waitQueue, 500, 1,
          new GatewayConfig.Breaker(maxFailures, 1000, 1500)));
      GatewayConfig.Http h = c.http();
      return new GatewayConfig(new GatewayConfig.Http(h.host(), h.port(), 1, h.maxBodyBytes(), 5000, maxInFlight, 0),
          c.management(), c.db(), regs, c.auth(), new GatewayConfig.Export(100, 512, 2000, 50, 70),
          new GatewayConfig.Audit(null, 4, 256, 500, 1000));
    }, registry);
  }

  Future<HttpResponse<Buffer>> send(String client, String id) {
    return gw.export(client, new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add(id)));
  }

  HttpResponse<Buffer> export() {
    return send("legal-client", "urn:test:nid|A-1").await();
  }

  static void assertProblem(HttpResponse<Buffer> r, int status, String category) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.bodyAsJsonObject().getString("type")).isEqualTo("urn:openspp:error:" + category);
  }

  /** Runs {@code body} while a test transaction holds an exclusive lock on the identifier table. */
  void whileIdentifiersLocked(Runnable body) {
    Pool direct = TestRegistry.pool(vertx, dbUrl);
    SqlConnection locker = direct.getConnection().await();
    Transaction tx = locker.begin().await();
    try {
      locker.query("LOCK TABLE registrant_identifier IN ACCESS EXCLUSIVE MODE").execute().await();
      body.run();
    } finally {
      tx.rollback().await();
      locker.close().await();
      direct.close().await();
    }
  }

  long activeGatewayQueriesOlderThan(int ms) {
    Pool direct = TestRegistry.pool(vertx, dbUrl);
    try {
      return direct.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'spp-gateway' "
          + "AND state = 'active' AND now() - query_start > interval '" + ms + " milliseconds'").execute().await()
          .iterator().next().getLong("n");
    } finally {
      direct.close().await();
    }
  }

  double gauge(String name, String tag, String value) {
    var g = registry.find(name).tag(tag, value).gauge();
    return g == null ? Double.NaN : g.value();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("the breaker opens after the threshold; while open it answers 503 with Retry-After and no registry call")
  void breakerOpensAndAnswersWithoutRegistry() {
    start(3, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    proxy.refuse();
    for (int i = 0; i < 3; i++) {
      assertProblem(export(), 503, "registry-unavailable");
    }
    assertThat(gauge("gateway.breaker.state", "registry", "individual-db")).isEqualTo(2.0);
    proxy.accept();
    long bytes = proxy.bytesForwarded();
    long t0 = System.nanoTime();
    HttpResponse<Buffer> open = export();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertProblem(open, 503, "registry-unavailable");
    assertThat(Integer.parseInt(open.getHeader("Retry-After"))).isBetween(1, 2);
    assertThat(ms).as("an open breaker answers at once").isLessThan(200);
    assertThat(proxy.bytesForwarded()).as("no registry call while open").isEqualTo(bytes);
    assertThat(proxy.openConnections()).isZero();
    // every refused attempt is attributable: the four 503s are audited with the identifier they named
    List<String> audited = new ArrayList<>();
    gw.sql("SELECT r.reason || ' ' || i.status || ' ' || i.identifier AS a FROM audit_request r "
        + "JOIN audit_item i ON i.audit_request_id = r.id WHERE r.http_status = 503")
        .forEach(row -> audited.add(row.getString("a")));
    assertThat(audited).hasSize(4).containsOnly("registry-unavailable refused urn:test:nid|A-1");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("after the open period a successful half-open trial closes the breaker; a failed one re-opens it")
  void halfOpenTrial() {
    start(3, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    proxy.refuse();
    for (int i = 0; i < 3; i++) {
      export();
    }
    vertx.timer(1700).await();
    HttpResponse<Buffer> trial = export();
    assertProblem(trial, 503, "registry-unavailable");
    assertThat(gauge("gateway.breaker.state", "registry", "individual-db")).as("re-opened").isEqualTo(2.0);
    proxy.accept();
    vertx.timer(1700).await();
    assertThat(export().statusCode()).as("trial succeeds").isEqualTo(200);
    assertThat(gauge("gateway.breaker.state", "registry", "individual-db")).as("closed").isEqualTo(0.0);
    assertThat(export().statusCode()).isEqualTo(200);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("a query stuck inside PostgreSQL answers 504 after the statement timeout and leaves no query behind")
  void statementTimeoutGives504() {
    start(100, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    whileIdentifiersLocked(() -> {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r = export();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertProblem(r, 504, "registry-timeout");
      assertThat(ms).as("504 after the 500 ms statement timeout, well within the 5 s deadline").isBetween(400L, 1500L);
      assertThat(activeGatewayQueriesOlderThan(600)).as("no gateway query older than the statement timeout").isZero();
    });
    assertThat(export().statusCode()).isEqualTo(200);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("a stalled network answers 504 at the breaker timeout, and the other connections keep serving")
  void stalledNetworkGives504() {
    start(100, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    proxy.blackhole();
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = export();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertProblem(r, 504, "registry-timeout");
    assertThat(ms).as("504 at the 1 s breaker timeout, far inside the 5 s deadline").isBetween(900L, 2000L);
    proxy.pass();
    for (int i = 0; i < 5; i++) {
      assertThat(export().statusCode()).as("service continues on the pool's other connections").isEqualTo(200);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("a saturated pool answers 503 at once instead of queueing, and its queue drains back to 0")
  void poolSaturationFailsFast() {
    start(1000, 2, 2);
    assertThat(export().statusCode()).isEqualTo(200);
    whileIdentifiersLocked(() -> {
      List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
      List<Long> answeredMs = new java.util.concurrent.CopyOnWriteArrayList<>();
      long sent = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        burst.add(send("legal-client", "urn:test:nid|A-" + i).onSuccess(r -> {
          if (r.statusCode() == 503) {
            answeredMs.add((System.nanoTime() - sent) / 1_000_000);
          }
        }));
      }
      Future.join(burst).await();
      assertThat(answeredMs).as("refusals come at once, not after a wait").allMatch(ms -> ms < 400);
      int saturated = 0;
      for (int i = 0; i < burst.size(); i++) {
        HttpResponse<Buffer> r = burst.get(i).result();
        if (r.statusCode() == 503) {
          saturated++;
          assertProblem(r, 503, "registry-unavailable");
          assertThat(r.getHeader("Retry-After")).isNotBlank();
        } else {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(504);
        }
      }
      assertThat(saturated).as("beyond 2 connections + 2 waiting, requests are refused").isGreaterThanOrEqualTo(10);
      assertThat(gauge("gateway.breaker.state", "registry", "individual-db"))
          .as("saturation does not open the breaker").isEqualTo(0.0);
    });
    long t0 = System.nanoTime();
    // the wait queue is empty again: as many concurrent requests as connections + queue places all succeed
    // (Vert.x's vertx_pool_queue_pending gauge cannot tell: it keeps counting requests the full queue refused)
    List<Future<HttpResponse<Buffer>>> after = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      after.add(send("legal-client", "urn:test:nid|A-1"));
    }
    Future.join(after).await();
    after.forEach(f -> assertThat(f.result().statusCode()).isEqualTo(200));
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("past http.maxInFlight concurrent requests the edge answers 503 with Retry-After at once")
  void inFlightLimit() {
    start(100, 4, 64, 2);
    // open two registry connections first, so the slow requests below pay no connection set-up
    Future.join(send("legal-client", "urn:test:nid|A-1"), send("legal-client", "urn:test:nid|B-1")).await();
    proxy.delay(150);
    List<Future<HttpResponse<Buffer>>> slow = List.of(send("legal-client", "urn:test:nid|A-1"),
        send("legal-client", "urn:test:nid|B-1"));
    vertx.timer(100).await();
    long t0 = System.nanoTime();
    HttpResponse<Buffer> third = export();
    assertProblem(third, 503, "registry-unavailable");
    assertThat(third.getHeader("Retry-After")).isEqualTo("1");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(200);
    Future.join(slow).await();
    slow.forEach(f -> assertThat(f.result().statusCode()).isEqualTo(200));
    proxy.pass();
    assertThat(export().statusCode()).as("the slots are released").isEqualTo(200);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  @DisplayName("a registry restart under load: requests fail fast while it is down and succeed again soon after")
  void restartUnderLoadRecovers() {
    start(3, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    long begin = System.nanoTime();
    long[] downAt = {0};
    long[] upAt = {0};
    long[] first503 = {0};
    long[] firstOkAfterUp = {0};
    long[] slowest = {0};
    int[] hung = {0};
    List<Future<Void>> loops = new ArrayList<>();
    for (int w = 0; w < 6; w++) {
      loops.add(loop(begin, 9000, downAt, upAt, first503, firstOkAfterUp, slowest));
    }
    vertx.timer(2000).await();
    downAt[0] = System.nanoTime();
    proxy.refuse();
    vertx.timer(3000).await();
    proxy.accept();
    upAt[0] = System.nanoTime();
    Future.join(loops).await();
    double toFail = (first503[0] - downAt[0]) / 1e6;
    double toRecover = (firstOkAfterUp[0] - upAt[0]) / 1e6;
    log.info("registry restart: first 503 {} ms after it went down; first 200 {} ms after it came back; "
        + "slowest answer {} ms", Math.round(toFail), Math.round(toRecover), slowest[0] / 1_000_000);
    assertThat(first503[0]).as("failures were seen").isPositive();
    assertThat(toFail).as("time to 503").isLessThan(1000);
    assertThat(firstOkAfterUp[0]).as("service resumed").isPositive();
    assertThat(toRecover).as("time to recover: at most the open period plus a margin").isLessThan(3000);
    assertThat(slowest[0] / 1_000_000).as("no request hung").isLessThan(5000);
    assertThat(hung[0]).isZero();
  }

  private Future<Void> loop(long begin, long durationMs, long[] downAt, long[] upAt, long[] first503,
      long[] firstOkAfterUp, long[] slowest) {
    if ((System.nanoTime() - begin) / 1_000_000 > durationMs) {
      return Future.succeededFuture();
    }
    long t0 = System.nanoTime();
    return send("legal-client", "urn:test:nid|A-1").compose(r -> {
      long now = System.nanoTime();
      synchronized (slowest) {
        slowest[0] = Math.max(slowest[0], now - t0);
        if (r.statusCode() != 200 && downAt[0] != 0 && first503[0] == 0) {
          first503[0] = now;
        }
        if (r.statusCode() == 200 && upAt[0] != 0 && firstOkAfterUp[0] == 0) {
          firstOkAfterUp[0] = now;
        }
      }
      return vertx.timer(20).compose(v -> loop(begin, durationMs, downAt, upAt, first503, firstOkAfterUp, slowest));
    });
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("dropped connections are replaced: after a reset of every connection service continues")
  void connectionResetRecovers() {
    start(3, 4, 64);
    assertThat(export().statusCode()).isEqualTo(200);
    proxy.resetAll();
    long deadline = System.currentTimeMillis() + 3000;
    int ok = 0;
    while (System.currentTimeMillis() < deadline && ok < 3) {
      ok = export().statusCode() == 200 ? ok + 1 : 0;
    }
    assertThat(ok).isEqualTo(3);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("rate limit: RateLimit headers on every answer, then 429 with Retry-After; a new token does not reset it")
  void rateLimit() {
    start(3, 4, 64);
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> r = send("limited-client", "urn:test:nid|A-1").await();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("RateLimit-Limit")).isEqualTo("3");
      assertThat(r.getHeader("X-RateLimit-Limit")).isEqualTo("3");
      assertThat(r.getHeader("RateLimit-Remaining")).isEqualTo(Integer.toString(2 - i));
      assertThat(r.getHeader("X-RateLimit-Remaining")).isEqualTo(Integer.toString(2 - i));
      assertThat(r.getHeader("RateLimit-Reset")).isNotBlank();
    }
    HttpResponse<Buffer> limited = send("limited-client", "urn:test:nid|A-1").await();
    assertProblem(limited, 429, "rate-limited");
    assertThat(limited.bodyAsJsonObject().getString("detail")).matches("Rate limit exceeded\\. Retry after \\d+ seconds\\.");
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 20);
    assertThat(limited.getHeader("RateLimit-Remaining")).isEqualTo("0");
    assertThat(limited.getHeader("X-RateLimit-Reset")).isNotBlank();
    // a freshly minted token for the same client changes nothing: the bucket is keyed by client id
    assertProblem(send("limited-client", "urn:test:nid|A-1").await(), 429, "rate-limited");
    // other clients are not affected; unlimited clients get no RateLimit headers
    HttpResponse<Buffer> other = send("legal-client", "urn:test:nid|A-1").await();
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.getHeader("RateLimit-Limit")).isNull();
  }
}
