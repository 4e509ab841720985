package org.openspp.gateway.auth;

/**
 * The JWS algorithms the gateway accepts, each pinned to one key source: {@link #HS256} to the shared secret,
 * the others to JWKS keys. Any other {@code alg} value (including {@code none}) is refused before any key is
 * touched.
 */
enum JwsAlgorithm {

  /** HMAC with SHA-256 over the shared secret (OpenSPP-compatible). */
  HS256,
  /** RSASSA-PKCS1-v1_5 with SHA-256. */
  RS256,
  /** RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt. */
  PS256,
  /** ECDSA on P-256 with SHA-256, signature in JOSE form (r || s, 64 bytes). */
  ES256;

  /** The algorithm a header's {@code alg} names (exact, case-sensitive), or {@code null} if it is not accepted. */
  static JwsAlgorithm of(Object alg) {
    if (!(alg instanceof String name)) {
      return null;
    }
    return switch (name) {
      case "HS256" -> HS256;
      case "RS256" -> RS256;
      case "PS256" -> PS256;
      case "ES256" -> ES256;
      default -> null;
    };
  }

  /** True for the algorithms verified with JWKS public keys. */
  boolean asymmetric() {
    return this != HS256;
  }
}
