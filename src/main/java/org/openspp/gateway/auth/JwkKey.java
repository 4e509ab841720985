package org.openspp.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * One public signing key of a JWKS, ready to verify: an RSA key (at least 2048 bits) for {@code RS256} and
 * {@code PS256}, or a P-256 key (the point checked to lie on the curve) for {@code ES256}. A key whose JWK
 * names an {@code alg} fits only that algorithm. Immutable and thread-safe: every verification uses its own
 * {@link Signature} instance.
 *
 * @param kid       the JWK's {@code kid}
 * @param algorithm the JWK's {@code alg}, or {@code null} when it names none (then the key type decides)
 * @param key       the public key
 */
record JwkKey(String kid, JwsAlgorithm algorithm, PublicKey key) {

  static final int MIN_RSA_BITS = 2048;
  static final int MAX_RSA_BITS = 16384;
  private static final int P256_BYTES = 32;
  private static final PSSParameterSpec PS256 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, PSSParameterSpec.TRAILER_FIELD_BC);

  /** True when a token signed with {@code alg} may be verified with this key. */
  boolean fits(JwsAlgorithm alg) {
    if (algorithm != null && algorithm != alg) {
      return false;
    }
    return switch (alg) {
      case RS256, PS256 -> key instanceof RSAPublicKey;
      case ES256 -> key instanceof ECPublicKey;
      case HS256 -> false;
    };
  }

  /** Checks a signature made with {@code alg}; false for any mismatch, malformed signature or misuse. */
  boolean verify(JwsAlgorithm alg, byte[] signingInput, byte[] signature) {
    if (!fits(alg)) {
      return false;
    }
    try {
      return switch (alg) {
        case RS256 -> verifyRsa(Signature.getInstance("SHA256withRSA"), signingInput, signature);
        case PS256 -> {
          Signature s = Signature.getInstance("RSASSA-PSS");
          s.setParameter(PS256);
          yield verifyRsa(s, signingInput, signature);
        }
        case ES256 -> verifyEs256(signingInput, signature);
        case HS256 -> false;
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private boolean verifyRsa(Signature s, byte[] signingInput, byte[] signature) throws GeneralSecurityException {
    RSAPublicKey rsa = (RSAPublicKey) key;
    if (signature.length != (rsa.getModulus().bitLength() + 7) / 8) {
      return false;
    }
    s.initVerify(rsa);
    s.update(signingInput);
    return s.verify(signature);
  }

  /** JOSE form only (r || s, 32 bytes each); r and s must lie in [1, n-1], so r = s = 0 never verifies. */
  private boolean verifyEs256(byte[] signingInput, byte[] signature) throws GeneralSecurityException {
    if (signature.length != 2 * P256_BYTES) {
      return false;
    }
    BigInteger n = ((ECPublicKey) key).getParams().getOrder();
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, P256_BYTES));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, P256_BYTES, 2 * P256_BYTES));
    if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(n) >= 0 || s.compareTo(n) >= 0) {
      return false;
    }
    Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
    ecdsa.initVerify(key);
    ecdsa.update(signingInput);
    return ecdsa.verify(signature);
  }

  /**
   * Reads one JWK.
   *
   * @return the key
   * @throws IllegalArgumentException naming why the JWK is not usable for token verification (no
   *     {@code kid}, not a signing key, unsupported type, curve or algorithm, too short, malformed)
   */
  static JwkKey parse(JsonObject jwk) {
    Object kid = jwk.getValue("kid");
    if (!(kid instanceof String k) || k.isEmpty() || k.length() > JoseToken.MAX_KID_LENGTH) {
      throw new IllegalArgumentException("no usable kid");
    }
    Object use = jwk.getValue("use");
    if (use != null && !"sig".equals(use)) {
      throw new IllegalArgumentException("use is not sig");
    }
    Object ops = jwk.getValue("key_ops");
    if (ops != null && !(ops instanceof JsonArray list && list.contains("verify"))) {
      throw new IllegalArgumentException("key_ops does not include verify");
    }
    Object algValue = jwk.getValue("alg");
    JwsAlgorithm alg = null;
    if (algValue != null) {
      alg = JwsAlgorithm.of(algValue);
      if (alg == null || !alg.asymmetric()) {
        throw new IllegalArgumentException("alg " + algValue + " is not RS256, PS256 or ES256");
      }
    }
    Object kty = jwk.getValue("kty");
    try {
      if ("RSA".equals(kty)) {
        if (alg == JwsAlgorithm.ES256) {
          throw new IllegalArgumentException("alg ES256 on an RSA key");
        }
        return new JwkKey(k, alg, rsaKey(jwk));
      }
      if ("EC".equals(kty)) {
        if (alg != null && alg != JwsAlgorithm.ES256) {
          throw new IllegalArgumentException("alg " + alg + " on an EC key");
        }
        return new JwkKey(k, alg, p256Key(jwk));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("malformed key material");
    }
    throw new IllegalArgumentException("kty " + kty + " is not RSA or EC");
  }

  private static PublicKey rsaKey(JsonObject jwk) throws GeneralSecurityException {
    BigInteger n = new BigInteger(1, component(jwk, "n"));
    BigInteger e = new BigInteger(1, component(jwk, "e"));
    if (n.bitLength() < MIN_RSA_BITS || n.bitLength() > MAX_RSA_BITS) {
      throw new IllegalArgumentException("RSA modulus of " + n.bitLength() + " bits (at least " + MIN_RSA_BITS
          + " required)");
    }
    if (e.compareTo(BigInteger.valueOf(3)) < 0 || !e.testBit(0) || e.compareTo(n) >= 0) {
      throw new IllegalArgumentException("RSA exponent out of range");
    }
    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
  }

  private static PublicKey p256Key(JsonObject jwk) throws GeneralSecurityException {
    if (!"P-256".equals(jwk.getValue("crv"))) {
      throw new IllegalArgumentException("curve " + jwk.getValue("crv") + " is not P-256");
    }
    byte[] xBytes = component(jwk, "x");
    byte[] yBytes = component(jwk, "y");
    if (xBytes.length != P256_BYTES || yBytes.length != P256_BYTES) {
      throw new IllegalArgumentException("P-256 coordinates must be 32 bytes");
    }
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
    BigInteger x = new BigInteger(1, xBytes);
    BigInteger y = new BigInteger(1, yBytes);
    BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
    BigInteger a = spec.getCurve().getA();
    BigInteger b = spec.getCurve().getB();
    boolean onCurve = x.compareTo(p) < 0 && y.compareTo(p) < 0
        && y.modPow(BigInteger.TWO, p).equals(x.pow(3).add(a.multiply(x)).add(b).mod(p));
    if (!onCurve) {
      throw new IllegalArgumentException("the point is not on P-256");
    }
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), spec));
  }

  private static byte[] component(JsonObject jwk, String name) {
    Object v = jwk.getValue(name);
    if (!(v instanceof String s) || s.isEmpty() || s.length() > 4096) {
      throw new IllegalArgumentException("missing or oversized " + name);
    }
    return Base64.getUrlDecoder().decode(s);
  }
}
