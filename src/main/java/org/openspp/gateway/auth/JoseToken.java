package org.openspp.gateway.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A compact JWS split and checked for shape, before any key is chosen: exactly three non-empty base64url
 * segments (no padding), a JOSE header that is a JSON object of bounded size naming an accepted
 * {@link JwsAlgorithm}, no key-location, embedded-key or critical headers ({@code jku}, {@code x5u},
 * {@code jwk}, {@code x5c}, {@code crit}; nor the JWE/unencoded-payload {@code enc}, {@code zip}, {@code b64}),
 * a {@code typ} (if any) of {@code JWT} or
 * {@code at+jwt}, and a {@code kid} (if any) that is a short string. The payload is decoded only after the
 * signature has been checked ({@link #claims()}). Every refusal is {@code Invalid token}. Immutable.
 */
final class JoseToken {

  /** Longest encoded JOSE header accepted. */
  static final int MAX_HEADER_CHARS = 2048;
  /** Longest {@code kid} accepted; a longer one is refused without a key lookup or a refetch. */
  static final int MAX_KID_LENGTH = 256;

  private static final List<String> FORBIDDEN_HEADERS =
      List.of("jku", "x5u", "jwk", "x5c", "crit", "b64", "zip", "enc");

  private final JwsAlgorithm algorithm;
  private final String kid;
  private final byte[] signingInput;
  private final byte[] signature;
  private final String payloadSegment;
  private final String compact;

  private JoseToken(JwsAlgorithm algorithm, String kid, byte[] signingInput, byte[] signature,
      String payloadSegment, String compact) {
    this.compact = compact;
    this.algorithm = algorithm;
    this.kid = kid;
    this.signingInput = signingInput;
    this.signature = signature;
    this.payloadSegment = payloadSegment;
  }

  /**
   * Splits and checks {@code token}.
   *
   * @throws AuthenticationException {@code Invalid token} for any malformed or refused token
   */
  static JoseToken parse(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || second == first + 1 || second == token.length() - 1
        || token.indexOf('.', second + 1) >= 0 || first > MAX_HEADER_CHARS) {
      throw invalid();
    }
    String headerSegment = token.substring(0, first);
    String payloadSegment = token.substring(first + 1, second);
    String signatureSegment = token.substring(second + 1);
    if (!isBase64Url(headerSegment) || !isBase64Url(payloadSegment) || !isBase64Url(signatureSegment)) {
      throw invalid();
    }
    JsonObject header = decodeObject(headerSegment);
    JwsAlgorithm algorithm = JwsAlgorithm.of(header.getValue("alg"));
    if (algorithm == null) {
      throw invalid();
    }
    for (String name : FORBIDDEN_HEADERS) {
      if (header.containsKey(name)) {
        throw invalid();
      }
    }
    Object typ = header.getValue("typ");
    if (typ != null && !(typ instanceof String t && acceptableType(t))) {
      throw invalid();
    }
    Object kid = header.getValue("kid");
    if (kid != null && !(kid instanceof String k && !k.isEmpty() && k.length() <= MAX_KID_LENGTH)) {
      throw invalid();
    }
    byte[] signature = Base64.getUrlDecoder().decode(signatureSegment);
    byte[] signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
    return new JoseToken(algorithm, (String) kid, signingInput, signature, payloadSegment, token);
  }

  /** The token as received (compact serialisation), for a verifier that takes it whole. */
  String compact() {
    return compact;
  }

  JwsAlgorithm algorithm() {
    return algorithm;
  }

  /** The {@code kid} header, or {@code null}. */
  String kid() {
    return kid;
  }

  /** The ASCII bytes the signature covers: {@code header.payload} as sent. */
  byte[] signingInput() {
    return signingInput;
  }

  /** The decoded signature bytes (a fresh copy is not needed: callers only read them). */
  byte[] signature() {
    return signature;
  }

  /**
   * The claim set; call only once the signature is verified.
   *
   * @throws AuthenticationException {@code Invalid token} if the payload is not a JSON object
   */
  JsonObject claims() {
    return decodeObject(payloadSegment);
  }

  private static boolean acceptableType(String typ) {
    String t = typ.toLowerCase(Locale.ROOT);
    return t.equals("jwt") || t.equals("at+jwt") || t.equals("application/at+jwt") || t.equals("application/jwt");
  }

  /** Unpadded base64url: only {@code A-Z a-z 0-9 - _}, and a length a real encoding can have. */
  private static boolean isBase64Url(String s) {
    if (s.isEmpty() || s.length() % 4 == 1) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static JsonObject decodeObject(String segment) {
    try {
      String json = new String(Base64.getUrlDecoder().decode(segment), StandardCharsets.UTF_8);
      if (json.isEmpty() || json.charAt(0) != '{') {
        throw invalid();
      }
      return new JsonObject(json);
    } catch (RuntimeException e) {
      throw invalid();
    }
  }

  private static AuthenticationException invalid() {
    return AuthenticationException.rejected(AuthenticationException.INVALID_TOKEN);
  }
}
