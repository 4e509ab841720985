package org.openspp.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openspp.gateway.support.TestFutures.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.JoseTestKeys;

/**
 * Verified tokens are reused, and a reuse answers what full verification would: expiry is checked on every use,
 * any other spelling of a token is verified in full, and the cache stays bounded. (Key rotation under the
 * cache: JwksKeySourceTest "a removed key stops verifying".)
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("verified-token cache")
class VerifiedTokenCacheTest {

  static final String SECRET = "cache-test-hs256-secret-0123456789abcdef";
  static final String ISSUER = "openspp-api-v2";
  static final String AUDIENCE = "openspp";
  static final JsonObject HEADER = new JsonObject().put("alg", "HS256").put("typ", "JWT");

  TokenVerifier verifier;

  @AfterEach
  void close() throws Exception {
    if (verifier != null) {
      await(verifier.close());
    }
  }

  TokenVerifier verifier(Vertx vertx, long leewaySeconds) {
    verifier = TokenVerifier.create(vertx, new GatewayConfig.Auth(SECRET, ISSUER, AUDIENCE, leewaySeconds, 10_000),
        null);
    return verifier;
  }

  static String token(String clientId, long expiresAt) {
    JsonObject claims = JoseTestKeys.claims(ISSUER, AUDIENCE, clientId).put("exp", expiresAt);
    return JoseTestKeys.hmac(SECRET.getBytes(StandardCharsets.UTF_8), HEADER, claims);
  }

  static String clientOf(TokenVerifier v, String token) throws Exception {
    return await(v.verify("Bearer " + token));
  }

  @Test
  @DisplayName("a token used twice is verified once and names the same client both times")
  void repeatedTokenVerifiedOnce(Vertx vertx) throws Exception {
    TokenVerifier v = verifier(vertx, 30);
    String token = token("repeat", Instant.now().getEpochSecond() + 600);
    assertThat(clientOf(v, token)).isEqualTo("repeat");
    assertThat(clientOf(v, token)).isEqualTo("repeat");
    assertThat(v.cachedTokens()).isEqualTo(1);
  }

  @Test
  @DisplayName("a cached token that expires is refused as expired from then on (exp checked on every use)")
  void cachedTokenExpires(Vertx vertx) throws Exception {
    TokenVerifier v = verifier(vertx, 0);
    String token = token("short-lived", Instant.now().getEpochSecond() + 1);
    assertThat(clientOf(v, token)).isEqualTo("short-lived");
    assertThat(v.cachedTokens()).isEqualTo(1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    boolean refused = false;
    while (!refused && System.nanoTime() < deadline) {
      try {
        clientOf(v, token);
        await(vertx.timer(50, TimeUnit.MILLISECONDS));
      } catch (AuthenticationException e) {
        assertThat(e).hasMessage(AuthenticationException.TOKEN_EXPIRED);
        refused = true;
      }
    }
    assertThat(refused).as("refused within 5 s of its exp").isTrue();
    assertThatThrownBy(() -> clientOf(v, token)).hasMessage(AuthenticationException.TOKEN_EXPIRED);
  }

  @Test
  @DisplayName("after a token is cached, a copy with an altered signature or extra whitespace inside is still refused")
  void alteredCopyVerifiedInFull(Vertx vertx) throws Exception {
    TokenVerifier v = verifier(vertx, 30);
    String token = token("original", Instant.now().getEpochSecond() + 600);
    assertThat(clientOf(v, token)).isEqualTo("original");
    String tampered = JwksKeySourceTest.tamperSignature(token);
    assertThatThrownBy(() -> clientOf(v, tampered)).hasMessage(AuthenticationException.INVALID_TOKEN);
    String padded = token.replace(".", "=.");
    assertThatThrownBy(() -> clientOf(v, padded)).hasMessage(AuthenticationException.INVALID_TOKEN);
    assertThat(v.cachedTokens()).isEqualTo(1);
  }

  @Test
  @DisplayName("more distinct tokens than the cache holds all verify, and the cache never exceeds its bound")
  void bounded(Vertx vertx) throws Exception {
    TokenVerifier v = verifier(vertx, 30);
    long exp = Instant.now().getEpochSecond() + 600;
    for (int i = 0; i < VerifiedTokenCache.MAX_ENTRIES + 100; i++) {
      assertThat(clientOf(v, token("client-" + i, exp))).isEqualTo("client-" + i);
      assertThat(v.cachedTokens()).isLessThanOrEqualTo(VerifiedTokenCache.MAX_ENTRIES);
    }
  }
}
