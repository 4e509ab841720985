package org.openspp.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openspp.gateway.support.TestFutures.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.JoseTestKeys;
import org.openspp.gateway.support.JoseTestKeys.SigningKey;
import org.openspp.gateway.support.JwksTestServer;

/**
 * Tokens must have exactly one spelling and well-typed claims: a validly signed token whose claims are of the
 * wrong type, whose segments are non-canonical base64url, whose JSON is not strict (duplicate keys, comments,
 * trailing content), or whose ES256 signature is the high-s twin of a valid one, is refused with
 * {@code 401 Invalid token} (an {@link AuthenticationException}), never with an unexpected exception.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Token spelling and claim types")
class TokenSpellingTest {

  static final String SECRET = "token-spelling-test-hs256-secret-0123456789";
  static final String HS_ISSUER = "openspp-api-v2";
  static final String HS_AUDIENCE = "openspp";
  static final String ISSUER = "https://idp.test/realms/spp";
  static final String AUDIENCE = "spp-gateway";
  static final SigningKey ES = JoseTestKeys.ec("es-1");
  static final String HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
  static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  static JwksTestServer idp;
  static TokenVerifier verifier;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = JwksTestServer.start(vertx, List.of(ES.publicJwk()));
    GatewayConfig.Auth auth = new GatewayConfig.Auth(SECRET, HS_ISSUER, HS_AUDIENCE, 30, 0)
        .withJwks(new GatewayConfig.Jwks(idp.url(), ISSUER, AUDIENCE));
    verifier = TokenVerifier.create(vertx, auth, null);
    await(verifier.ready());
  }

  @AfterAll
  static void stop() throws Exception {
    if (verifier != null) {
      await(verifier.close());
    }
    if (idp != null) {
      idp.stop();
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  static long now() {
    return Instant.now().getEpochSecond();
  }

  /** Claims as raw JSON text, so that tests can write what a JSON library would not. */
  static String claimsJson(String exp, String extra) {
    return "{\"iss\":\"" + HS_ISSUER + "\",\"aud\":\"" + HS_AUDIENCE + "\",\"sub\":\"legal-client\",\"iat\":" + now()
        + ",\"exp\":" + exp + extra + "}";
  }

  static String b64(String json) {
    return JoseTestKeys.b64(json.getBytes(StandardCharsets.UTF_8));
  }

  /** An HS256 token over already encoded segments, validly signed with the secret. */
  static String hs256Segments(String headerSegment, String payloadSegment) {
    String signingInput = headerSegment + "." + payloadSegment;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + JoseTestKeys.b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hs256(String headerJson, String claimsJson) {
    return hs256Segments(b64(headerJson), b64(claimsJson));
  }

  /**
   * The same bytes spelled differently: the unused low bits of the segment's last character set. A strict
   * base64url decoder that ignores those bits decodes it to the original bytes.
   */
  static String withTrailingBits(String segment) {
    int mask = switch (segment.length() % 4) {
      case 2 -> 0x0F;
      case 3 -> 0x03;
      default -> throw new IllegalArgumentException("segment has no unused bits: length " + segment.length());
    };
    int last = ALPHABET.indexOf(segment.charAt(segment.length() - 1));
    String spelled = segment.substring(0, segment.length() - 1) + ALPHABET.charAt(last | mask);
    assertThat(spelled).isNotEqualTo(segment);
    assertThat(Base64.getUrlDecoder().decode(spelled)).isEqualTo(Base64.getUrlDecoder().decode(segment));
    return spelled;
  }

  /** Claims JSON padded with a field until its encoding has unused bits. */
  static String claimsWithUnusedBits() {
    String pad = "";
    while (b64(claimsJson(Long.toString(now() + 600), ",\"pad\":\"" + pad + "\"")).length() % 4 == 0) {
      pad += "p";
    }
    return claimsJson(Long.toString(now() + 600), ",\"pad\":\"" + pad + "\"");
  }

  static String headerWithUnusedBits() {
    String h = HEADER;
    String kidPad = "";
    while (b64(h).length() % 4 == 0) {
      kidPad += "x";
      h = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":\"" + kidPad + "\"}";
    }
    return h;
  }

  static String accepted(String token) throws Exception {
    return await(verifier.verify("Bearer " + token));
  }

  static void refused(String token) {
    assertThatThrownBy(() -> await(verifier.verify("Bearer " + token)))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage(AuthenticationException.INVALID_TOKEN);
  }

  /** An ES256 token and its twin: the same r with s and n - s; the first has s ≤ n/2. */
  static String[] lowAndHighS() {
    String token = ES.sign(JoseTestKeys.claims(ISSUER, AUDIENCE, "es-client"));
    int dot = token.lastIndexOf('.');
    byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    BigInteger twin = P256_ORDER.subtract(s);
    BigInteger low = s.min(twin);
    BigInteger high = s.max(twin);
    return new String[] {withS(token, sig, low), withS(token, sig, high)};
  }

  static String withS(String token, byte[] sig, BigInteger s) {
    byte[] out = Arrays.copyOf(sig, 64);
    byte[] sBytes = s.toByteArray();
    Arrays.fill(out, 32, 64, (byte) 0);
    int n = Math.min(sBytes.length, 32);
    System.arraycopy(sBytes, sBytes.length - n, out, 64 - n, n);
    return token.substring(0, token.lastIndexOf('.') + 1) + JoseTestKeys.b64(out);
  }

  // --- tests ---------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("control: the raw-JSON helpers build tokens the verifier accepts")
  void control() throws Exception {
    assertThat(accepted(hs256(HEADER, claimsJson(Long.toString(now() + 600), "")))).isEqualTo("legal-client");
    assertThat(accepted(hs256(headerWithUnusedBits(), claimsWithUnusedBits()))).isEqualTo("legal-client");
    assertThat(accepted(lowAndHighS()[0])).isEqualTo("es-client");
  }

  @Test
  @DisplayName("an HS256 token with a kid header is still verified with the secret (the secret has no kid)")
  void hs256KidIgnored() throws Exception {
    String exp = Long.toString(now() + 600);
    assertThat(accepted(hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"any\"}", claimsJson(exp, ""))))
        .isEqualTo("legal-client");
    refused(hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + "k".repeat(300) + "\"}", claimsJson(exp, "")));
  }

  @Test
  @DisplayName("a validly signed HS256 token with a text exp, iat or nbf is refused with Invalid token")
  void textTimeClaims() {
    refused(hs256(HEADER, claimsJson("\"9999999999\"", "")));
    refused(hs256(HEADER, claimsJson(Long.toString(now() + 600), ",\"iat\":\"" + now() + "\"")
        .replaceFirst("\"iat\":\\d+,", "")));
    refused(hs256(HEADER, claimsJson(Long.toString(now() + 600), ",\"nbf\":\"" + now() + "\"")));
  }

  @Test
  @DisplayName("other malformed claims (exp an object, a boolean or null, iss a number, aud an object, sub an array) are refused")
  void malformedClaims() {
    refused(hs256(HEADER, claimsJson("{\"t\":1}", "")));
    refused(hs256(HEADER, claimsJson("true", "")));
    refused(hs256(HEADER, claimsJson("null", "")));
    refused(hs256(HEADER, claimsJson(Long.toString(now() + 600), "").replace("\"" + HS_ISSUER + "\"", "42")));
    refused(hs256(HEADER, claimsJson(Long.toString(now() + 600), "").replace("\"" + HS_AUDIENCE + "\"",
        "{\"a\":\"" + HS_AUDIENCE + "\"}")));
    refused(hs256(HEADER, claimsJson(Long.toString(now() + 600), "").replace("\"legal-client\"",
        "[\"legal-client\"]")));
  }

  @Test
  @DisplayName("non-canonical base64url: unused trailing bits set in the header, payload or signature")
  void trailingBits() {
    String token = hs256(headerWithUnusedBits(), claimsWithUnusedBits());
    String[] parts = token.split("\\.");
    refused(withTrailingBits(parts[0]) + "." + parts[1] + "." + parts[2]);
    refused(parts[0] + "." + withTrailingBits(parts[1]) + "." + parts[2]);
    refused(parts[0] + "." + parts[1] + "." + withTrailingBits(parts[2]));
    // a re-signed token over the re-spelled segments: the signature is valid for exactly what was sent
    refused(hs256Segments(withTrailingBits(parts[0]), parts[1]));
    refused(hs256Segments(parts[0], withTrailingBits(parts[1])));
  }

  @Test
  @DisplayName("non-canonical base64url: padding '=' or the '+' and '/' characters of standard base64")
  void paddingAndStandardAlphabet() {
    String token = hs256(headerWithUnusedBits(), claimsWithUnusedBits());
    String[] parts = token.split("\\.");
    refused(parts[0] + "=." + parts[1] + "." + parts[2]);
    refused(parts[0] + "." + parts[1] + "." + parts[2] + "=");
    String standard = Base64.getEncoder().withoutPadding().encodeToString(Base64.getUrlDecoder().decode(parts[2]));
    String signature = parts[2].equals(standard) ? parts[2].substring(0, parts[2].length() - 1) + "+" : standard;
    refused(parts[0] + "." + parts[1] + "." + signature);
  }

  @Test
  @DisplayName("ES256: both the low-s and the high-s form verify (IdPs signing with the JDK do not normalise s)")
  void highSIsAcceptedForInteroperability() throws Exception {
    String[] twins = lowAndHighS();
    assertThat(accepted(twins[0])).isEqualTo("es-client");
    assertThat(accepted(twins[1])).isEqualTo("es-client");
  }

  @Test
  @DisplayName("duplicate JSON keys in the JOSE header or in the claims are refused")
  void duplicateKeys() {
    String exp = Long.toString(now() + 600);
    refused(hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}", claimsJson(exp, "")));
    refused(hs256("{\"alg\":\"HS256\",\"kid\":\"a\",\"kid\":\"b\"}", claimsJson(exp, "")));
    refused(hs256(HEADER, claimsJson(exp, ",\"client_id\":\"someone\",\"client_id\":\"legal-client\"")));
    refused(hs256(HEADER, claimsJson(exp, ",\"exp\":" + exp)));
  }

  @Test
  @DisplayName("JSON that is not strict (comments, trailing content, single quotes, unquoted names) is refused")
  void nonStrictJson() {
    String exp = Long.toString(now() + 600);
    refused(hs256(HEADER, claimsJson(exp, ",/* a comment */\"jti\":\"x\"")));
    refused(hs256(HEADER, claimsJson(exp, ",\"jti\":\"x\"\n// a comment\n")));
    refused(hs256(HEADER, claimsJson(exp, "") + " {}"));
    refused(hs256(HEADER, claimsJson(exp, ",'jti':'x'")));
    refused(hs256(HEADER, claimsJson(exp, ",jti:\"x\"")));
    refused(hs256("{\"alg\":\"HS256\",/* c */\"typ\":\"JWT\"}", claimsJson(exp, "")));
  }
}
