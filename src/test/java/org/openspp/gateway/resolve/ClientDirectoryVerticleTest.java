package org.openspp.gateway.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openspp.gateway.support.BusCalls.body;
import static org.openspp.gateway.support.BusCalls.recipientFailure;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Credentials;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.GatewayRegistrySource;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.openspp.OpensppRegistrySource;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;
import org.openspp.gateway.support.TestRegistry;

/**
 * The client directory on its own over the event bus: only {@link ClientDirectoryVerticle} is deployed, on its own
 * Vert.x, against the standard fixture in a real PostgreSQL, once in the gateway's schema and once in a fake
 * OpenSPP database read by a read-only login. No HTTP.
 */
@DisplayName("Client directory verticle over the event bus")
class ClientDirectoryVerticleTest {

  /** Statement timeout 2 s, breaker: 3 failures open it for 1.5 s, 3 s per call. */
  static final GatewayConfig.Registry LIMITS =
      new GatewayConfig.Registry(null, 2, 16, 2_000, 1, new GatewayConfig.Breaker(3, 3_000, 1_500));

  enum Kind { GATEWAY, OPENSPP }

  static String gatewayUrl;
  static String opensppReaderUrl;

  Vertx vertx;

  @BeforeAll
  static void registries() {
    Vertx setup = Vertx.vertx();
    try {
      gatewayUrl = TestRegistry.migratedDatabaseUrl(setup);
      GatewayHarness.loadLines(setup, gatewayUrl, GatewayHarness.lines(GatewayHarness.FIXTURE));
      // the harness builds the fake OpenSPP database and its read-only login; its gateway is not needed here.
      // Only the fixture's clients: OpenSPP holds one identifier per registrant and ID type, which it breaks.
      List<String> clients = GatewayHarness.lines(GatewayHarness.FIXTURE).stream()
          .filter(l -> l.contains("\"kind\":\"ApiClient\"")).toList();
      OpensppHarness openspp = OpensppHarness.startWithLines(setup, clients, UnaryOperator.identity());
      opensppReaderUrl = openspp.readerUrl;
      openspp.stop();
    } finally {
      setup.close().await();
    }
  }

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  void deploy(Kind kind) throws Exception {
    deploy(kind == Kind.GATEWAY ? GatewayRegistrySource.INSTANCE
            : new OpensppRegistrySource(GatewayConfig.Db.DEFAULT_LANGUAGE),
        kind == Kind.GATEWAY ? gatewayUrl : opensppReaderUrl);
  }

  void deploy(RegistrySource source, String url) throws Exception {
    vertx.deployVerticle(new ClientDirectoryVerticle(source, url, LIMITS,
        new BreakerStates(new SimpleMeterRegistry()))).await(10, TimeUnit.SECONDS);
  }

  ClientRecord client(String clientId) {
    return body(vertx.eventBus().<ClientRecord>request(Addresses.CLIENT_LOOKUP, clientId));
  }

  Credentials credentials(String clientId) {
    return body(vertx.eventBus().<Credentials>request(Addresses.CREDENTIALS_LOOKUP, clientId));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  @DisplayName("a client lookup replies with the registry's client record")
  void clientLookupRepliesWithTheClientRecord(Kind kind) throws Exception {
    deploy(kind);

    ClientRecord legal = client("legal-client");
    assertThat(legal.clientId()).isEqualTo("legal-client");
    assertThat(legal.active()).isTrue();
    assertThat(legal.legalBasis()).isEqualTo("public_task");
    if (kind == Kind.GATEWAY) {
      assertThat(legal.organization()).isEqualTo("org-dswd");
    } else {
      // OpenSPP names the client's organisation by its res.partner id, as its consents do
      assertThat(legal.organization()).containsOnlyDigits();
    }
    assertThat(legal.organizationType()).isEqualTo("government");
    assertThat(legal.scopes()).isEqualTo(Set.of("individual:read", "group:read"));
    assertThat(legal.consentFiltered()).isFalse();

    ClientRecord ngo = client("consent-client");
    assertThat(ngo.legalBasis()).isEqualTo("consent");
    assertThat(ngo.consentFiltered()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  @DisplayName("a credentials lookup replies with the stored secret hash and scopes, never the plain secret")
  void credentialsLookupRepliesWithTheHashNeverThePlainSecret(Kind kind) throws Exception {
    deploy(kind);

    Credentials c = credentials("legal-client");
    assertThat(c.clientId()).isEqualTo("legal-client");
    assertThat(c.active()).isTrue();
    assertThat(c.scopes()).containsExactlyInAnyOrder("individual:read", "group:read");
    assertThat(c.secretHash()).startsWith(SecretHasher.PREFIX).doesNotContain("legal-client-secret");
    assertThat(SecretHasher.verify("legal-client-secret", c.secretHash())).isTrue();
    assertThat(c.toString()).doesNotContain(c.secretHash()).doesNotContain("legal-client-secret");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  @DisplayName("an unknown client fails both lookups with NOT_FOUND")
  void unknownClientFailsBothLookupsWithNotFound(Kind kind) throws Exception {
    deploy(kind);

    for (String address : List.of(Addresses.CLIENT_LOOKUP, Addresses.CREDENTIALS_LOOKUP)) {
      ReplyException failure = recipientFailure(vertx.eventBus().request(address, "no-such-client"));
      assertThat(failure.failureCode()).as(address).isEqualTo(Failure.NOT_FOUND.code());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  @DisplayName("an inactive client is returned, as inactive, by both lookups")
  void inactiveClientIsReturnedAsInactive(Kind kind) throws Exception {
    deploy(kind);

    assertThat(client("inactive-client").active()).isFalse();
    Credentials c = credentials("inactive-client");
    assertThat(c.active()).isFalse();
    assertThat(c.secretHash()).startsWith(SecretHasher.PREFIX);
  }

  @Test
  @DisplayName("registry down: both lookups fail REGISTRY_UNAVAILABLE, and the one breaker opened by either refuses both")
  void registryDownFailsBothLookupsThroughOneBreaker() throws Exception {
    try (FaultProxy proxy = FaultProxy.forUrl(gatewayUrl)) {
      deploy(GatewayRegistrySource.INSTANCE, proxy.url(gatewayUrl));
      assertThat(client("legal-client").active()).isTrue();

      proxy.refuse();
      // three registry failures on the client-record address open the breaker (maxFailures 3)
      for (int i = 0; i < 3; i++) {
        ReplyException failure = recipientFailure(vertx.eventBus().request(Addresses.CLIENT_LOOKUP, "legal-client"));
        assertThat(failure.failureCode()).isEqualTo(Failure.REGISTRY_UNAVAILABLE.code());
      }
      // the credentials address shares that breaker: refused at once, with a retry hint, registry untouched
      ReplyException refused = recipientFailure(vertx.eventBus().request(Addresses.CREDENTIALS_LOOKUP, "legal-client"));
      assertThat(refused.failureCode()).isEqualTo(Failure.REGISTRY_UNAVAILABLE.code());
      assertThat(refused.getMessage()).startsWith(Failure.RETRY_AFTER_PREFIX);
    }
  }
}
