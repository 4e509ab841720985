package org.openspp.gateway.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.opts.AllowWeakRSAKey;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signing keys and compact JWS building for JWKS tests (Nimbus JOSE+JWT does the signing). A key signs any
 * header and claims given as Vert.x JSON, so tests can build hostile tokens as easily as valid ones.
 */
public final class JoseTestKeys {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** An asymmetric signing key with its JWS algorithm and {@code kid}. */
  public record SigningKey(String kid, String alg, JWK jwk) {

    /** The public JWK as the JWKS endpoint serves it. */
    public JsonObject publicJwk() {
      return new JsonObject(jwk.toPublicJWK().toJSONObject());
    }

    /** A token with the standard header ({@code alg}, {@code typ: JWT}, {@code kid}) and these claims. */
    public String sign(JsonObject claims) {
      return sign(new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", kid), claims);
    }

    /** A token with an arbitrary header and claims, signed with this key using the header's own {@code alg}. */
    public String sign(JsonObject header, JsonObject claims) {
      return signSegments(header, segment(claims));
    }

    /** A token over a header and an already encoded payload segment (which need not be a JSON object). */
    public String signSegments(JsonObject header, String payloadSegment) {
      String signingInput = segment(header) + "." + payloadSegment;
      try {
        JWSAlgorithm algorithm = JWSAlgorithm.parse(header.getValue("alg") instanceof String a ? a : alg);
        JWSSigner signer = jwk instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) jwk, java.util.Set.of(AllowWeakRSAKey.getInstance()));
        JWSHeader nimbusHeader = new JWSHeader.Builder(algorithm).build();
        byte[] signature = signer.sign(nimbusHeader, signingInput.getBytes(StandardCharsets.US_ASCII)).decode();
        if (jwk instanceof ECKey && signature.length == 64) {
          signature = lowS(signature);
        }
        return signingInput + "." + b64(signature);
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private JoseTestKeys() {
  }

  private static final java.math.BigInteger P256_ORDER = Curve.P_256.toECParameterSpec().getOrder();

  /**
   * The low-s form of an ES256 signature (s replaced by n - s when s > n/2), as an IdP that normalises its
   * ECDSA signatures sends it; the JDK signer does not normalise (the gateway accepts both forms).
   */
  public static byte[] lowS(byte[] signature) {
    java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64));
    if (s.compareTo(P256_ORDER.shiftRight(1)) <= 0) {
      return signature;
    }
    byte[] sBytes = P256_ORDER.subtract(s).toByteArray();
    byte[] out = java.util.Arrays.copyOf(signature, 64);
    java.util.Arrays.fill(out, 32, 64, (byte) 0);
    int n = Math.min(sBytes.length, 32);
    System.arraycopy(sBytes, sBytes.length - n, out, 64 - n, n);
    return out;
  }

  public static SigningKey rsa(String kid, String alg) {
    return rsa(kid, alg, 2048);
  }

  /** An RSA key; {@code alg} is written into the JWK (null leaves it out) and used for signing (RS256 if null). */
  public static SigningKey rsa(String kid, String alg, int bits) {
    try {
      RSAKeyGenerator g = new RSAKeyGenerator(bits, bits < 2048);
      g.keyID(kid).keyUse(KeyUse.SIGNATURE);
      if (alg != null) {
        g.algorithm(JWSAlgorithm.parse(alg));
      }
      return new SigningKey(kid, alg == null ? "RS256" : alg, g.generate());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A P-256 key for ES256. */
  public static SigningKey ec(String kid) {
    try {
      return new SigningKey(kid, "ES256", new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256).generate());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Claims valid for ten minutes, for {@code clientId}, from {@code issuer} to {@code audience}. */
  public static JsonObject claims(String issuer, String audience, String clientId) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("iss", issuer).put("aud", audience).put("sub", clientId).put("azp", clientId)
        .put("iat", now).put("exp", now + 600);
  }

  /** Unpadded base64url of a JSON value's UTF-8 encoding. */
  public static String segment(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Unpadded base64url of bytes. */
  public static String b64(byte[] bytes) {
    return B64.encodeToString(bytes);
  }

  /** An HS256 token over arbitrary header and claims with raw key bytes (for alg-confusion tests). */
  public static String hmac(byte[] key, JsonObject header, JsonObject claims) {
    String signingInput = segment(header) + "." + segment(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
