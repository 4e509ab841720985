package org.openspp.gateway.auth;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
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
 * <p>The token's {@code alg} chooses the source before any key is touched, and each source verifies only its
 * own algorithms with its own key type: an HS256 token is never checked against RSA or EC key material, nor an
 * RS/PS/ES token against the secret. {@code none} and every other algorithm are refused, as are {@code jku},
 * {@code x5u}, {@code jwk}, {@code x5c} and {@code crit} headers (see {@link JoseToken}). After the signature:
 * {@code exp} is required and checked with {@code auth.jwt.leewaySeconds}, a future {@code nbf} is refused,
 * and {@code iss} and {@code aud} must be the verifying source's own. Failures are
 * {@link AuthenticationException}s holding the contract's 401 strings; nothing here queries the client
 * registry.
 *
 * <p>One instance serves every HTTP verticle of the process. It is thread-safe: key material is immutable or
 * per-thread (HMAC), the JWKS set is an immutable snapshot, and the only asynchronous path (a refetch for an
 * unknown {@code kid}) hands its result back on the caller's own context.
 */
public final class TokenVerifier {

  /** Longest token accepted; a longer one is refused before any decoding. */
  static final int MAX_TOKEN_LENGTH = 8192;

  private final Hs256KeySource hs256;
  private final JwksKeySource jwks;
  private final long leewaySeconds;
  private final boolean tokenScopes;

  private TokenVerifier(Hs256KeySource hs256, JwksKeySource jwks, long leewaySeconds, boolean tokenScopes) {
    this.hs256 = hs256;
    this.jwks = jwks;
    this.leewaySeconds = leewaySeconds;
    this.tokenScopes = tokenScopes;
  }

  /**
   * A verifier for the configured key sources, shared by every HTTP verticle of the process (thread-safe);
   * with no key source configured every token is refused. A JWKS source starts its first fetch at once, on the
   * calling context (call this from the deploying verticle's {@code start()}).
   *
   * @param meters where key-source meters (JWKS key age) are recorded; may be {@code null}
   */
  public static TokenVerifier create(Vertx vertx, GatewayConfig.Auth config, MeterRegistry meters) {
    Hs256KeySource hs = config.jwtSecret() == null ? null
        : new Hs256KeySource(vertx, config.jwtSecret(), config.issuer(), config.audience());
    JwksKeySource keySet = config.jwks() == null ? null : JwksKeySource.start(vertx, config.jwks(), meters);
    return new TokenVerifier(hs, keySet, config.leewaySeconds(), config.tokenScopes());
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
    try {
      JoseToken jws = JoseToken.parse(token);
      if (jws.algorithm() == JwsAlgorithm.HS256) {
        if (hs256 == null) {
          return invalid();
        }
        return hs256.verify(jws).compose(signed -> {
          if (!signed) {
            return invalid();
          }
          try {
            return Future.succeededFuture(checkClaims(jws.claims(), hs256.issuer(), hs256.audience()));
          } catch (AuthenticationException e) {
            return Future.failedFuture(e);
          }
        });
      }
      if (jwks == null || jws.kid() == null) {
        return invalid();
      }
      JwkSet keys = jwks.keys();
      if (keys != null && keys.knows(jws.kid())) {
        return Future.succeededFuture(verifyWithJwks(keys, jws));
      }
      Context caller = Vertx.currentContext();
      return onCallerContext(caller, jwks.refetchForUnknownKid()).compose(v -> {
        JwkSet refreshed = jwks.keys();
        if (refreshed == null || !refreshed.knows(jws.kid())) {
          return invalid();
        }
        try {
          return Future.succeededFuture(verifyWithJwks(refreshed, jws));
        } catch (AuthenticationException e) {
          return Future.failedFuture(e);
        }
      });
    } catch (AuthenticationException e) {
      return Future.failedFuture(e);
    }
  }

  private VerifiedToken verifyWithJwks(JwkSet keys, JoseToken jws) {
    if (!keys.verify(jws.kid(), jws.algorithm(), jws.signingInput(), jws.signature())) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    return checkClaims(jws.claims(), jwks.issuer(), jwks.audience());
  }

  /** The claim checks of a token whose signature a source has verified, against that source's iss and aud. */
  private VerifiedToken checkClaims(JsonObject claims, String issuer, String audience) {
    long now = System.currentTimeMillis() / 1000;
    if (!(claims.getValue("exp") instanceof Number exp)) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    if (now > exp.longValue() + leewaySeconds) {
      throw rejected(AuthenticationException.TOKEN_EXPIRED);
    }
    Object nbf = claims.getValue("nbf");
    if (nbf != null && (!(nbf instanceof Number n) || n.longValue() > now + leewaySeconds)) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    if (!issuer.equals(claims.getValue("iss")) || !audienceMatches(claims.getValue("aud"), audience)) {
      throw rejected(AuthenticationException.INVALID_TOKEN);
    }
    for (String claim : List.of("client_id", "azp", "sub")) {
      if (claims.getValue(claim) instanceof String id && !id.isBlank()) {
        return new VerifiedToken(id, tokenScopes ? VerifiedToken.scopesOf(claims) : null);
      }
    }
    throw rejected(AuthenticationException.MISSING_CLIENT_ID);
  }

  private static boolean audienceMatches(Object aud, String expected) {
    if (aud instanceof String s) {
      return s.equals(expected);
    }
    return aud instanceof JsonArray list && list.contains(expected);
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
