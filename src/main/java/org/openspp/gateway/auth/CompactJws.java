package org.openspp.gateway.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.text.ParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * The gateway's policy on a compact JWS, applied before any key is chosen; the decoding and parsing are done by
 * libraries ({@link Base64}, Jackson, Nimbus JOSE+JWT), this class only decides what is acceptable. Every refusal
 * is {@code Invalid token}.
 *
 * <ul>
 *   <li>Exactly three non-empty segments, the JOSE header segment at most {@value #MAX_HEADER_CHARS} characters.
 *   <li>One spelling per token: each segment must be canonical unpadded base64url, i.e. decode with the JDK's
 *       strict base64url decoder and re-encode to exactly the same text (no padding, no {@code +} or {@code /},
 *       no unused trailing bits set).
 *   <li>The JOSE header, and after the signature the payload, must be strict JSON objects: no duplicate keys,
 *       comments, single quotes, unquoted names or trailing content.
 *   <li>{@code alg} exactly {@code HS256}, {@code RS256}, {@code PS256} or {@code ES256}; no {@code jku},
 *       {@code x5u}, {@code jwk}, {@code x5c}, {@code crit} (nor {@code b64}, {@code zip}, {@code enc}); a
 *       {@code typ}, if any, of {@code JWT} or {@code at+jwt}; a {@code kid}, if any, of 1 to
 *       {@value #MAX_KID_LENGTH} characters.
 *   <li>ES256 signatures in JOSE form (64 bytes). Both s and n − s verify, and both are accepted: identity
 *       providers that sign with the JDK (Keycloak among them) do not normalise to low s, so refusing high s
 *       would refuse about half of their genuine tokens; nothing in the gateway is keyed on the token's
 *       spelling (no revocation list, no replay cache), so the second spelling gains an attacker nothing.
 * </ul>
 *
 * @param jwt     the token as parsed by Nimbus (header parsed, payload and signature not yet checked)
 * @param payload the decoded payload bytes, for the strict-JSON check after the signature
 */
record CompactJws(SignedJWT jwt, byte[] payload) {

  /** Longest encoded JOSE header accepted. */
  static final int MAX_HEADER_CHARS = 2048;
  /** Longest {@code kid} accepted; a longer one is refused without a key lookup or a refetch. */
  static final int MAX_KID_LENGTH = 256;

  static final Set<JWSAlgorithm> ACCEPTED =
      Set.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256);
  private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c", "crit", "b64", "zip", "enc");
  private static final Set<String> ACCEPTED_TYPES = Set.of("jwt", "at+jwt", "application/jwt", "application/at+jwt");
  private static final int ES256_SIGNATURE_BYTES = 64;

  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final JsonFactory STRICT_JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
      .build();

  /**
   * Splits, checks and parses {@code token}.
   *
   * @throws AuthenticationException {@code Invalid token} for any token the policy refuses
   */
  static CompactJws parse(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || first > MAX_HEADER_CHARS || second < 0 || token.indexOf('.', second + 1) >= 0) {
      throw invalid();
    }
    byte[] header = canonical(token.substring(0, first));
    byte[] payload = canonical(token.substring(first + 1, second));
    byte[] signature = canonical(token.substring(second + 1));
    if (!isStrictJsonObject(header)) {
      throw invalid();
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw invalid();
    }
    JWSHeader h = jwt.getHeader();
    if (!ACCEPTED.contains(h.getAlgorithm()) || h.getIncludedParams().stream().anyMatch(FORBIDDEN_HEADERS::contains)) {
      throw invalid();
    }
    if (h.getType() != null && !ACCEPTED_TYPES.contains(h.getType().getType().toLowerCase(Locale.ROOT))) {
      throw invalid();
    }
    String kid = h.getKeyID();
    if (kid != null && (kid.isEmpty() || kid.length() > MAX_KID_LENGTH)) {
      throw invalid();
    }
    if (JWSAlgorithm.ES256.equals(h.getAlgorithm()) && signature.length != ES256_SIGNATURE_BYTES) {
      throw invalid();
    }
    return new CompactJws(jwt, payload);
  }

  JWSAlgorithm algorithm() {
    return jwt.getHeader().getAlgorithm();
  }

  /** The {@code kid} header, or {@code null}. */
  String kid() {
    return jwt.getHeader().getKeyID();
  }

  /** True when the payload is a strict JSON object (call after the signature has been verified). */
  boolean strictPayload() {
    return isStrictJsonObject(payload);
  }

  /** The segment's bytes, when it is non-empty canonical unpadded base64url. */
  private static byte[] canonical(String segment) {
    if (segment.isEmpty()) {
      throw invalid();
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(segment);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (!ENCODER.encodeToString(bytes).equals(segment)) {
      throw invalid();
    }
    return bytes;
  }

  /** One JSON object and nothing after it, read by Jackson with duplicate detection and no leniency. */
  static boolean isStrictJsonObject(byte[] json) {
    try (JsonParser p = STRICT_JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static AuthenticationException invalid() {
    return AuthenticationException.rejected(AuthenticationException.INVALID_TOKEN);
  }
}
