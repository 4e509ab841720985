package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openspp.gateway.support.BusCalls.body;
import static org.openspp.gateway.support.BusCalls.recipientFailure;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.audit.AuditVerticle;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.ExportRequest;
import org.openspp.gateway.bus.ExportResult;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.GatewayRegistrySource;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.metrics.GatewayMeters;
import org.openspp.gateway.resolve.ResolverVerticle;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * The aggregator over the event bus, with no HTTP: {@link AggregatorVerticle} on its own Vert.x with the real
 * Individual resolver and the real audit writer on the standard fixture in a real PostgreSQL, or, where a test
 * needs a resolver failure, a test consumer on the resolver's address that fails as a resolver would.
 * {@link ExportRequest}s are sent with {@code request}; the audit tables are read right after the reply.
 */
@DisplayName("Aggregator verticle over the event bus")
class AggregatorVerticleTest {

  static final GatewayConfig.Registry LIMITS =
      new GatewayConfig.Registry(null, 2, 16, 2_000, 1, new GatewayConfig.Breaker(3, 3_000, 1_500));
  static final ClientRecord LEGAL = new ClientRecord("legal-client", true, "public_task", "org-dswd", "government",
      Set.of("individual:read", "group:read"), null);
  static final int ROOMY = 1024 * 1024;

  static String dbUrl;

  Vertx vertx;
  Pool direct;

