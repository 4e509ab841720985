package org.openspp.gateway.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openspp.gateway.support.BusCalls.body;
import static org.openspp.gateway.support.BusCalls.recipientFailure;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.ResolveRequest;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.GatewayRegistrySource;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.metrics.GatewayMeters;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * A resolver on its own over the event bus: only {@link ResolverVerticle} (and, for links, the Group one) is
 * deployed, on its own Vert.x, against the standard fixture plus one consent in a real PostgreSQL. Requests are
 * {@link ResolveRequest}s sent with {@code request}; no aggregator, no HTTP.
 */
@DisplayName("Resolver verticle over the event bus")
class ResolverVerticleTest {

  /** Statement timeout 300 ms < breaker call timeout 3 s; 3 failures open the breaker for 1.5 s. */
  static final GatewayConfig.Registry LIMITS =
      new GatewayConfig.Registry(null, 2, 16, 300, 1, new GatewayConfig.Breaker(3, 3_000, 1_500));
  static final String NID = "urn:test:nid";
  static final String CONSENT_REF = "7b2f4c1e-0000-4000-8000-0000000000b1";
  static final ClientRecord LEGAL = new ClientRecord("legal-client", true, "public_task", "org-dswd", "government",
      Set.of("individual:read", "group:read"), null);
  static final ClientRecord NGO = new ClientRecord("consent-client", true, "consent", "org-ngo", "ngo",
      Set.of("individual:read", "group:read"), null);

  static String dbUrl;

  Vertx vertx;

  @BeforeAll
  static void registry() {
    Vertx setup = Vertx.vertx();
    try {
      dbUrl = TestRegistry.migratedDatabaseUrl(setup);
      List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
      lines.add("""
          {"kind":"Consent","ref":"%s","subject":"Individual/urn:test:nid|B-1",\
          "recipients":{"mode":"specific","organizations":["org-ngo"]},"status":"given","expiry":"2999-12-31",\
          "scopes":[{"resourceType":"individual","fieldAccess":"all","purpose":"service_delivery"}]}"""
          .formatted(CONSENT_REF));
      GatewayHarness.loadLines(setup, dbUrl, lines);
    } finally {
      setup.close().await();
    }
  }

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
    Codecs.register(vertx.eventBus());
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  void deploy(ResourceType type, String url) throws Exception {
    vertx.deployVerticle(new ResolverVerticle(type, GatewayRegistrySource.INSTANCE, url, LIMITS,
        new BreakerStates(new SimpleMeterRegistry()), new GatewayMeters(new SimpleMeterRegistry())))
        .await(10, TimeUnit.SECONDS);
  }

  static ResolveRequest request(ResourceType type, ClientRecord client, String system, String... values) {
    return new ResolveRequest("test-" + System.nanoTime(), type, java.util.Collections.nCopies(values.length, system),
        List.of(values), client, LocalDate.now(ZoneOffset.UTC));
  }

  ResolveResult resolve(ResolveRequest req) {
    return body(vertx.eventBus().<ResolveResult>request(Addresses.resolve(req.type()), req));
  }

  static List<ResolveResult.Match> matchesOf(ResolveResult result, String value) {
    return result.matches().stream().filter(m -> m.value().equals(value)).toList();
  }

  @Test
  @DisplayName("known keys resolve to their registrants with live identifiers only")
  void knownKeysResolveToTheirRegistrants() throws Exception {
    deploy(ResourceType.INDIVIDUAL, dbUrl);

    ResolveResult result = resolve(request(ResourceType.INDIVIDUAL, LEGAL, NID, "A-1", "B-1"));

    assertThat(result.matches()).hasSize(2);
    RegistrantRecord a = matchesOf(result, "A-1").get(0).record();
    assertThat(a.kind()).isEqualTo(ResourceType.INDIVIDUAL);
    assertThat(a.familyName()).isEqualTo("SANTOS");
    assertThat(a.givenName()).isEqualTo("Maria");
    assertThat(a.identifiers()).extracting(RegistrantRecord.Identifier::value)
        .contains("A-1", "T-1").doesNotContain("A-OLD");
    assertThat(a.consents()).as("a client that is not consent-filtered reads no consents").isEmpty();
    assertThat(matchesOf(result, "B-1").get(0).record().id()).isNotEqualTo(a.id());
  }

