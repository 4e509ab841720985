package org.openspp.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.openspp.gateway.config.GatewayConfig;

/**
 * Verifies {@code Authorization: Bearer} tokens and returns the calling client (spec §4.1, §4.2). Two key
 * sources, each pinned to its algorithms, may be configured at once:
 *
 * <ul>
 *   <li>HS256 with the OpenSPP-compatible shared secret ({@code auth.jwt.*});</li>
 *   <li>RS256, PS256 and ES256 with the keys of a JWKS URL ({@code auth.jwks.*}, see {@link JwksKeySource}):
 *       the token's {@code kid} must name a key of the set whose type and {@code alg} fit the token's
 *       {@code alg}.</li>
 * </ul>
 *
 * <p>One verification path for both: Nimbus JOSE+JWT's {@link DefaultJWTProcessor} with a
 * key selector pinned to the source's algorithms: {@link SingleKeyJWSKeySelector} over the secret (HS256 only;
 * the secret has no {@code kid}, so a {@code kid} header plays no part), {@link JWSVerificationKeySelector} over
 * the JWKS snapshot ({@link JwksSnapshot}; RS256, PS256, ES256, key chosen by {@code kid}, type and {@code alg}). Before it, {@link CompactJws} applies
 * the gateway's policy: canonical base64url, strict JSON, accepted algorithms only ({@code none} and every other
 * one refused), no {@code jku}, {@code x5u}, {@code jwk}, {@code x5c} or {@code crit} headers, bounded
 * {@code kid}, low-s ES256 signatures. The token's {@code alg} chooses the source before any key is touched: an
 * HS256 token is never checked against RSA or EC key material, nor an RS/PS/ES token against the secret.
 * After the signature: the claims must parse (Nimbus refuses an {@code exp}, {@code iat} or {@code nbf} that is
 * not a number, an {@code iss} that is not a string...), the payload must be strict JSON, {@code exp} is
 * required and checked with {@code auth.jwt.leewaySeconds}, a future {@code nbf} is refused, and {@code iss}
 * and {@code aud} must be the verifying source's own. Failures are {@link AuthenticationException}s holding the
 * contract's 401 strings; nothing here queries the client registry.
 *
 * <p>A token accepted once is kept in a {@link VerifiedTokenCache}: the same token string is not verified again
 * while it has not expired and, for JWKS tokens, the key snapshot that verified it is still the current one.
 *
 * <p>One instance serves every HTTP verticle of the process. It is thread-safe: the processors are configured
 * once and keep no per-call state, the JWKS set is an immutable snapshot, and the only asynchronous path (a
 * refetch for an unknown {@code kid}) hands its result back on the caller's own context.
 */
public final class TokenVerifier {

  /** Longest token accepted; a longer one is refused before any decoding. */
  static final int MAX_TOKEN_LENGTH = 8192;

  private final DefaultJWTProcessor<SecurityContext> hs256;
  private final String hsIssuer;
  private final String hsAudience;
  private final JwksKeySource jwks;
  private final long leewaySeconds;
  private final boolean tokenScopes;
  private final VerifiedTokenCache cache;

