package org.openspp.gateway.auth;

import static org.openspp.gateway.support.TestFutures.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.JoseTestKeys;
import org.openspp.gateway.support.JoseTestKeys.SigningKey;
import org.openspp.gateway.support.TestFutures;
import org.openspp.gateway.support.JwksTestServer;

/**
 * The JWKS key source (spec §4.1) against a local JWKS endpoint on 127.0.0.1: algorithms, rotation, the
 * refetch window, outages, the key-age gauge, issuer and audience per source, readiness, and thread safety.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("JWKS key source")
class JwksKeySourceTest {

  static final String ISSUER = "https://idp.test/realms/spp";
  static final String AUDIENCE = "spp-gateway";
  static final String HS_SECRET = "jwks-test-hs256-secret-0123456789abcdef";
  static final String HS_ISSUER = "openspp-api-v2";
  static final String HS_AUDIENCE = "openspp";

  static final SigningKey RS = JoseTestKeys.rsa("rs-1", "RS256");
  static final SigningKey PS = JoseTestKeys.rsa("ps-1", "PS256");
  static final SigningKey ES = JoseTestKeys.ec("es-1");

  final List<TokenVerifier> verifiers = new ArrayList<>();
  JwksTestServer server;

  @AfterEach
  void tearDown() throws Exception {
    for (TokenVerifier v : verifiers) {
      await(v.close());
    }
    if (server != null) {
      server.stop();
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------------


  static JsonObject claims(String clientId) {
    return JoseTestKeys.claims(ISSUER, AUDIENCE, clientId);
  }

  GatewayConfig.Auth auth(UnaryOperator<GatewayConfig.Jwks> tweak) {
    GatewayConfig.Jwks jwks = tweak.apply(new GatewayConfig.Jwks(server.url(), ISSUER, AUDIENCE, 300, 30, 2000));
    return new GatewayConfig.Auth(HS_SECRET, HS_ISSUER, HS_AUDIENCE, 30, 10_000).withJwks(jwks);
  }

  TokenVerifier verifier(Vertx vertx, GatewayConfig.Auth auth, io.micrometer.core.instrument.MeterRegistry meters)
      throws Exception {
    TokenVerifier v = TokenVerifier.create(vertx, auth, meters);
    verifiers.add(v);
    await(v.ready());
    return v;
  }

  TokenVerifier verifier(Vertx vertx) throws Exception {
    return verifier(vertx, auth(UnaryOperator.identity()), null);
  }

  static String clientOf(TokenVerifier v, String token) throws Exception {
    return await(v.verify("Bearer " + token));
  }

  /** The token with one character in the middle of its signature changed (never only padding bits). */
  static String tamperSignature(String token) {
    int dot = token.lastIndexOf('.');
    int i = dot + (token.length() - dot) / 2;
    char c = token.charAt(i) == 'A' ? 'B' : 'A';
    return token.substring(0, i) + c + token.substring(i + 1);
  }

  static void eventually(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition) throws Exception {
    TestFutures.eventually(vertx, timeoutMs, what, condition);
  }

  /** Lets {@code ms} pass on a Vert.x timer: for checks that something does NOT happen meanwhile. */
  static void pause(Vertx vertx, long ms) throws Exception {
    await(vertx.timer(ms, TimeUnit.MILLISECONDS));
  }

  static void assertRejected(TokenVerifier v, String token, String detail) {
    assertThatThrownBy(() -> clientOf(v, token))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage(detail);
  }

  // --- tests ---------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("RS256, ES256 and PS256 tokens signed with keys in the set verify and name their client")
  void algorithms(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk(), ES.publicJwk(), PS.publicJwk()));
    TokenVerifier v = verifier(vertx);

    assertThat(clientOf(v, RS.sign(claims("rs-client")))).isEqualTo("rs-client");
    assertThat(clientOf(v, ES.sign(claims("es-client")))).isEqualTo("es-client");
    assertThat(clientOf(v, PS.sign(claims("ps-client")))).isEqualTo("ps-client");
    assertThat(server.hits()).isEqualTo(1);
  }

  @Test
  @DisplayName("a JWK's alg pins its key: an RS256 key refuses a PS256 token with its kid; a JWK without alg takes both")
  void keyAlgorithmPinned(Vertx vertx) throws Exception {
    SigningKey noAlg = JoseTestKeys.rsa("rsa-any", null);
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk(), noAlg.publicJwk()));
    TokenVerifier v = verifier(vertx);

    String psWithRsKey = RS.sign(new JsonObject().put("alg", "PS256").put("kid", RS.kid()), claims("c"));
    assertRejected(v, psWithRsKey, "Invalid token");
    assertThat(clientOf(v, noAlg.sign(new JsonObject().put("alg", "RS256").put("kid", "rsa-any"), claims("a"))))
        .isEqualTo("a");
    assertThat(clientOf(v, noAlg.sign(new JsonObject().put("alg", "PS256").put("kid", "rsa-any"), claims("b"))))
        .isEqualTo("b");
    assertThat(server.hits()).as("a known kid with a misfitting alg causes no refetch").isEqualTo(1);
  }

  @Test
  @DisplayName("keys that cannot verify tokens (encryption, oct, 1024-bit RSA, P-384, no kid) are ignored; an oct key never verifies HS256")
  void unusableKeysIgnored(Vertx vertx) throws Exception {
    SigningKey weak = JoseTestKeys.rsa("weak", "RS256", 1024);
    JsonObject enc = JoseTestKeys.rsa("enc", null).publicJwk().put("use", "enc").put("alg", "RSA-OAEP");
    byte[] octSecret = "an-oct-key-published-in-the-jwks-0123456789".getBytes();
    JsonObject oct = new JsonObject().put("kty", "oct").put("kid", "oct").put("alg", "HS256")
        .put("k", JoseTestKeys.b64(octSecret));
    JsonObject p384 = new JsonObject(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_384)
        .keyID("p384").generate().toPublicJWK().toJSONObject());
    JsonObject noKid = RS.publicJwk().copy();
    noKid.remove("kid");
    server = JwksTestServer.start(vertx, List.of(weak.publicJwk(), enc, oct, p384, noKid, ES.publicJwk()));
    TokenVerifier v = verifier(vertx);

    assertRejected(v, weak.sign(claims("c")), "Invalid token");
    assertRejected(v, JoseTestKeys.hmac(octSecret, new JsonObject().put("alg", "HS256").put("kid", "oct"),
        claims("c")), "Invalid token");
    assertThat(clientOf(v, ES.sign(claims("es")))).isEqualTo("es");
  }

  @Test
  @DisplayName("rotation: a token with a new kid is accepted after exactly one refetch")
  void rotation(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    TokenVerifier v = verifier(vertx);
    assertThat(server.hits()).isEqualTo(1);

    SigningKey next = JoseTestKeys.rsa("rs-2", "RS256");
    server.setKeys(List.of(RS.publicJwk(), next.publicJwk()));

    assertThat(clientOf(v, next.sign(claims("rotated")))).isEqualTo("rotated");
    assertThat(server.hits()).isEqualTo(2);
    assertThat(clientOf(v, next.sign(claims("again")))).isEqualTo("again");
    assertThat(clientOf(v, RS.sign(claims("old")))).isEqualTo("old");
    assertThat(server.hits()).as("known kids cause no fetch").isEqualTo(2);
  }

  @Test
  @DisplayName("a flood of 50 unknown kids, at once and one by one, causes at most one refetch per 30 s window")
  void unknownKidFlood(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    TokenVerifier v = verifier(vertx);
    SigningKey stranger = JoseTestKeys.rsa("unused", "RS256");

    List<Future<String>> flood = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String token = stranger.sign(new JsonObject().put("alg", "RS256").put("kid", "unknown-" + i), claims("c"));
      flood.add(v.verify("Bearer " + token));
    }
    for (Future<String> f : flood) {
      assertThatThrownBy(() -> await(f)).isInstanceOf(AuthenticationException.class).hasMessage("Invalid token");
    }
    for (int i = 50; i < 100; i++) {
      assertRejected(v, stranger.sign(new JsonObject().put("alg", "RS256").put("kid", "unknown-" + i), claims("c")),
          "Invalid token");
    }
    assertThat(server.hits()).as("the first fetch plus at most one refetch").isLessThanOrEqualTo(2);

    SigningKey added = JoseTestKeys.rsa("added-within-window", "RS256");
    server.setKeys(List.of(RS.publicJwk(), added.publicJwk()));
    assertRejected(v, added.sign(claims("c")), "Invalid token");
    assertThat(server.hits()).as("still inside the window: no fetch").isLessThanOrEqualTo(2);
  }

  @Test
  @DisplayName("the refetch window reopens after minRefetchSeconds: one more fetch, then quiet again")
  void refetchWindowReopens(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    TokenVerifier v = verifier(vertx, auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 300, 1, 2000)), null);
    SigningKey stranger = JoseTestKeys.rsa("unused", "RS256");

    assertRejected(v, stranger.sign(claims("c")), "Invalid token");
    assertThat(server.hits()).isEqualTo(2);
    assertRejected(v, stranger.sign(claims("c")), "Invalid token");
    assertThat(server.hits()).isEqualTo(2);
    pause(vertx, 1100);
    assertRejected(v, stranger.sign(claims("c")), "Invalid token");
    assertRejected(v, stranger.sign(claims("c")), "Invalid token");
    assertThat(server.hits()).isEqualTo(3);
  }

  @Test
  @DisplayName("the set is refetched on its TTL: a removed key stops verifying, an added one starts")
  void ttlRefresh(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TokenVerifier v = verifier(vertx, auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 1, 30, 2000)), meters);
    Gauge age = meters.find("gateway.jwks.key.age").tag("source", "jwks").gauge();
    String oldToken = RS.sign(claims("old"));
    assertThat(clientOf(v, oldToken)).isEqualTo("old");

    server.setKeys(List.of(ES.publicJwk()));
    long changed = System.nanoTime();
    // a fetch after the change has been installed: the key age is younger than the change
    eventually(vertx, 5000, "a refresh after the key change", () -> server.hits() >= 2
        && age.value() * 1e9 < System.nanoTime() - changed);
    assertThat(server.hits()).as("a refresh without any token asking for it").isGreaterThanOrEqualTo(2);
    assertRejected(v, oldToken, "Invalid token");
    assertThat(clientOf(v, ES.sign(claims("new")))).isEqualTo("new");
  }

  @Test
  @DisplayName("with the JWKS server down, tokens with the last good keys still verify; when it is back, refreshes resume")
  void idpDownKeepsLastGoodKeys(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk(), ES.publicJwk()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TokenVerifier v = verifier(vertx, auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 1, 1, 500)), meters);
    Gauge age = meters.find("gateway.jwks.key.age").tag("source", "jwks").gauge();

    server.stop();
    eventually(vertx, 10_000, "the key age passes 2 s while fetches fail", () -> age.value() > 2.0);
    assertThat(clientOf(v, RS.sign(claims("still-rs")))).isEqualTo("still-rs");
    assertThat(clientOf(v, ES.sign(claims("still-es")))).isEqualTo("still-es");
    assertRejected(v, JoseTestKeys.rsa("new-during-outage", "RS256").sign(claims("c")), "Invalid token");
    assertThat(age.value()).as("key age keeps growing while fetches fail").isGreaterThan(2.0);

    server.restart();
    eventually(vertx, 5000, "a successful refresh after the restart", () -> age.value() <= 1.5);
    assertThat(age.value()).as("a successful refresh resets the age").isLessThan(1.5);
    assertThat(clientOf(v, RS.sign(claims("after")))).isEqualTo("after");
  }

  @Test
  @DisplayName("a failing IdP answer (HTTP 503, not JSON, no usable key) keeps the last good keys too")
  void badAnswersKeepLastGoodKeys(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    TokenVerifier v = verifier(vertx, auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 1, 1, 1000)), null);

    server.failWith(503);
    awaitTwoMoreFetches(vertx);
    assertThat(clientOf(v, RS.sign(claims("a")))).isEqualTo("a");
    server.failWith(0);
    server.setDocument(new JsonObject().put("keys", new JsonArray()));
    awaitTwoMoreFetches(vertx);
    assertThat(clientOf(v, RS.sign(claims("b")))).isEqualTo("b");
    server.setDocument(new JsonObject().put("not", "a jwks"));
    awaitTwoMoreFetches(vertx);
    assertThat(clientOf(v, RS.sign(claims("c")))).isEqualTo("c");
    assertThat(server.hits()).isGreaterThanOrEqualTo(4);
  }

  /**
   * Waits until the server has been asked twice more: fetches never overlap, so the first of them (which saw
   * the server's new answer) has been applied by then.
   */
  void awaitTwoMoreFetches(Vertx vertx) throws Exception {
    int before = server.hits();
    eventually(vertx, 10_000, "two more fetches", () -> server.hits() >= before + 2);
  }

  @Test
  @DisplayName("the key age gauge (gateway_jwks_key_age_seconds{source=\"jwks\"}) is present and grows")
  void keyAgeGauge(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    verifier(vertx, auth(UnaryOperator.identity()), meters);

    Gauge age = meters.find("gateway.jwks.key.age").tag("source", "jwks").gauge();
    assertThat(age).isNotNull();
    assertThat(age.getId().getBaseUnit()).isEqualTo("seconds");
    double first = age.value();
    assertThat(first).isBetween(0.0, 5.0);
    eventually(vertx, 5000, "the key age grows", () -> age.value() > first);
    assertThat(age.value()).isGreaterThan(first);
    assertThat(meters.scrape()).contains("gateway_jwks_key_age_seconds{source=\"jwks\"}");
  }

  @Test
  @DisplayName("without a JWKS source no key age gauge is registered and RS/ES/PS tokens are refused")
  void noJwksSourceNoGauge(Vertx vertx) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TokenVerifier v = TokenVerifier.create(vertx, new GatewayConfig.Auth(HS_SECRET, HS_ISSUER, HS_AUDIENCE, 30, 0),
        meters);
    verifiers.add(v);
    await(v.ready());

    assertThat(meters.find("gateway.jwks.key.age").gauge()).isNull();
    assertRejected(v, RS.sign(claims("c")), "Invalid token");
  }

  @Test
  @DisplayName("issuer and audience are enforced per source: each source accepts only its own iss and aud")
  void issuerAudiencePerSource(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    TokenVerifier v = verifier(vertx);
    org.openspp.gateway.auth.TokenMinter hs = new org.openspp.gateway.auth.TokenMinter(HS_SECRET, HS_ISSUER,
        HS_AUDIENCE);
    JsonObject hsHeader = new JsonObject().put("alg", "HS256").put("typ", "JWT");

    assertThat(clientOf(v, RS.sign(claims("jwks-client")))).isEqualTo("jwks-client");
    assertThat(clientOf(v, RS.sign(claims("arr").put("aud", new JsonArray().add("account").add(AUDIENCE)))))
        .isEqualTo("arr");
    assertThat(clientOf(v, hs.sign(hsHeader, JoseTestKeys.claims(HS_ISSUER, HS_AUDIENCE, "hs-client"))))
        .isEqualTo("hs-client");

    assertRejected(v, RS.sign(JoseTestKeys.claims(HS_ISSUER, HS_AUDIENCE, "c")), "Invalid token");
    assertRejected(v, RS.sign(claims("c").put("iss", ISSUER + "/")), "Invalid token");
    assertRejected(v, RS.sign(claims("c").put("aud", "account")), "Invalid token");
    assertRejected(v, hs.sign(hsHeader, claims("c")), "Invalid token");
    assertRejected(v, hs.sign(hsHeader, JoseTestKeys.claims(HS_ISSUER, AUDIENCE, "c")), "Invalid token");
  }

  @Test
  @DisplayName("ready() completes only after the first fetch has answered")
  void readyWaitsForFirstFetch(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    server.hold();
    TokenVerifier v = TokenVerifier.create(vertx, auth(UnaryOperator.identity()), null);
    verifiers.add(v);
    Future<Void> ready = v.ready();

    eventually(vertx, 5000, "the first fetch reaches the server", () -> server.hits() >= 1);
    pause(vertx, 300);
    assertThat(server.hits()).isEqualTo(1);
    assertThat(ready.isComplete()).as("ready while the first fetch is held").isFalse();

    server.release();
    await(ready);
    assertThat(clientOf(v, RS.sign(claims("c")))).isEqualTo("c");
  }

  @Test
  @DisplayName("a first fetch that keeps failing fails ready() after 3 attempts, naming auth.jwks.url and the cause")
  void firstFetchFailureFailsReady(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    server.failWith(500);
    TokenVerifier v = TokenVerifier.create(vertx,
        auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 300, 30, 1000)), null);
    verifiers.add(v);

    assertThatThrownBy(() -> await(v.ready()))
        .hasMessageContaining("auth.jwks.url")
        .hasMessageContaining(server.url().replace("http://", ""))
        .hasMessageContaining("3 attempts")
        .hasMessageContaining("HTTP 500");
    assertThat(server.hits()).isEqualTo(3);
  }

  @Test
  @DisplayName("an unreachable JWKS URL fails ready() within a bounded time")
  void unreachableFailsReady(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    server.stop();
    long started = System.nanoTime();
    TokenVerifier v = TokenVerifier.create(vertx,
        auth(j -> new GatewayConfig.Jwks(j.url(), ISSUER, AUDIENCE, 300, 30, 500)), null);
    verifiers.add(v);

    assertThatThrownBy(() -> await(v.ready())).hasMessageContaining("auth.jwks.url");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5000);
  }

  @Test
  @DisplayName("verification is safe on several event loops at once, and a refetch hands each caller back its own context")
  void concurrentEventLoops(Vertx vertx) throws Exception {
    server = JwksTestServer.start(vertx, List.of(RS.publicJwk(), ES.publicJwk(), PS.publicJwk()));
    TokenVerifier v = verifier(vertx);
    SigningKey rotated = JoseTestKeys.ec("es-rotated");
    server.setKeys(List.of(RS.publicJwk(), ES.publicJwk(), PS.publicJwk(), rotated.publicJwk()));
    List<String> tokens = new ArrayList<>();
    for (SigningKey k : List.of(RS, ES, PS, rotated)) {
      for (int i = 0; i < 10; i++) {
        tokens.add(k.sign(claims(k.kid() + "-" + i)));
      }
    }
    String forged = tamperSignature(RS.sign(claims("x")));

    String deployment = await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        Context own = context;
        List<Future<?>> checks = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
          for (String token : tokens) {
            checks.add(v.verify("Bearer " + token).transform(ar -> {
              if (Vertx.currentContext() != own) {
                return Future.failedFuture("continued on another context");
              }
              return ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause());
            }));
          }
          checks.add(v.verify("Bearer " + forged).transform(ar -> ar.failed()
              ? Future.succeededFuture() : Future.failedFuture("forged token accepted")));
        }
        return Future.all(checks);
      }
    }, new DeploymentOptions().setInstances(4)));
    await(vertx.undeploy(deployment));
    assertThat(server.hits()).as("one refetch for the rotated kid, shared by every event loop").isEqualTo(2);
  }
}