  @Test
  @DisplayName("a group resolves with links to its members and their roles")
  void groupResolvesWithMemberLinks() throws Exception {
    deploy(ResourceType.GROUP, dbUrl);

    ResolveResult result = resolve(request(ResourceType.GROUP, LEGAL, "urn:test:hh", "G-1"));

    assertThat(result.matches()).hasSize(1);
    RegistrantRecord household = result.matches().get(0).record();
    assertThat(household.kind()).isEqualTo(ResourceType.GROUP);
    assertThat(household.name()).isEqualTo("Santos household");
    assertThat(household.links())
        .anyMatch(l -> "A-1".equals(l.refValue()) && "head".equals(l.roleCode()))
        .anyMatch(l -> "B-1".equals(l.refValue()) && "spouse".equals(l.roleCode()));
  }

  @Test
  @DisplayName("unknown keys, and identifiers no longer live, have no match")
  void unknownKeysHaveNoMatch() throws Exception {
    deploy(ResourceType.INDIVIDUAL, dbUrl);

    ResolveResult result = resolve(request(ResourceType.INDIVIDUAL, LEGAL, NID, "NOPE-1", "A-OLD", "E-GONE"));

    assertThat(result.matches()).isEmpty();
  }

  @Test
  @DisplayName("a key held by two registrants has two matches")
  void ambiguousKeyHasTwoMatches() throws Exception {
    deploy(ResourceType.INDIVIDUAL, dbUrl);

    ResolveResult result = resolve(request(ResourceType.INDIVIDUAL, LEGAL, NID, "DUP-1"));

    assertThat(result.matches()).hasSize(2);
    assertThat(result.matches().stream().map(m -> m.record().id()).distinct()).hasSize(2);
    assertThat(result.matches()).extracting(m -> m.record().givenName()).containsExactlyInAnyOrder("Juan", "Juana");
  }

  @Test
  @DisplayName("a consent-filtered client gets each registrant's candidate consents for its organisation")
  void consentFilteredClientGetsCandidateConsents() throws Exception {
    deploy(ResourceType.INDIVIDUAL, dbUrl);

    ResolveResult result = resolve(request(ResourceType.INDIVIDUAL, NGO, NID, "A-1", "B-1"));

    assertThat(matchesOf(result, "B-1").get(0).record().consents())
        .singleElement()
        .satisfies(c -> {
          assertThat(c.externalId()).isEqualTo(CONSENT_REF);
          assertThat(c.status()).isEqualTo("given");
          assertThat(c.organizations()).containsExactly("org-ngo");
        });
    assertThat(matchesOf(result, "A-1").get(0).record().consents()).isEmpty();
  }

  @Test
  @DisplayName("registry down: REGISTRY_UNAVAILABLE, then the open breaker refuses at once with a retry hint")
  void registryDownFailsUnavailableThenBreakerOpens() throws Exception {
    try (FaultProxy proxy = FaultProxy.forUrl(dbUrl)) {
      deploy(ResourceType.INDIVIDUAL, proxy.url(dbUrl));
      assertThat(resolve(request(ResourceType.INDIVIDUAL, LEGAL, NID, "A-1")).matches()).hasSize(1);

      proxy.refuse();
      for (int i = 0; i < 3; i++) {
        ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.resolve(ResourceType.INDIVIDUAL),
            request(ResourceType.INDIVIDUAL, LEGAL, NID, "A-1")));
        assertThat(failure.failureCode()).isEqualTo(Failure.REGISTRY_UNAVAILABLE.code());
      }
      ReplyException open = recipientFailure(vertx.eventBus().request(Addresses.resolve(ResourceType.INDIVIDUAL),
          request(ResourceType.INDIVIDUAL, LEGAL, NID, "A-1")));
      assertThat(open.failureCode()).isEqualTo(Failure.REGISTRY_UNAVAILABLE.code());
      assertThat(open.getMessage()).startsWith(Failure.RETRY_AFTER_PREFIX);
    }
  }

  @Test
  @DisplayName("a statement cancelled by statement_timeout fails REGISTRY_TIMEOUT")
  void statementTimeoutFailsRegistryTimeout() throws Exception {
    deploy(ResourceType.INDIVIDUAL, dbUrl);
    Pool direct = TestRegistry.pool(vertx, dbUrl);
    SqlConnection locker = direct.getConnection().await(10, TimeUnit.SECONDS);
    Transaction tx = locker.begin().await(10, TimeUnit.SECONDS);
    try {
      locker.query("LOCK TABLE registrant_identifier IN ACCESS EXCLUSIVE MODE").execute().await(10, TimeUnit.SECONDS);

      ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.resolve(ResourceType.INDIVIDUAL),
          request(ResourceType.INDIVIDUAL, LEGAL, NID, "A-1")));

      assertThat(failure.failureCode()).isEqualTo(Failure.REGISTRY_TIMEOUT.code());
    } finally {
      tx.rollback().await(10, TimeUnit.SECONDS);
      locker.close().await(10, TimeUnit.SECONDS);
      direct.close().await(10, TimeUnit.SECONDS);
    }
  }
}
