package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * Resolver coalescing: with one registry connection held up by a table lock, requests pile up in the resolver;
 * when the lock goes, requests that can share a statement (same consent parameters) are answered by one
 * statement. Each must get exactly the response it gets when sent alone: its own keys' matches, its own
 * client's consent decisions, never another request's records.
 */
@DisplayName("Resolver coalescing under load")
class CoalescingTest {

  static final List<String> EXTRA = List.of(
      "{\"kind\":\"ApiClient\",\"clientId\":\"other-ngo\",\"secret\":\"other-ngo-secret-1\",\"active\":true,"
          + "\"legalBasis\":\"consent\",\"organization\":\"org-other\",\"organizationType\":\"ngo\","
          + "\"scopes\":[\"individual:read\"]}",
      "{\"kind\":\"Consent\",\"ref\":\"c-ngo-a\",\"subject\":\"Individual/urn:test:nid|A-1\","
          + "\"recipients\":{\"mode\":\"specific\",\"organizations\":[\"org-ngo\"]},\"status\":\"given\","
          + "\"scopes\":[{\"resourceType\":\"individual\",\"fieldAccess\":\"basic\",\"purpose\":\"service_delivery\"}]}",
      "{\"kind\":\"Consent\",\"ref\":\"c-other-b\",\"subject\":\"Individual/urn:test:nid|B-1\","
          + "\"recipients\":{\"mode\":\"specific\",\"organizations\":[\"org-other\"]},\"status\":\"given\","
          + "\"scopes\":[{\"resourceType\":\"individual\",\"fieldAccess\":\"all\",\"purpose\":\"research\"}]}");

  /** (client, identifiers): legal-basis clients share statements; each consent client only with itself. */
  static final List<List<String>> REQUESTS = List.of(
      List.of("legal-client", "urn:test:nid|A-1", "urn:test:nid|B-1"),
      List.of("legal-client", "urn:test:nid|B-1", "urn:test:nid|C-1", "urn:test:nid|NOPE-1"),
      List.of("individual-only", "urn:test:nid|A-1", "urn:test:nid|DUP-1"),
      List.of("consent-client", "urn:test:nid|A-1", "urn:test:nid|B-1"),
      List.of("other-ngo", "urn:test:nid|A-1", "urn:test:nid|B-1"),
      List.of("consent-client", "urn:test:nid|B-1"),
      List.of("other-ngo", "urn:test:tax|T-1"),
      List.of("legal-client", "urn:test:nid|D-1"));

  Vertx vertx;
  PrometheusMeterRegistry registry;
  String dbUrl;
  GatewayHarness gw;
  WebClient client;

  @BeforeEach
  void start() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Metrics.vertx(registry);
    dbUrl = TestRegistry.migratedDatabaseUrl(vertx);
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    lines.addAll(EXTRA);
    GatewayHarness.loadLines(vertx, dbUrl, lines);
    gw = GatewayHarness.startOn(vertx, dbUrl, c -> {
      Map<ResourceType, GatewayConfig.Registry> regs = new EnumMap<>(c.registries());
      GatewayConfig.Registry r = regs.get(ResourceType.INDIVIDUAL);
      regs.put(ResourceType.INDIVIDUAL, new GatewayConfig.Registry(r.url(), 1, 64, r.statementTimeoutMs(), 1,
          r.breaker()));
      return new GatewayConfig(c.http(), c.management(), c.db(), regs, c.auth(), c.export(), c.audit());
    }, registry);
    client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(REQUESTS.size()));
  }

  @AfterEach
  void stop() {
    client.close();
    gw.stop();
    vertx.close().await();
  }

  Future<HttpResponse<Buffer>> send(List<String> request) {
    JsonArray ids = new JsonArray(new ArrayList<>(request.subList(1, request.size())));
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", ids);
    // own client: the harness's pools 5 connections, and all requests must be in flight at once
    return client.post(gw.config.http().port(), "localhost", GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + gw.token(request.get(0)))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body.toBuffer());
  }

  DistributionSummary batches() {
    return registry.find("gateway.resolver.batch").tag("type", "Individual").summary();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("requests answered by one shared statement get exactly the responses they get alone")
  void coalescedRequestsAnswerAsAlone() {
    List<JsonObject> alone = new ArrayList<>();
    for (List<String> request : REQUESTS) {
      HttpResponse<Buffer> r = send(request).await();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      alone.add(r.bodyAsJsonObject());
    }
    assertThat(batches().count()).as("sent one at a time, each has its own statement").isEqualTo(REQUESTS.size());
    assertThat(batches().totalAmount()).isEqualTo(REQUESTS.size());

    List<Future<HttpResponse<Buffer>>> together = new ArrayList<>();
    Pool direct = TestRegistry.pool(vertx, dbUrl);
    SqlConnection locker = direct.getConnection().await();
    Transaction tx = locker.begin().await();
    try {
      locker.query("LOCK TABLE registrant_identifier IN ACCESS EXCLUSIVE MODE").execute().await();
      for (List<String> request : REQUESTS) {
        together.add(send(request));
      }
      Promise<Void> queued = Promise.promise();
      vertx.setTimer(400, t -> queued.complete());
      queued.future().await(); // the first request holds the only connection; the others wait in the resolver
    } finally {
      tx.rollback().await();
      locker.close().await();
      direct.close().await();
    }
    Future.join(together).await();
    for (int i = 0; i < REQUESTS.size(); i++) {
      HttpResponse<Buffer> r = together.get(i).result();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject()).as("request %d %s", i, REQUESTS.get(i)).isEqualTo(alone.get(i));
    }
    long statements = batches().count() - REQUESTS.size();
    assertThat(batches().totalAmount()).isEqualTo(2.0 * REQUESTS.size());
    // one statement for the first request; then at most one per sharing class (legal basis, consent-client,
    // other-ngo) of the 7 that waited
    assertThat(statements).as("8 waiting requests in 3 sharing classes need at most 4 statements").isLessThanOrEqualTo(4);
  }
}
