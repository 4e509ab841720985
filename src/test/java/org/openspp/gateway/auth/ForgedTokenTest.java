package org.openspp.gateway.auth;

import static org.openspp.gateway.support.TestFutures.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.JoseTestKeys;
import org.openspp.gateway.support.JoseTestKeys.SigningKey;
import org.openspp.gateway.support.JwksTestServer;

/**
 * A forged-token matrix against a real gateway holding both key sources (HS256 secret and a JWKS on 127.0.0.1):
 * every forged token is refused with 401 and the contract's detail, and never reaches the client registry (an
 * outbound interceptor counts messages to {@code gateway.clients.lookup}). Each token is also checked against a
 * {@link TokenVerifier} directly, which covers tokens too large for the HTTP server's 16 KiB header limit.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Forged tokens")
class ForgedTokenTest {

  static final String ISSUER = "https://idp.test/realms/spp";
  static final String AUDIENCE = "spp-gateway";
  static final String HS_ISSUER = "openspp-api-v2";
  static final String HS_AUDIENCE = "openspp";
  static final String CLIENT = "legal-client";
  static final String ATTACKER_PATH = "/attacker/keys";

  static final SigningKey RS = JoseTestKeys.rsa("rs-1", "RS256");
  static final SigningKey PS = JoseTestKeys.rsa("ps-1", "PS256");
  static final SigningKey ES = JoseTestKeys.ec("es-1");
  /** Another issuer's keys: valid signatures, never in our set. */
  static final SigningKey OTHER_RS = JoseTestKeys.rsa("other-rs", "RS256");
  static final SigningKey OTHER_ES = JoseTestKeys.ec("other-es");

  static final Buffer BODY = new JsonObject().put("type", "Individual")
      .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer();

  static final AtomicInteger LOOKUPS = new AtomicInteger();
  static Handler<DeliveryContext<Object>> interceptor;
  static Vertx vertx;
  static JwksTestServer idp;
  static GatewayHarness gw;
  static TokenVerifier direct;
  /** One connection per request, so that one refused request cannot affect the next. */
  static WebClient oneShot;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    idp = JwksTestServer.start(vertx, List.of(RS.publicJwk(), PS.publicJwk(), ES.publicJwk()));
    interceptor = dc -> {
      if (Addresses.CLIENT_LOOKUP.equals(dc.message().address())) {
        LOOKUPS.incrementAndGet();
      }
      dc.next();
    };
    vertx.eventBus().addOutboundInterceptor(interceptor);
    gw = GatewayHarness.start(vertx, GatewayHarness.FIXTURE,
        c -> c.withAuth(c.auth().withJwks(new GatewayConfig.Jwks(idp.url(), ISSUER, AUDIENCE))));
    direct = TokenVerifier.create(vertx, gw.config.auth(), null);
    await(direct.ready());
    oneShot = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false).setDefaultHost("localhost")
        .setDefaultPort(gw.config.http().port()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (interceptor != null) {
      vertx.eventBus().removeOutboundInterceptor(interceptor);
    }
    if (direct != null) {
      await(direct.close());
    }
    if (oneShot != null) {
      oneShot.close();
    }
    if (gw != null) {
      gw.stop();
    }
    if (idp != null) {
      idp.stop();
    }
  }


  // --- the matrix ----------------------------------------------------------------------------------------------

  static JsonObject claims() {
    return JoseTestKeys.claims(ISSUER, AUDIENCE, CLIENT);
  }

  static JsonObject hsClaims() {
    return JoseTestKeys.claims(HS_ISSUER, HS_AUDIENCE, CLIENT);
  }

  static JsonObject header(String alg, String kid) {
    JsonObject h = new JsonObject().put("alg", alg).put("typ", "JWT");
    return kid == null ? h : h.put("kid", kid);
  }

  static String unsigned(JsonObject header, JsonObject claims) {
    return JoseTestKeys.segment(header) + "." + JoseTestKeys.segment(claims);
  }

  static String signaturePart(String token) {
    return token.substring(token.lastIndexOf('.') + 1);
  }

  static String withSignature(String token, byte[] signature) {
    return token.substring(0, token.lastIndexOf('.') + 1) + JoseTestKeys.b64(signature);
  }

  static byte[] rsaPublicDer() {
    try {
      return ((RSAKey) RS.jwk()).toRSAPublicKey().getEncoded();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] rsaPublicPem() {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(rsaPublicDer());
    return ("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] p256Order() {
    byte[] n = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16).toByteArray();
    return Arrays.copyOfRange(n, n.length - 32, n.length);
  }

  static Arguments forged(String name, String token) {
    return Arguments.of(name, token, AuthenticationException.INVALID_TOKEN);
  }

  static Stream<Arguments> matrix() {
    long now = Instant.now().getEpochSecond();
    List<Arguments> m = new ArrayList<>();
    String genuineRs = RS.sign(claims());
    String genuineEs = ES.sign(claims());
    byte[] esSignature = Base64.getUrlDecoder().decode(signaturePart(genuineEs));

    m.add(forged("alg none without a signature", unsigned(header("none", null), claims()) + "."));
    m.add(forged("alg none with a signature", unsigned(header("none", "rs-1"), claims()) + "." + signaturePart(genuineRs)));
    m.add(forged("alg None (other case) with a signature", unsigned(header("None", null), claims()) + "."
        + signaturePart(genuineRs)));
    m.add(forged("alg none over HS256 claims", unsigned(header("none", null), hsClaims()) + "."));
    m.add(forged("alg missing", RS.sign(new JsonObject().put("kid", "rs-1"), claims())));
    m.add(forged("alg HS512 (not pinned)", JoseTestKeys.hmac(GatewayHarness.SECRET.getBytes(StandardCharsets.UTF_8),
        header("HS512", null), hsClaims())));
    m.add(forged("alg RS512 (not pinned) with our key", RS.sign(header("RS512", "rs-1"), claims())));

    m.add(forged("HS256 keyed with the RSA public key (PEM), kid of the RSA key",
        JoseTestKeys.hmac(rsaPublicPem(), header("HS256", "rs-1"), claims())));
    m.add(forged("HS256 keyed with the RSA public key (DER), kid of the RSA key",
        JoseTestKeys.hmac(rsaPublicDer(), header("HS256", "rs-1"), claims())));
    m.add(forged("HS256 keyed with the RSA public key (PEM), HS256 issuer and audience",
        JoseTestKeys.hmac(rsaPublicPem(), header("HS256", null), hsClaims())));
    m.add(forged("HS256 keyed with the RSA JWK's modulus bytes",
        JoseTestKeys.hmac(Base64.getUrlDecoder().decode(RS.publicJwk().getString("n")), header("HS256", "rs-1"),
            claims())));
    m.add(forged("RS256 header carrying an HMAC made with the HS256 secret",
        JoseTestKeys.hmac(GatewayHarness.SECRET.getBytes(StandardCharsets.UTF_8), header("RS256", "rs-1"), claims())));
    m.add(forged("ES256 header naming the RSA key", ES.sign(header("ES256", "rs-1"), claims())));
    m.add(forged("PS256 token under the RS256-only key", RS.sign(header("PS256", "rs-1"), claims())));

    m.add(forged("unknown kid", OTHER_RS.sign(header("RS256", "not-in-the-set"), claims())));
    m.add(forged("no kid", RS.sign(header("RS256", null), claims())));
    m.add(forged("kid with path traversal", OTHER_RS.sign(header("RS256", "../../etc/passwd"), claims())));
    m.add(forged("kid of 1 KB", OTHER_RS.sign(header("RS256", "k".repeat(1024)), claims())));
    m.add(forged("kid of 10 KB", OTHER_RS.sign(header("RS256", "k".repeat(10 * 1024)), claims())));
    m.add(forged("kid that is not a string", RS.sign(new JsonObject().put("alg", "RS256").put("kid", 1), claims())));

    m.add(forged("jku header", RS.sign(header("RS256", "rs-1").put("jku", idp.url(ATTACKER_PATH)), claims())));
    m.add(forged("x5u header", RS.sign(header("RS256", "rs-1").put("x5u", idp.url(ATTACKER_PATH)), claims())));
    m.add(forged("jwk header embedding the attacker's key",
        OTHER_RS.sign(header("RS256", "other-rs").put("jwk", OTHER_RS.publicJwk()), claims())));
    m.add(forged("jwk header with our kid and the attacker's key",
        OTHER_RS.sign(header("RS256", "rs-1").put("jwk", OTHER_RS.publicJwk()), claims())));
    m.add(forged("x5c header", RS.sign(header("RS256", "rs-1").put("x5c", new JsonArray().add("MIIB")), claims())));
    m.add(forged("crit header", RS.sign(header("RS256", "rs-1").put("crit", new JsonArray().add("exp")), claims())));

    m.add(Arguments.of("expired beyond the leeway", RS.sign(claims().put("exp", now - 120)),
        AuthenticationException.TOKEN_EXPIRED));
    m.add(forged("nbf in the future", RS.sign(claims().put("nbf", now + 600))));
    JsonObject noExp = claims();
    noExp.remove("exp");
    m.add(forged("missing exp", ES.sign(noExp)));
    m.add(forged("exp as a string", PS.sign(claims().put("exp", Long.toString(now + 600)))));
    m.add(forged("wrong iss", RS.sign(claims().put("iss", "https://evil.test/realms/spp"))));
    m.add(forged("HS256 issuer on a JWKS token", RS.sign(hsClaims())));
    m.add(forged("wrong aud", RS.sign(claims().put("aud", "account"))));
    m.add(forged("no aud", RS.sign(withoutAud())));

    m.add(forged("valid signature from another issuer's key (its own kid)", OTHER_RS.sign(claims())));
    m.add(forged("valid signature from another issuer's key (our RSA kid)", OTHER_RS.sign(header("RS256", "rs-1"),
        claims())));
    m.add(forged("valid signature from another issuer's key (our EC kid)", OTHER_ES.sign(header("ES256", "es-1"),
        claims())));
    m.add(forged("claims swapped under a genuine signature",
        unsigned(header("RS256", "rs-1"), claims().put("azp", "someone-else")) + "." + signaturePart(genuineRs)));
    m.add(forged("genuine signature on a payload that is not a JSON object",
        RS.signSegments(header("RS256", "rs-1"), JoseTestKeys.b64("[]".getBytes(StandardCharsets.UTF_8)))));
    m.add(forged("genuine signature on a payload that is not JSON",
        RS.signSegments(header("RS256", "rs-1"), JoseTestKeys.b64("exp=9999999999".getBytes(StandardCharsets.UTF_8)))));

    m.add(forged("truncated RS256 signature", genuineRs.substring(0, genuineRs.length() - 12)));
    m.add(forged("truncated ES256 signature (63 bytes)", withSignature(genuineEs, Arrays.copyOf(esSignature, 63))));
    m.add(forged("RS256 signature removed", genuineRs.substring(0, genuineRs.lastIndexOf('.') + 1)));
    m.add(forged("ES256 signature in DER form instead of r||s", withSignature(genuineEs, der(esSignature))));
    m.add(forged("ECDSA signature with r = s = 0", withSignature(genuineEs, new byte[64])));
    byte[] n = p256Order();
    byte[] rsN = new byte[64];
    System.arraycopy(n, 0, rsN, 0, 32);
    System.arraycopy(n, 0, rsN, 32, 32);
    m.add(forged("ECDSA signature with r = s = n (the curve order)", withSignature(genuineEs, rsN)));

    m.add(forged("non-base64url: '+' and '/' in the signature", genuineRs.substring(0, genuineRs.length() - 2) + "+/"));
    m.add(forged("non-base64url: padding '='", genuineRs + "=="));
    m.add(forged("non-base64url: '*' in the payload", genuineRs.replaceFirst("\\.", ".*")));
    m.add(forged("non-base64url: '%' in the header", "%" + genuineRs));
    m.add(forged("four segments", genuineRs + ".AAAA"));
    m.add(forged("two segments", genuineRs.substring(0, genuineRs.lastIndexOf('.'))));
    m.add(forged("empty header segment", genuineRs.substring(genuineRs.indexOf('.'))));
    m.add(forged("header that is not JSON", JoseTestKeys.b64("alg=RS256".getBytes(StandardCharsets.UTF_8))
        + genuineRs.substring(genuineRs.indexOf('.'))));
    m.add(forged("header over 2 KB (padding field)", RS.sign(header("RS256", "rs-1").put("pad", "p".repeat(3000)),
        claims())));
    m.add(forged("oversize header: token over 8 KB", RS.sign(header("RS256", "rs-1").put("pad", "p".repeat(9000)),
        claims())));
    m.add(forged("oversize payload: token over 8 KB", RS.sign(claims().put("pad", "p".repeat(9000)))));
    return m.stream();
  }

  static JsonObject withoutAud() {
    JsonObject c = claims();
    c.remove("aud");
    return c;
  }

  static byte[] der(byte[] jose) {
    try {
      return ECDSA.transcodeSignatureToDER(jose);
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- tests ---------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  @DisplayName("a forged token is refused with 401 and never reaches the client registry")
  void forgedTokenRefused(String name, String token, String detail) throws Exception {
    assertThatThrownBy(() -> await(direct.verify("Bearer " + token)))
        .as("TokenVerifier on its own")
        .isInstanceOf(AuthenticationException.class)
        .hasMessage(detail);

    LOOKUPS.set(0);
    HttpResponse<Buffer> r = oneShot.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token)
        .sendBuffer(BODY).await();
    if (token.length() <= 15 * 1024) {
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(401);
      assertThat(r.bodyAsJsonObject().getString("detail")).isEqualTo(detail);
      assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
    } else {
      // past the HTTP server's 16 KiB header limit the request never reaches authentication
      assertThat(r.statusCode()).as("over the header limit").isEqualTo(431);
    }
    assertThat(LOOKUPS.get()).as("client registry lookups").isZero();
    assertThat(idp.hits(ATTACKER_PATH)).as("fetches of a key location named by a token").isZero();
  }

  @Test
  @DisplayName("control: the same gateway accepts genuine RS256, ES256 and PS256 tokens and then asks the registry")
  void genuineTokensAccepted() throws Exception {
    LOOKUPS.set(0);
    for (SigningKey key : List.of(RS, ES, PS)) {
      HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
          .putHeader("Content-Type", "application/json")
          .putHeader("Authorization", "Bearer " + key.sign(claims()))
          .sendBuffer(BODY).await();
      assertThat(r.statusCode()).as(key.alg() + ": " + r.bodyAsString()).isEqualTo(200);
    }
    assertThat(LOOKUPS.get()).as("the interceptor sees registry lookups").isPositive();
    assertThat(await(direct.verify("Bearer " + gw.token(CLIENT)))).as("HS256 still works beside JWKS")
        .isEqualTo(CLIENT);
  }

  @Test
  @DisplayName("with only a JWKS source, an HS256 token keyed with the RSA public key (PEM or DER) is refused")
  void algorithmConfusionWithoutSecret() throws Exception {
    GatewayConfig.Auth jwksOnly = new GatewayConfig.Auth(null, HS_ISSUER, HS_AUDIENCE, 30, 0)
        .withJwks(new GatewayConfig.Jwks(idp.url(), ISSUER, AUDIENCE));
    TokenVerifier v = TokenVerifier.create(vertx, jwksOnly, null);
    try {
      await(v.ready());
      assertThat(await(v.verify("Bearer " + RS.sign(claims())))).isEqualTo(CLIENT);
      for (byte[] key : List.of(rsaPublicPem(), rsaPublicDer())) {
        for (String kid : Arrays.asList("rs-1", null)) {
          String token = JoseTestKeys.hmac(key, header("HS256", kid), claims());
          assertThatThrownBy(() -> await(v.verify("Bearer " + token)))
              .isInstanceOf(AuthenticationException.class)
              .hasMessage(AuthenticationException.INVALID_TOKEN);
        }
      }
    } finally {
      await(v.close());
    }
  }
}
