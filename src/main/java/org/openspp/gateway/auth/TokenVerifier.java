package org.openspp.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.openspp.gateway.config.GatewayConfig;

/**
 * Verifies {@code Authorization: Bearer} tokens against the OpenSPP-compatible HS256 key source and returns
 * the calling client's id (spec §4.1, §4.2). The algorithm is pinned: the header must say {@code HS256};
 * {@code jku}, {@code x5u}, {@code jwk}, {@code x5c} and {@code crit} headers are refused; {@code exp} is
 * required and checked with the configured leeway, a future {@code nbf} is refused, {@code iss} and
 * {@code aud} must match. Signature checks are delegated to vertx-auth-jwt.
 */
public final class TokenVerifier {

  /** Longest token accepted; a longer one is refused before any decoding. */
  static final int MAX_TOKEN_LENGTH = 8192;

  private static final List<String> FORBIDDEN_HEADERS = List.of("jku", "x5u", "jwk", "x5c", "crit");

  private final JWTAuth hs256;
  private final GatewayConfig.Auth config;

  private TokenVerifier(JWTAuth hs256, GatewayConfig.Auth config) {
    this.hs256 = hs256;
    this.config = config;
  }

  /**
   * A verifier for the configured key sources, shared by every HTTP verticle of the process (thread-safe);
   * with no key source configured every token is refused.
   *
   * @param meters where key-source meters (JWKS key age) are recorded
   */
  public static TokenVerifier create(Vertx vertx, GatewayConfig.Auth config, io.micrometer.core.instrument.MeterRegistry meters) {
    JWTAuth provider = null;
    if (config.jwtSecret() != null) {
      provider = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtSecret()))
          .setJWTOptions(new JWTOptions()
              .setIssuer(config.issuer())
              .setAudience(List.of(config.audience()))
              .setIgnoreExpiration(true)));
    }
    return new TokenVerifier(provider, config);
  }

  /** Completes once every key source holds keys (before the gateway reports ready). */
  public Future<Void> ready() {
    return Future.succeededFuture();
  }

  /**
   * Verifies the {@code Authorization} header value.
   *
   * @return the client id claim ({@code client_id}, else {@code azp}, else {@code sub}); a failed future
   *     holds an {@link AuthenticationException}
   */
  public Future<String> verify(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return Future.failedFuture(AuthenticationException.missing());
    }
    String header = authorization.strip();
    int space = header.indexOf(' ');
    if (space < 0 || !header.substring(0, space).equalsIgnoreCase("Bearer")) {
      return Future.failedFuture(AuthenticationException.missing());
    }
    String token = header.substring(space + 1).strip();
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || !acceptableHeader(token) || hs256 == null) {
      return invalid();
    }
    long now = System.currentTimeMillis() / 1000;
    return hs256.authenticate(new TokenCredentials(token))
        .recover(err -> invalid())
        .compose(user -> checkClaims(claims(user.attributes()), now));
  }

  /** The verified claim set; vertx-auth-jwt keeps it whole under the {@code rootClaim} attribute. */
  private static JsonObject claims(JsonObject attributes) {
    JsonObject claims = attributes.getJsonObject(attributes.getString("rootClaim", "accessToken"));
    return claims != null ? claims : new JsonObject();
  }

  private Future<String> checkClaims(JsonObject claims, long now) {
    long leeway = config.leewaySeconds();
    if (!(claims.getValue("exp") instanceof Number exp)) {
      return invalid();
    }
    if (now > exp.longValue() + leeway) {
      return Future.failedFuture(AuthenticationException.rejected(AuthenticationException.TOKEN_EXPIRED));
    }
    Object nbf = claims.getValue("nbf");
    if (nbf != null && (!(nbf instanceof Number n) || n.longValue() > now + leeway)) {
      return invalid();
    }
    if (!config.issuer().equals(claims.getValue("iss")) || !audienceMatches(claims.getValue("aud"))) {
      return invalid();
    }
    for (String claim : List.of("client_id", "azp", "sub")) {
      if (claims.getValue(claim) instanceof String id && !id.isBlank()) {
        return Future.succeededFuture(id);
      }
    }
    return Future.failedFuture(AuthenticationException.rejected(AuthenticationException.MISSING_CLIENT_ID));
  }

  private boolean audienceMatches(Object aud) {
    if (aud instanceof String s) {
      return s.equals(config.audience());
    }
    return aud instanceof JsonArray list && list.contains(config.audience());
  }

  /** The JOSE header must be a JSON object naming {@code HS256} with no key-location or critical headers. */
  private static boolean acceptableHeader(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0 || dot > 2048) {
      return false;
    }
    try {
      String json = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      JsonObject header = new JsonObject(json);
      if (!"HS256".equals(header.getValue("alg"))) {
        return false;
      }
      for (String name : FORBIDDEN_HEADERS) {
        if (header.containsKey(name)) {
          return false;
        }
      }
      Object typ = header.getValue("typ");
      return typ == null || (typ instanceof String t && t.toUpperCase(Locale.ROOT).equals("JWT"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static <T> Future<T> invalid() {
    return Future.failedFuture(AuthenticationException.rejected(AuthenticationException.INVALID_TOKEN));
  }
}