  @BeforeAll
  static void registry() {
    Vertx setup = Vertx.vertx();
    try {
      dbUrl = TestRegistry.migratedDatabaseUrl(setup);
      GatewayHarness.loadLines(setup, dbUrl, GatewayHarness.lines(GatewayHarness.FIXTURE));
    } finally {
      setup.close().await();
    }
  }

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
    Codecs.register(vertx.eventBus());
    direct = TestRegistry.pool(vertx, dbUrl);
  }

  @AfterEach
  void close() throws Exception {
    direct.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  void deployResolver() throws Exception {
    vertx.deployVerticle(new ResolverVerticle(ResourceType.INDIVIDUAL, GatewayRegistrySource.INSTANCE, dbUrl, LIMITS,
        new BreakerStates(new SimpleMeterRegistry()), new GatewayMeters(new SimpleMeterRegistry())))
        .await(10, TimeUnit.SECONDS);
  }

  void deployAudit(String url) throws Exception {
    vertx.deployVerticle(new AuditVerticle(url, new GatewayConfig.Audit(url, 2, 100, 2_000, 2_000),
        new SimpleMeterRegistry())).await(10, TimeUnit.SECONDS);
  }

  void deployAggregator(int maxResponseBytes) throws Exception {
    vertx.deployVerticle(new AggregatorVerticle(2_000, 2_000, maxResponseBytes)).await(10, TimeUnit.SECONDS);
  }

  static ExportRequest exportOf(String requestId, String... identifiers) {
    return new ExportRequest(requestId, LEGAL, ResourceType.INDIVIDUAL,
        Stream.of(identifiers).map(raw -> ParsedIdentifier.parse(raw, 256)).toList(), null, null,
        LocalDate.now(ZoneOffset.UTC), Instant.now(), "127.0.0.1", "test-agent");
  }

  long auditedRequests(String requestId) throws Exception {
    return direct.preparedQuery("SELECT count(*) AS n FROM audit_request WHERE request_id = $1")
        .execute(Tuple.of(requestId)).await(10, TimeUnit.SECONDS).iterator().next().getLong("n");
  }

  @Test
  @DisplayName("an export yields its items in request order with the right counts")
  void exportYieldsItemsInRequestOrderWithCounts() throws Exception {
    deployResolver();
    deployAudit(dbUrl);
    deployAggregator(ROOMY);
    List<String> identifiers = List.of("urn:test:nid|B-1", "urn:test:nid|NOPE-1", "urn:test:nid|A-1",
        "urn:test:nid|DUP-1", "urn:test:nid|B-1");

    ExportResult result = body(vertx.eventBus().<ExportResult>request(Addresses.EXPORT,
        exportOf("agg-order", identifiers.toArray(String[]::new))));

    assertThat(result.total()).isEqualTo(5);
    assertThat(result.successful()).isEqualTo(3);
    assertThat(result.failed()).isEqualTo(2);
    assertThat(result.notFound()).isEqualTo(1);
    assertThat(result.accessDenied()).isZero();
    assertThat(result.errors()).as("the ambiguous identifier").isEqualTo(1);
    JsonObject body = result.body().toJsonObject();
    List<JsonObject> items = body.getJsonArray("items").stream().map(JsonObject.class::cast).toList();
    assertThat(items).extracting(i -> i.getString("identifier")).containsExactlyElementsOf(identifiers);
    assertThat(items).extracting(i -> i.getString("status"))
        .containsExactly("success", "not_found", "success", "error", "success");
    assertThat(body.getInteger("total")).isEqualTo(5);
  }

  @Test
  @DisplayName("the audit record is committed before the export is answered")
  void auditIsCommittedBeforeTheReply() throws Exception {
    deployResolver();
    deployAudit(dbUrl);
    deployAggregator(ROOMY);

    body(vertx.eventBus().<ExportResult>request(Addresses.EXPORT,
        exportOf("agg-audited", "urn:test:nid|A-1", "urn:test:nid|NOPE-1")));

    // read at once, no waiting: the reply may only leave once the rows are committed
    Row row = direct.preparedQuery("SELECT id, total, successful, failed, http_status FROM audit_request "
        + "WHERE request_id = $1").execute(Tuple.of("agg-audited")).await(10, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getInteger("total")).isEqualTo(2);
    assertThat(row.getInteger("successful")).isEqualTo(1);
    assertThat(row.getInteger("failed")).isEqualTo(1);
    assertThat(row.getInteger("http_status")).isEqualTo(200);
    List<String> statuses = direct.preparedQuery("SELECT status FROM audit_item WHERE audit_request_id = $1 "
            + "ORDER BY position").execute(Tuple.of(row.getUUID("id"))).await(10, TimeUnit.SECONDS)
        .stream().map(r -> r.getString("status")).toList();
    assertThat(statuses).containsExactly("success", "not_found");
  }

  @Test
  @DisplayName("a resolver's failure code is passed through, and nothing is audited as exported")
  void resolverFailureCodeIsPassedThrough() throws Exception {
    // a resolver whose registry timed out, as a consumer on the resolver's address
    vertx.eventBus().consumer(Addresses.resolve(ResourceType.INDIVIDUAL),
        msg -> msg.fail(Failure.REGISTRY_TIMEOUT.code(), Failure.REGISTRY_TIMEOUT.name()))
        .completion().await(10, TimeUnit.SECONDS);
    deployAudit(dbUrl);
    deployAggregator(ROOMY);

    ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.EXPORT,
        exportOf("agg-resolver-down", "urn:test:nid|A-1")));

    assertThat(failure.failureCode()).isEqualTo(Failure.REGISTRY_TIMEOUT.code());
    assertThat(auditedRequests("agg-resolver-down")).isZero();
  }

  @Test
  @DisplayName("a response over maxResponseBytes fails RESPONSE_TOO_LARGE and nothing is audited as exported")
  void oversizedResponseFailsAndIsNotAudited() throws Exception {
    deployResolver();
    deployAudit(dbUrl);
    deployAggregator(300);

    ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.EXPORT,
        exportOf("agg-too-large", "urn:test:nid|A-1", "urn:test:nid|B-1")));

    assertThat(failure.failureCode()).isEqualTo(Failure.RESPONSE_TOO_LARGE.code());
    assertThat(failure.getMessage()).isEqualTo("300");
    assertThat(auditedRequests("agg-too-large")).isZero();
  }

  @Test
  @DisplayName("an audit store that cannot commit fails the export AUDIT_UNAVAILABLE")
  void auditFailureFailsAuditUnavailable() throws Exception {
    try (FaultProxy proxy = FaultProxy.forUrl(dbUrl)) {
      proxy.refuse();
      deployResolver();
      deployAudit(proxy.url(dbUrl));
      deployAggregator(ROOMY);

      ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.EXPORT,
          exportOf("agg-audit-down", "urn:test:nid|A-1")));

      assertThat(failure.failureCode()).isEqualTo(Failure.AUDIT_UNAVAILABLE.code());
    }
    assertThat(auditedRequests("agg-audit-down")).isZero();
  }
}
