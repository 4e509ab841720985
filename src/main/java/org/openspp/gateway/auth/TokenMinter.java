package org.openspp.gateway.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints HS256 tokens in the OpenSPP API v2 shape ({@code iss}, {@code sub}, {@code aud}, {@code exp},
 * {@code iat}, {@code jti}, {@code client_id}, {@code scopes}). Used by the {@code token} command, the
 * embedded demo and tests. Pure JDK, no Vert.x needed.
 */
public final class TokenMinter {

  private final String secret;
  private final String issuer;
  private final String audience;

  public TokenMinter(String secret, String issuer, String audience) {
    if (secret == null || secret.length() < 32) {
      throw new IllegalArgumentException("an HS256 secret of at least 32 characters is required");
    }
    this.secret = secret;
    this.issuer = issuer;
    this.audience = audience;
  }

  /** A token for {@code clientId}, valid for {@code ttl} from now. */
  public String mint(String clientId, List<String> scopes, Duration ttl) {
    Instant now = Instant.now();
    JsonObject claims = new JsonObject()
        .put("iss", issuer)
        .put("sub", clientId)
        .put("aud", audience)
        .put("iat", now.getEpochSecond())
        .put("exp", now.plus(ttl).getEpochSecond())
        .put("jti", UUID.randomUUID().toString())
        .put("client_id", clientId)
        .put("scopes", scopes);
    return sign(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims);
  }

  /** Signs arbitrary header and claims with the secret; tests use it to build hostile tokens. */
  public String sign(JsonObject header, JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
