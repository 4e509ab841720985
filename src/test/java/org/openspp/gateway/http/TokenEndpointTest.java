package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * {@code POST /api/v2/spp/oauth/token} (spec §4.4) over real HTTP against a real gateway and PostgreSQL. The
 * endpoint allows 5 attempts per minute per remote IP, so every test talks from its own loopback source address
 * (127.0.0.2, 127.0.0.3, ...).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Token endpoint")
class TokenEndpointTest {

  static final String PATH = "/api/v2/spp/oauth/token";
  static final String FORM = "application/x-www-form-urlencoded";
  static final String LEGAL_SECRET = "legal-client-secret";
  static final Buffer EXPORT_BODY = new JsonObject().put("type", "Individual")
      .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer();

  /** An scrypt vector computed independently with Python (see SecretHasherTest): salt text and 64-byte key. */
  static final String VECTOR_SECRET = "demo-ngo-secret";
  static final String VECTOR_SALT = "00112233445566778899aabbccddeeff";
  static final String VECTOR_KEY_HEX = "260ebb923a7137541dd4462b69cd2392163377d48f80939f74ed457b01a17e83"
      + "22a1017be4413b751a17700d15b8b662c767186717fef8c8704f02419d8d9ab1";

  static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(2);
  static final List<WebClient> CLIENTS = new ArrayList<>();

  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    CLIENTS.forEach(WebClient::close);
    gw.stop();
  }

  /** A client with its own loopback source address, hence its own attempt budget. */
  static WebClient fromNewAddress() {
    return fromNewAddress(gw.config.http().port());
  }

  static WebClient fromNewAddress(int port) {
    WebClient client = WebClient.create(gw.vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1")
        .setDefaultPort(port)
        .setLocalAddress("127.0.0." + NEXT_ADDRESS.getAndIncrement()));
    CLIENTS.add(client);
    return client;
  }

  static String form(String... pairs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  static HttpResponse<Buffer> postForm(WebClient client, String body) {
    return client.post(PATH).putHeader("Content-Type", FORM).sendBuffer(Buffer.buffer(body)).await();
  }

  static HttpResponse<Buffer> postJson(WebClient client, JsonObject body) {
    return client.post(PATH).putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer()).await();
  }

  static String basic(String clientId, String secret) {
    String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
        + URLEncoder.encode(secret, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<Buffer> postBasic(WebClient client, String authorization, String body) {
    HttpRequest<Buffer> request = client.post(PATH).putHeader("Content-Type", FORM)
        .putHeader("Authorization", authorization);
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  static JsonObject part(String jwt, int index) {
    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[index]), StandardCharsets.UTF_8));
  }

  /** Checks a 200 token response and returns its access token. */
  static String assertIssued(HttpResponse<Buffer> r, String scope) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(r.getHeader("Pragma")).isEqualTo("no-cache");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("access_token", "token_type", "expires_in", "scope");
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.getValue("expires_in")).isEqualTo(3600);
    assertThat(body.getString("scope")).isEqualTo(scope);
    return body.getString("access_token");
  }

  static void assertExportAccepts(String token) {
    HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(EXPORT_BODY).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("successful")).isEqualTo(1);
  }

  static JsonObject assertProblem(HttpResponse<Buffer> r, int status, String category, String detail) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getString("type")).isEqualTo("urn:openspp:error:" + category);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    if (detail != null) {
      assertThat(problem.getString("detail")).isEqualTo(detail);
    }
    assertThat(problem.getString("instance")).isEqualTo(PATH);
    assertThat(problem.getString("requestId")).isEqualTo(r.getHeader("X-Request-Id"));
    assertThat(r.getHeader("X-API-Version")).isEqualTo("2.0.0");
    return problem;
  }

  static void assertInvalidClient(HttpResponse<Buffer> r, String... secrets) {
    assertProblem(r, 401, "authentication", "Invalid client credentials");
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Basic realm=\"openspp\"");
    for (String secret : secrets) {
      assertThat(r.bodyAsString()).doesNotContain(secret);
    }
  }

  static void insertClient(String clientId, String secretHash, boolean active, String... scopes) {
    gw.sql("INSERT INTO api_client (client_id, secret_hash, active, legal_basis, scopes) "
        + "VALUES ($1, $2, $3, 'public_task', $4)", clientId, secretHash, active, scopes);
  }

  @Test
  @DisplayName("a form body issues a token whose claims are exactly the OpenSPP ones, and the export accepts it")
  void formIssuesToken() {
    long before = Instant.now().getEpochSecond();
    HttpResponse<Buffer> r = postForm(fromNewAddress(), form("grant_type", "client_credentials",
        "client_id", "legal-client", "client_secret", LEGAL_SECRET));
    String token = assertIssued(r, "individual:read group:read");

    JsonObject header = part(token, 0);
    assertThat(header.getString("alg")).isEqualTo("HS256");
    JsonObject claims = part(token, 1);
    assertThat(claims.getString("iss")).isEqualTo("openspp-api-v2");
    assertThat(claims.getString("aud")).isEqualTo("openspp");
    assertThat(claims.getString("sub")).isEqualTo("legal-client");
    assertThat(claims.getString("client_id")).isEqualTo("legal-client");
    assertThat(claims.getJsonArray("scopes")).containsExactly("individual:read", "group:read");
    assertThat(claims.getLong("iat")).isBetween(before - 1, Instant.now().getEpochSecond() + 1);
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(3600);
    assertThat(claims.fieldNames()).contains("iss", "sub", "aud", "exp", "iat", "client_id", "scopes");

    assertExportAccepts(token);
  }

  @Test
  @DisplayName("a JSON body issues a token the export accepts")
  void jsonIssuesToken() {
    HttpResponse<Buffer> r = postJson(fromNewAddress(), new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", "legal-client").put("client_secret", LEGAL_SECRET));
    String token = assertIssued(r, "individual:read group:read");
    assertThat(part(token, 1).getString("client_id")).isEqualTo("legal-client");
    assertExportAccepts(token);
  }

  @Test
  @DisplayName("HTTP Basic credentials with grant_type in the form issue a token the export accepts")
  void basicIssuesToken() {
    HttpResponse<Buffer> r = postBasic(fromNewAddress(), basic("legal-client", LEGAL_SECRET),
        form("grant_type", "client_credentials"));
    String token = assertIssued(r, "individual:read group:read");
    assertThat(part(token, 1).getString("sub")).isEqualTo("legal-client");
    assertExportAccepts(token);
  }

  @Test
  @DisplayName("HTTP Basic with grant_type in a JSON body, and a form content type with a charset, are accepted")
  void basicWithJsonAndCharset() {
    WebClient client = fromNewAddress();
    HttpResponse<Buffer> json = client.post(PATH).putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Authorization", basic("individual-only", "individual-only-secret"))
        .sendBuffer(new JsonObject().put("grant_type", "client_credentials").toBuffer()).await();
    assertIssued(json, "individual:read");

    HttpResponse<Buffer> form = client.post(PATH).putHeader("Content-Type", FORM + "; charset=UTF-8")
        .sendBuffer(Buffer.buffer(form("grant_type", "client_credentials", "client_id", "group-all",
            "client_secret", "group-all-secret"))).await();
    assertIssued(form, "group:all");
  }

  @Test
  @DisplayName("a grant_type other than client_credentials, or none, is 400 with the exact OpenSPP text")
  void unsupportedGrantType() {
    WebClient client = fromNewAddress();
    String detail = "Unsupported grant_type. Only 'client_credentials' is supported.";
    JsonObject problem = assertProblem(postForm(client, form("grant_type", "password",
        "client_id", "legal-client", "client_secret", LEGAL_SECRET)), 400, "malformed-request", detail);
    assertThat(problem.encode()).doesNotContain(LEGAL_SECRET);
    assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("grant_type");

    assertProblem(postForm(client, form("client_id", "legal-client", "client_secret", LEGAL_SECRET)),
        400, "malformed-request", detail);
    assertProblem(postJson(client, new JsonObject().put("grant_type", "authorization_code")
        .put("client_id", "legal-client").put("client_secret", LEGAL_SECRET)), 400, "malformed-request", detail);
    assertProblem(postBasic(client, basic("legal-client", LEGAL_SECRET), ""), 400, "malformed-request", detail);
  }

  @Test
  @DisplayName("wrong secret, unknown client, inactive client and missing secret all answer 401 'Invalid client credentials' after a full scrypt verification")
  void invalidCredentials() {
    WebClient client = fromNewAddress();
    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    List<Long> millis = new ArrayList<>();
    String[][] attempts = {
        {"legal-client", "not-the-legal-secret"},
        {"no-such-client", LEGAL_SECRET},
        {"inactive-client", "inactive-client-secret"},
        {"legal-client", ""},
    };
    for (String[] attempt : attempts) {
      long started = System.nanoTime();
      answers.add(postForm(client, form("grant_type", "client_credentials", "client_id", attempt[0],
          "client_secret", attempt[1])));
      millis.add((System.nanoTime() - started) / 1_000_000);
    }
    assertInvalidClient(answers.get(0), "not-the-legal-secret");
    assertInvalidClient(answers.get(1), LEGAL_SECRET);
    assertInvalidClient(answers.get(2), "inactive-client-secret");
    assertInvalidClient(answers.get(3));
    // each attempt costs an scrypt run (~50 ms), even when there is no stored hash to check against
    assertThat(millis).as("response times in ms").allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(10));
  }

  @Test
  @DisplayName("Basic: a wrong or undecodable secret is 401, and credentials in both Basic and the body are 400")
  void basicFailures() {
    WebClient client = fromNewAddress();
    assertInvalidClient(postBasic(client, basic("legal-client", "wrong-secret"),
        form("grant_type", "client_credentials")), "wrong-secret");
    assertInvalidClient(postBasic(client, "Basic !!!not-base64!!!", form("grant_type", "client_credentials")));
    JsonObject problem = assertProblem(postBasic(client, basic("legal-client", LEGAL_SECRET),
        form("grant_type", "client_credentials", "client_secret", LEGAL_SECRET)), 400, "malformed-request", null);
    assertThat(problem.encode()).doesNotContain(LEGAL_SECRET);
  }

  @Test
  @DisplayName("the sixth attempt from one IP address within a minute is 429 with Retry-After; another address is still served")
  void attemptsPerAddress() {
    WebClient client = fromNewAddress();
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> r = postForm(client, form("grant_type", "password"));
      assertThat(r.statusCode()).as("attempt %d", i + 1).isEqualTo(400);
    }
    HttpResponse<Buffer> sixth = postForm(client, form("grant_type", "client_credentials",
        "client_id", "legal-client", "client_secret", LEGAL_SECRET));
    JsonObject problem = assertProblem(sixth, 429, "rate-limited", null);
    assertThat(problem.getString("detail")).matches("Rate limit exceeded\\. Retry after \\d+ seconds\\.");
    assertThat(Integer.parseInt(sixth.getHeader("Retry-After"))).isBetween(1, 60);
    assertThat(sixth.getHeader("RateLimit-Limit")).isEqualTo("5");
    assertThat(sixth.bodyAsString()).doesNotContain(LEGAL_SECRET);

    assertIssued(postForm(fromNewAddress(), form("grant_type", "client_credentials",
        "client_id", "legal-client", "client_secret", LEGAL_SECRET)), "individual:read group:read");
  }

  @Test
  @DisplayName("OpenSPP-format stored hashes verify: one from SecretHasher.hash and one made elsewhere with a Base64 key")
  void openSppHashes() {
    String special = "p@ss:w rd+%/é";
    insertClient("hasher-made", SecretHasher.hash(special), true, "individual:read", "group:all");
    String base64Key = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(VECTOR_KEY_HEX));
    insertClient("made-elsewhere", "$scrypt$" + VECTOR_SALT + "$" + base64Key, true, "group:read");

    WebClient client = fromNewAddress();
    // Basic credentials are form-encoded before Base64 (RFC 6749 §2.3.1)
    String token = assertIssued(postBasic(client, basic("hasher-made", special),
        form("grant_type", "client_credentials")), "individual:read group:all");
    assertThat(part(token, 1).getJsonArray("scopes")).containsExactly("individual:read", "group:all");
    assertIssued(postForm(client, form("grant_type", "client_credentials", "client_id", "hasher-made",
        "client_secret", special)), "individual:read group:all");
    assertIssued(postJson(client, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", "made-elsewhere").put("client_secret", VECTOR_SECRET)), "group:read");
    assertInvalidClient(postJson(client, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", "made-elsewhere").put("client_secret", VECTOR_SECRET + "x")), VECTOR_SECRET);
  }

  @Test
  @DisplayName("a client without a stored secret, or with a plain-text one, never gets a token")
  void unusableStoredSecrets() {
    insertClient("no-secret", null, true, "individual:read");
    insertClient("plain-secret", "plain-text-secret", true, "individual:read");
    WebClient client = fromNewAddress();
    assertInvalidClient(postForm(client, form("grant_type", "client_credentials", "client_id", "no-secret",
        "client_secret", "anything")), "anything");
    assertInvalidClient(postForm(client, form("grant_type", "client_credentials", "client_id", "plain-secret",
        "client_secret", "plain-text-secret")), "plain-text-secret");
  }

  @Test
  @DisplayName("client ids PostgreSQL cannot hold (a NUL) or longer than 256 characters are unknown clients, not registry outages")
  void hostileClientIds() {
    WebClient client = fromNewAddress();
    for (int i = 0; i < 5; i++) {
      // five NUL ids in a row would open a breaker if they reached the registry
      assertInvalidClient(postJson(client, new JsonObject().put("grant_type", "client_credentials")
          .put("client_id", "legal-client\0" + i).put("client_secret", LEGAL_SECRET)), LEGAL_SECRET);
    }
    WebClient other = fromNewAddress();
    assertInvalidClient(postForm(other, form("grant_type", "client_credentials", "client_id", "x".repeat(257),
        "client_secret", LEGAL_SECRET)), LEGAL_SECRET);
    assertIssued(postForm(other, form("grant_type", "client_credentials", "client_id", "legal-client",
        "client_secret", LEGAL_SECRET)), "individual:read group:read");
  }

  @Test
  @DisplayName("other content types are 415, broken bodies 400, bodies over 8 KiB 413, other methods 405")
  void malformedRequests() {
    WebClient client = fromNewAddress();
    assertProblem(client.post(PATH).putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("grant_type=client_credentials")).await(), 415, "unsupported-media-type", null);
    assertProblem(client.post(PATH).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"grant_type\":")).await(), 400, "malformed-request", null);
    JsonObject notString = assertProblem(postJson(client, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", "legal-client").put("client_secret", 12345)), 400, "malformed-request", null);
    assertThat(notString.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("client_secret");
    assertProblem(postForm(client, "grant_type=client_credentials&grant_type=client_credentials"),
        400, "malformed-request", "Parameter 'grant_type' must not be repeated");
    assertProblem(postForm(client, form("grant_type", "client_credentials", "client_secret", "x".repeat(9000))),
        413, "payload-too-large", null);

    HttpResponse<Buffer> get = client.get(PATH).send().await();
    assertProblem(get, 405, "method-not-allowed", null);
    assertThat(get.getHeader("Allow")).isEqualTo("POST");
  }

  @Test
  @DisplayName("without an HS256 secret the endpoint answers 500 'Token issuing is not configured'")
  void notConfigured() {
    GatewayHarness bare = GatewayHarness.startOn(gw.vertx, gw.dbUrl, c -> new GatewayConfig(c.http(), c.management(),
        c.db(), c.registries(), new GatewayConfig.Auth(null, c.auth().issuer(), c.auth().audience(),
        c.auth().leewaySeconds(), c.auth().clientCacheMs()), c.export(), c.audit()), null);
    try {
      HttpResponse<Buffer> r = postForm(fromNewAddress(bare.config.http().port()), form("grant_type",
          "client_credentials", "client_id", "legal-client", "client_secret", LEGAL_SECRET));
      assertProblem(r, 500, "server-error", "Token issuing is not configured");
      assertThat(r.bodyAsString()).doesNotContain(LEGAL_SECRET);
    } finally {
      bare.stop();
    }
  }
}