  private TokenVerifier(GatewayConfig.Auth config, JwksKeySource jwks) {
    // the secret has no kid: a kid header on an HS256 token does not take part in choosing it (as before)
    this.hs256 = config.jwtSecret() == null ? null : processor(new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256,
        new SecretKeySpec(config.jwtSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256")));
    this.hsIssuer = config.issuer();
    this.hsAudience = config.audience();
    this.jwks = jwks;
    this.leewaySeconds = config.leewaySeconds();
    this.tokenScopes = config.tokenScopes();
    this.cache = new VerifiedTokenCache(config.leewaySeconds());
  }

  /**
   * A verifier for the configured key sources, shared by every HTTP verticle of the process (thread-safe);
   * with no key source configured every token is refused. A JWKS source starts its first fetch at once, on the
   * calling context (call this from the deploying verticle's {@code start()}).
   *
   * @param meters where key-source meters (JWKS key age) are recorded; may be {@code null}
   */
  public static TokenVerifier create(Vertx vertx, GatewayConfig.Auth config, MeterRegistry meters) {
    JwksKeySource keySet = config.jwks() == null ? null : JwksKeySource.start(vertx, config.jwks(), meters);
    return new TokenVerifier(config, keySet);
  }

  /**
   * A Nimbus processor that checks the signature only, with the keys {@code selector} yields for the algorithms
   * it is pinned to. The {@code typ} header was checked by {@link CompactJws}; the claims are checked by
   * {@link #checkClaims} with the configured leeway and the contract's messages.
   */
  static DefaultJWTProcessor<SecurityContext> processor(JWSKeySelector<SecurityContext> selector) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(selector);
    p.setJWSTypeVerifier((type, context) -> { });
    p.setJWTClaimsSetVerifier((claims, context) -> { });
    return p;
  }

  /**
   * Completes once every key source holds keys (before the gateway reports ready): at once for HS256, after
   * the first successful fetch for JWKS. Fails, with a message naming {@code auth.jwks.url}, when the JWKS
   * cannot be fetched at start-up.
   */
  public Future<Void> ready() {
    return jwks == null ? Future.succeededFuture() : onCallerContext(Vertx.currentContext(), jwks.ready());
  }

  /** Stops the JWKS source's refreshes and closes its HTTP client (Vert.x also does this when it closes). */
  public Future<Void> close() {
    return jwks == null ? Future.succeededFuture() : jwks.close();
  }

  /**
   * Verifies the {@code Authorization} header value.
   *
   * @return the client id claim ({@code client_id}, else {@code azp}, else {@code sub}); a failed future
   *     holds an {@link AuthenticationException}
   */
  public Future<String> verify(String authorization) {
    return authenticate(authorization).map(VerifiedToken::clientId);
  }

  /**
   * Verifies the {@code Authorization} header value, like {@link #verify(String)}, and also returns the token's
   * scopes when {@code auth.tokenScopes} is on (see {@link VerifiedToken#narrow}). The future completes on the
   * caller's context: at once for a known key, after at most one bounded JWKS fetch for an unknown {@code kid}.
   */
  public Future<VerifiedToken> authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return Future.failedFuture(AuthenticationException.missing());
    }
    String header = authorization.strip();
    int space = header.indexOf(' ');
    if (space < 0 || !header.substring(0, space).equalsIgnoreCase("Bearer")) {
      return Future.failedFuture(AuthenticationException.missing());
    }
    String token = header.substring(space + 1).strip();
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return invalid();
    }
    VerifiedToken cached = cache.lookup(token, jwks == null ? null : jwks.keys(),
        System.currentTimeMillis() / 1000);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    try {
      CompactJws jws = CompactJws.parse(token);
      if (JWSAlgorithm.HS256.equals(jws.algorithm())) {
        if (hs256 == null) {
          return invalid();
        }
        return Future.succeededFuture(
            verify(hs256, jws, hsIssuer, hsAudience, token, VerifiedTokenCache.SHARED_SECRET));
      }
      if (jwks == null || jws.kid() == null) {
        return invalid();
      }
      JwksSnapshot keys = jwks.keys();
      if (keys != null && keys.knows(jws.kid())) {
        return Future.succeededFuture(verify(keys.processor(), jws, jwks.issuer(), jwks.audience(), token, keys));
      }
      Context caller = Vertx.currentContext();
      return onCallerContext(caller, jwks.refetchForUnknownKid()).compose(v -> {
        JwksSnapshot refreshed = jwks.keys();
        if (refreshed == null || !refreshed.knows(jws.kid())) {
          return invalid();
        }
        try {
          return Future.succeededFuture(
              verify(refreshed.processor(), jws, jwks.issuer(), jwks.audience(), token, refreshed));
        } catch (AuthenticationException e) {
          return Future.failedFuture(e);
        }
      });
    } catch (AuthenticationException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The signature (by Nimbus, with the source's keys), a strict payload, then the claims; an accepted token is
   * kept in the cache under {@code token} with the {@code keys} it was verified with.
   */
  private VerifiedToken verify(DefaultJWTProcessor<SecurityContext> processor, CompactJws jws, String issuer,
      String audience, String token, Object keys) {
    JWTClaimsSet claims;
    try {
      claims = processor.process(jws.jwt(), null);
    } catch (BadJOSEException | JOSEException | RuntimeException e) {
      // a bad signature, no fitting key, or claims that do not parse (a text exp, a numeric iss...)
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    if (!jws.strictPayload()) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    VerifiedToken verified = checkClaims(claims, issuer, audience);
    cache.store(token, verified, Math.floorDiv(claims.getExpirationTime().getTime(), 1000), keys);
    return verified;
  }

  /** Tokens currently kept as verified (tests). */
  int cachedTokens() {
    return cache.size();
  }

  /** The claim checks of a token whose signature a source has verified, against that source's iss and aud. */
  private VerifiedToken checkClaims(JWTClaimsSet claims, String issuer, String audience) {
    long now = System.currentTimeMillis() / 1000;
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    if (now > Math.floorDiv(exp.getTime(), 1000) + leewaySeconds) {
      throw rejected(AuthenticationException.TOKEN_EXPIRED);
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && Math.floorDiv(nbf.getTime(), 1000) > now + leewaySeconds) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    List<String> aud = claims.getAudience();
    if (!issuer.equals(claims.getIssuer()) || aud == null || !aud.contains(audience)) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    for (String claim : List.of("client_id", "azp", "sub")) {
      if (claims.getClaim(claim) instanceof String id && !id.isBlank()) {
        return new VerifiedToken(id, tokenScopes ? VerifiedToken.scopesOf(new JsonObject(claims.toJSONObject()))
            : null);
      }
    }
    throw rejected(AuthenticationException.MISSING_CLIENT_ID);
  }

  /**
   * {@code f}'s outcome delivered on {@code caller} (when there is one): a future completed on the JWKS
   * source's context must not run the caller's continuation (an HTTP verticle's event-loop-confined code) on
   * that other thread.
   */
  private static <T> Future<T> onCallerContext(Context caller, Future<T> f) {
    if (caller == null) {
      return f;
    }
    Promise<T> promise = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == caller) {
        promise.handle(ar);
      } else {
        caller.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }

  private static AuthenticationException rejected(String detail) {
    return AuthenticationException.rejected(detail);
  }

  private static <T> Future<T> invalid() {
    return Future.failedFuture(rejected(AuthenticationException.INVALID_TOKEN));
  }
}
