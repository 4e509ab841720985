package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.support.GatewayHarness;

/** Authentication (spec §4.1, §4.2) and scopes (§4.3) at the HTTP edge. */
@ExtendWith(VertxExtension.class)
@DisplayName("Authentication and scopes")
class AuthenticationTest {

  static GatewayHarness gw;
  static final Buffer VALID_BODY = new JsonObject().put("type", "Individual")
      .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer();

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static HttpRequest<Buffer> post() {
    return gw.client.post(GatewayHarness.ExportPaths.EXPORT).putHeader("Content-Type", "application/json");
  }

  static HttpResponse<Buffer> withAuthorization(String value) {
    return post().putHeader("Authorization", value).sendBuffer(VALID_BODY).await();
  }

  static HttpResponse<Buffer> withToken(String token) {
    return withAuthorization("Bearer " + token);
  }

  static JsonObject claims(String clientId) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("iss", "openspp-api-v2").put("aud", "openspp").put("sub", clientId)
        .put("client_id", clientId).put("iat", now).put("exp", now + 600);
  }

  static String sign(JsonObject claims) {
    return gw.minter.sign(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims);
  }

  static void assertUnauthorized(HttpResponse<Buffer> r, String detail, boolean tokenPresented) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(401);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getString("type")).isEqualTo("urn:openspp:error:authentication");
    assertThat(problem.getInteger("status")).isEqualTo(401);
    assertThat(problem.getString("detail")).isEqualTo(detail);
    assertThat(problem.getString("requestId")).isEqualTo(r.getHeader("X-Request-Id"));
    assertThat(r.getHeader("WWW-Authenticate"))
        .isEqualTo(tokenPresented ? "Bearer error=\"invalid_token\"" : "Bearer");
  }

  @Test
  @DisplayName("no Authorization header: 401 'Missing Authorization header' with WWW-Authenticate: Bearer")
  void missingHeader() {
    assertUnauthorized(post().sendBuffer(VALID_BODY).await(), "Missing Authorization header", false);
  }

  @Test
  @DisplayName("a non-Bearer scheme counts as no bearer credentials")
  void basicSchemeIsMissing() {
    assertUnauthorized(withAuthorization("Basic bGVnYWw6c2VjcmV0"), "Missing Authorization header", false);
  }

  @Test
  @DisplayName("a token in the query string is never used")
  void queryStringTokenIgnored() {
    HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT + "?access_token=" + gw.token("legal-client"))
        .putHeader("Content-Type", "application/json").sendBuffer(VALID_BODY).await();
    assertUnauthorized(r, "Missing Authorization header", false);
  }

  @Test
  @DisplayName("the Bearer scheme is case-insensitive")
  void schemeCaseInsensitive() {
    HttpResponse<Buffer> r = withAuthorization("bEaReR " + gw.token("legal-client"));
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("garbage, truncated or re-signed tokens are 'Invalid token'")
  void invalidTokens() {
    String good = gw.token("legal-client");
    assertUnauthorized(withToken("not-a-jwt"), "Invalid token", true);
    assertUnauthorized(withToken(good.substring(0, good.length() - 5)), "Invalid token", true);
    TokenMinter other = new TokenMinter("another-secret-another-secret-another-1", "openspp-api-v2", "openspp");
    assertUnauthorized(withToken(other.sign(new JsonObject().put("alg", "HS256"), claims("legal-client"))),
        "Invalid token", true);
  }

  @Test
  @DisplayName("alg none and algorithms other than the pinned HS256 are refused")
  void algorithmPinned() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload = b64.encodeToString(claims("legal-client").encode().getBytes(StandardCharsets.UTF_8));
    String none = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + payload + ".";
    assertUnauthorized(withToken(none), "Invalid token", true);
    assertUnauthorized(withToken(gw.minter.sign(new JsonObject().put("alg", "HS512"), claims("legal-client"))),
        "Invalid token", true);
  }

  @Test
  @DisplayName("key-location headers (jku, x5u, jwk) are refused even with a valid signature")
  void keyLocationHeadersRefused() {
    for (String header : new String[] {"jku", "x5u", "jwk"}) {
      String token = gw.minter.sign(new JsonObject().put("alg", "HS256").put(header, "http://127.0.0.1/keys"),
          claims("legal-client"));
      assertUnauthorized(withToken(token), "Invalid token", true);
    }
  }

  @Test
  @DisplayName("an expired token is 'Token expired'; within the leeway it is still accepted")
  void expiry() {
    long now = Instant.now().getEpochSecond();
    assertUnauthorized(withToken(sign(claims("legal-client").put("exp", now - 120))), "Token expired", true);
    assertThat(withToken(sign(claims("legal-client").put("exp", now - 5))).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("exp is required")
  void expRequired() {
    JsonObject c = claims("legal-client");
    c.remove("exp");
    assertUnauthorized(withToken(sign(c)), "Invalid token", true);
  }

  @Test
  @DisplayName("a future nbf, a wrong issuer or a wrong audience is 'Invalid token'")
  void nbfIssuerAudience() {
    long now = Instant.now().getEpochSecond();
    assertUnauthorized(withToken(sign(claims("legal-client").put("nbf", now + 600))), "Invalid token", true);
    assertUnauthorized(withToken(sign(claims("legal-client").put("iss", "someone-else"))), "Invalid token", true);
    assertUnauthorized(withToken(sign(claims("legal-client").put("aud", "other"))), "Invalid token", true);
    assertThat(withToken(sign(claims("legal-client").put("aud", new JsonArray().add("x").add("openspp"))))
        .statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the client is client_id, else azp, else sub; none of them is 'Invalid token: missing client_id'")
  void clientIdClaims() {
    JsonObject azpOnly = claims("ignored");
    azpOnly.remove("client_id");
    azpOnly.remove("sub");
    azpOnly.put("azp", "legal-client");
    assertThat(withToken(sign(azpOnly)).statusCode()).isEqualTo(200);
    JsonObject subOnly = claims("legal-client");
    subOnly.remove("client_id");
    assertThat(withToken(sign(subOnly)).statusCode()).isEqualTo(200);
    JsonObject none = claims("x");
    none.remove("client_id");
    none.remove("sub");
    assertUnauthorized(withToken(sign(none)), "Invalid token: missing client_id", true);
  }

  @Test
  @DisplayName("unknown and inactive clients are 'Client not found or inactive'")
  void unknownAndInactiveClients() {
    assertUnauthorized(withToken(gw.token("nobody")), "Client not found or inactive", true);
    assertUnauthorized(withToken(gw.token("inactive-client")), "Client not found or inactive", true);
  }

  @Test
  @DisplayName("authentication comes before the body: no token and a broken or wrongly typed body is still 401")
  void authenticationBeforeBody() {
    HttpResponse<Buffer> broken = post().sendBuffer(Buffer.buffer("{not json")).await();
    assertUnauthorized(broken, "Missing Authorization header", false);
    HttpResponse<Buffer> text = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("hello")).await();
    assertUnauthorized(text, "Missing Authorization header", false);
    HttpResponse<Buffer> huge = post().sendBuffer(Buffer.buffer(new byte[200_000])).await();
    assertUnauthorized(huge, "Missing Authorization header", false);
  }

  static void assertForbidden(HttpResponse<Buffer> r, String scope) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(403);
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getString("type")).isEqualTo("urn:openspp:error:authorization");
    assertThat(problem.getString("detail"))
        .isEqualTo("Missing required scope '" + scope + "'. Request access from your administrator.");
    assertThat(r.getHeader("WWW-Authenticate"))
        .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"");
  }

  static JsonObject body(String type) {
    return new JsonObject().put("type", type).put("identifiers", new JsonArray().add("urn:test:hh|G-1"));
  }

  @Test
  @DisplayName("a client without group:read gets 403 with the exact text for a Group export")
  void missingScope() {
    assertForbidden(gw.export("individual-only", body("Group")).await(), "group:read");
    assertThat(gw.export("individual-only", body("Individual")).await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("resource:all implies read; search does not")
  void scopeWildcards() {
    assertThat(gw.export("group-all", body("Group")).await().statusCode()).isEqualTo(200);
    assertForbidden(gw.export("group-all", body("Individual")).await(), "individual:read");
    assertForbidden(gw.export("search-only", body("Individual")).await(), "individual:read");
  }

  @Test
  @DisplayName("token scope claims never widen what the client registry grants")
  void tokenScopesDoNotWiden() {
    String token = gw.minter.mint("individual-only", java.util.List.of("group:read", "group:all"),
        java.time.Duration.ofMinutes(5));
    HttpResponse<Buffer> r = post().putHeader("Authorization", "Bearer " + token)
        .sendBuffer(body("Group").toBuffer()).await();
    assertForbidden(r, "group:read");
  }
}
