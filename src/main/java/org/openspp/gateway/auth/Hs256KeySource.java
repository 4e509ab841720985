package org.openspp.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * The OpenSPP-compatible HS256 key source: the shared secret (its UTF-8 bytes, as OpenSPP and
 * {@link TokenMinter} use it), verifying only {@link JwsAlgorithm#HS256} tokens, with vertx-auth-jwt's
 * {@link JWTAuth} holding the key. The token reaches it only after {@link JoseToken} has pinned the algorithm
 * and refused key-location headers; the time-based and audience claims are checked by {@link TokenVerifier}
 * (with the configured leeway), so the provider checks the signature only. One provider per thread (event
 * loop): sharing one across event loops is not documented as safe.
 */
final class Hs256KeySource {

  private final String issuer;
  private final String audience;
  private final ThreadLocal<JWTAuth> providers;

  Hs256KeySource(Vertx vertx, String secret, String issuer, String audience) {
    this.issuer = issuer;
    this.audience = audience;
    JWTAuthOptions options = new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true));
    this.providers = ThreadLocal.withInitial(() -> JWTAuth.create(vertx, options));
  }

  String issuer() {
    return issuer;
  }

  String audience() {
    return audience;
  }

  /** Succeeds with true when {@code token} is HS256 and signed with the secret; never fails. */
  Future<Boolean> verify(JoseToken token) {
    if (token.algorithm() != JwsAlgorithm.HS256) {
      return Future.succeededFuture(false);
    }
    return providers.get().authenticate(new TokenCredentials(token.compact()))
        .map(user -> true)
        .otherwise(false);
  }
}
