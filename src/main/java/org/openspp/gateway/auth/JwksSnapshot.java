package org.openspp.gateway.auth;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable snapshot of a JWKS's usable signing keys and the Nimbus processor that verifies tokens with
 * exactly those keys. Each JWK is parsed by Nimbus ({@link JWK#parse}, which also checks that an EC point lies
 * on its curve); the gateway's policy then keeps only RSA keys of 2048 to 16384 bits (exponent odd, at least 3)
 * for RS256 and PS256, and P-256 keys for ES256, each with a {@code kid}, {@code use} {@code sig} or absent,
 * {@code key_ops} including {@code verify} or absent, and an {@code alg} that is absent or one of its type's
 * algorithms. Other keys are left out and reported in {@link #skipped()}; a set with no usable key is refused,
 * so that a bad answer never replaces good keys. A malformed key is skipped on its own, without losing the others
 * (a whole-document parse would fail on it).
 *
 * <p>Thread-safe: the key set is immutable, and the processor holds no per-call state (Nimbus builds a new
 * verifier per token).
 *
 * @param keys      the usable keys
 * @param kids      their kids, sorted (for lookups and logs)
 * @param skipped   why each left-out JWK was left out (kid, or position, and reason), for the log
 * @param processor verifies RS256, PS256 and ES256 tokens against {@code keys}
 */
record JwksSnapshot(JWKSet keys, Set<String> kids, List<String> skipped,
    DefaultJWTProcessor<SecurityContext> processor) {

  /** Keys read from one document at most. */
  static final int MAX_KEYS = 100;
  static final int MIN_RSA_BITS = 2048;
  static final int MAX_RSA_BITS = 16384;

  static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256);

  JwksSnapshot {
    kids = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(kids));
    skipped = List.copyOf(skipped);
  }

  /**
   * Reads a JWKS document ({@code {"keys": [...]}}).
   *
   * @throws IllegalArgumentException when it is not a JWKS, has too many keys or no usable signing key
   */
  static JwksSnapshot parse(JsonObject document) {
    if (!(document.getValue("keys") instanceof JsonArray list)) {
      throw new IllegalArgumentException("not a JWKS document (no keys array)");
    }
    if (list.size() > MAX_KEYS) {
      throw new IllegalArgumentException("more than " + MAX_KEYS + " keys");
    }
    List<JWK> usable = new ArrayList<>();
    Set<String> kids = new TreeSet<>();
    List<String> skipped = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object entry = list.getValue(i);
      String name = "#" + i;
      if (!(entry instanceof JsonObject json)) {
        skipped.add(name + ": not an object");
        continue;
      }
      if (json.getValue("kid") instanceof String k && k.length() <= CompactJws.MAX_KID_LENGTH) {
        name = k;
      }
      try {
        JWK jwk = JWK.parse(json.encode());
        refusal(jwk);
        usable.add(jwk.toPublicJWK());
        kids.add(jwk.getKeyID());
      } catch (ParseException | IllegalArgumentException e) {
        skipped.add(name + ": " + e.getMessage());
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("no usable RS256, PS256 or ES256 signing key with a kid"
          + (skipped.isEmpty() ? "" : " (skipped: " + skipped + ")"));
    }
    JWKSet set = new JWKSet(usable);
    return new JwksSnapshot(set, kids, skipped, TokenVerifier.processor(
        new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(set))));
  }

  /** True when some usable key has this kid, whatever its algorithm. */
  boolean knows(String kid) {
    return kids.contains(kid);
  }

  /** Number of usable keys. */
  int size() {
    return keys.size();
  }

  /** Throws naming why a parsed JWK may not verify tokens here. */
  private static void refusal(JWK jwk) {
    String kid = jwk.getKeyID();
    if (kid == null || kid.isEmpty() || kid.length() > CompactJws.MAX_KID_LENGTH) {
      throw new IllegalArgumentException("no usable kid");
    }
    if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
      throw new IllegalArgumentException("use is not sig");
    }
    if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
      throw new IllegalArgumentException("key_ops does not include verify");
    }
    Algorithm alg = jwk.getAlgorithm();
    if (jwk instanceof RSAKey rsa) {
      if (alg != null && !JWSAlgorithm.RS256.equals(alg) && !JWSAlgorithm.PS256.equals(alg)) {
        throw new IllegalArgumentException("alg " + alg + " on an RSA key is not RS256 or PS256");
      }
      BigInteger n = rsa.getModulus().decodeToBigInteger();
      int bits = n.bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw new IllegalArgumentException("RSA modulus of " + bits + " bits (at least " + MIN_RSA_BITS
            + " required)");
      }
      BigInteger e = rsa.getPublicExponent().decodeToBigInteger();
      if (e.compareTo(BigInteger.valueOf(3)) < 0 || !e.testBit(0) || e.compareTo(n) >= 0) {
        throw new IllegalArgumentException("RSA exponent out of range");
      }
      return;
    }
    if (jwk instanceof ECKey ec) {
      if (!Curve.P_256.equals(ec.getCurve())) {
        throw new IllegalArgumentException("curve " + ec.getCurve() + " is not P-256");
      }
      if (alg != null && !JWSAlgorithm.ES256.equals(alg)) {
        throw new IllegalArgumentException("alg " + alg + " on an EC key is not ES256");
      }
      return;
    }
    throw new IllegalArgumentException("kty " + jwk.getKeyType() + " is not RSA or EC");
  }
}
