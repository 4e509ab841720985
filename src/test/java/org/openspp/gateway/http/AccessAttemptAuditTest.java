package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;
import org.slf4j.LoggerFactory;

/**
 * Every access attempt is attributable (issue 13, spec §10): a request refused after its token verified leaves an
 * audit row with its status, reason, address, user agent and the identifiers it named; failed authentication
 * leaves a security log line and a bounded metric; an ambiguous identifier names every holder; the README's "who
 * accessed this person" query finds denied, refused and ambiguous attempts.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Access attempts are audited")
class AccessAttemptAuditTest {

  static GatewayHarness gw;

  static final String LIMITED = "{\"kind\":\"ApiClient\",\"clientId\":\"limited-client\",\"name\":\"Limited\","
      + "\"secret\":\"limited-client-secret\",\"active\":true,\"legalBasis\":\"public_task\",\"organization\":\"org-l\","
      + "\"organizationType\":\"government\",\"scopes\":[\"individual:read\"],\"rateLimitPerMinute\":1}";

  /**
   * The README's "who accessed this person" query (keep the two identical): every audit item that resolved to the
   * person, matched the person among other holders of an ambiguous identifier, or named one of the person's
   * identifiers in a refused request. {@code $1}/{@code $2}: one identifier (system, value) of the person.
   */
  static final String WHO_ACCESSED = """
      WITH person AS (SELECT registrant_id AS id FROM registrant_identifier
                       WHERE system = $1 AND value = $2 LIMIT 1),
           names AS (SELECT x.system || '|' || x.value AS identifier FROM registrant_identifier x
                      WHERE x.registrant_id = (SELECT id FROM person))
      SELECT r.requested_at, r.client_id, r.legal_basis, r.http_status, r.reason, i.identifier, i.status,
             i.consent_id, i.purpose, i.fields, r.request_id, r.remote_address, r.user_agent
        FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id
       WHERE i.registrant_id = (SELECT id FROM person)
          OR i.holder_ids @> ARRAY[(SELECT id FROM person)]
          OR (i.status = 'refused' AND i.identifier IN (SELECT identifier FROM names))
       ORDER BY r.requested_at""";

  ListAppender<ILoggingEvent> securityLog;

  @BeforeAll
  static void start(Vertx vertx) {
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    lines.add(LIMITED);
    gw = GatewayHarness.startWithLines(vertx, lines, c -> c);
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  @BeforeEach
  void captureSecurityLog() {
    securityLog = new ListAppender<>();
    securityLog.start();
    ((Logger) LoggerFactory.getLogger("spp.security")).addAppender(securityLog);
  }

  @AfterEach
  void releaseSecurityLog() {
    ((Logger) LoggerFactory.getLogger("spp.security")).detachAppender(securityLog);
  }

  static JsonObject body(String type, String... ids) {
    return new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
  }

  static HttpResponse<Buffer> send(String client, String requestId, JsonObject body) {
    return gw.exportRequest(client).putHeader("X-Request-Id", requestId).putHeader("User-Agent", "probe/2.0")
        .sendBuffer(body.toBuffer()).await();
  }

  static List<Row> rows(String sql, Object... params) {
    List<Row> rows = new ArrayList<>();
    gw.sql(sql, params).forEach(rows::add);
    return rows;
  }

  static Row requestRow(String requestId) {
    List<Row> rows = rows("SELECT * FROM audit_request WHERE request_id = $1", requestId);
    assertThat(rows).as("audit rows of request %s", requestId).hasSize(1);
    return rows.get(0);
  }

  static List<String> refusedItems(String requestId) {
    return rows("SELECT i.identifier, i.status FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id "
        + "WHERE r.request_id = $1 ORDER BY i.position", requestId).stream()
        .map(r -> r.getString("status") + " " + r.getString("identifier")).toList();
  }

  static long registrantId(String ref) {
    return rows("SELECT id FROM registrant WHERE ref = $1", ref).get(0).getLong("id");
  }

  double authFailures(String endpoint, String reason) {
    Counter c = gw.main.meters().find("gateway.auth.failures").tag("endpoint", endpoint).tag("reason", reason)
        .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  @DisplayName("a scope denial (403) is audited with the identifiers it named, the address and the user agent")
  void scopeDenialIsAudited() {
    HttpResponse<Buffer> r = send("individual-only", "attempt-403", body("Group", "urn:test:hh|G-1", "urn:x|Y"));
    assertThat(r.statusCode()).isEqualTo(403);

    Row req = requestRow("attempt-403");
    assertThat(req.getInteger("http_status")).isEqualTo(403);
    assertThat(req.getString("reason")).isEqualTo("authorization");
    assertThat(req.getString("client_id")).isEqualTo("individual-only");
    assertThat(req.getString("legal_basis")).isEqualTo("legal_obligation");
    assertThat(req.getString("resource_type")).isEqualTo("Group");
    assertThat(req.getString("remote_address")).isEqualTo("127.0.0.1");
    assertThat(req.getString("user_agent")).isEqualTo("probe/2.0");
    assertThat(req.getInteger("total")).isEqualTo(2);
    assertThat(refusedItems("attempt-403")).containsExactly("refused urn:test:hh|G-1", "refused urn:x|Y");
  }

  @Test
  @DisplayName("a rate-limited request (429) is audited with the identifiers its body named")
  void rateLimitedRequestIsAudited() {
    assertThat(send("limited-client", "attempt-429-a", body("Individual", "urn:test:nid|A-1")).statusCode())
        .isEqualTo(200);
    HttpResponse<Buffer> r = send("limited-client", "attempt-429-b", body("Individual", "urn:test:nid|B-1"));
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.getHeader("Retry-After")).isNotNull();

    Row req = requestRow("attempt-429-b");
    assertThat(req.getInteger("http_status")).isEqualTo(429);
    assertThat(req.getString("reason")).isEqualTo("rate-limited");
    assertThat(req.getString("resource_type")).isEqualTo("Individual");
    assertThat(refusedItems("attempt-429-b")).containsExactly("refused urn:test:nid|B-1");
    assertThat(requestRow("attempt-429-a").getInteger("http_status")).isEqualTo(200);
  }

  @Test
  @DisplayName("an invalid body (422) and a wrong content type (415) are audited with their status and reason")
  void invalidBodiesAreAudited() {
    assertThat(send("legal-client", "attempt-422", body("Household", "urn:test:nid|A-1")).statusCode()).isEqualTo(422);
    Row req = requestRow("attempt-422");
    assertThat(req.getInteger("http_status")).isEqualTo(422);
    assertThat(req.getString("reason")).isEqualTo("validation");
    assertThat(req.getString("resource_type")).isNull();

    HttpResponse<Buffer> r = gw.exportRequest("legal-client").putHeader("X-Request-Id", "attempt-415")
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("hello")).await();
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(requestRow("attempt-415").getString("reason")).isEqualTo("unsupported-media-type");
    assertThat(refusedItems("attempt-415")).isEmpty();
  }

  @Test
  @DisplayName("a valid token of an inactive client is audited (401) and is a security event naming that client")
  void inactiveClientIsAuditedAndLogged() {
    double before = authFailures("export", "unknown_client");
    HttpResponse<Buffer> r = send("inactive-client", "attempt-401-inactive", body("Individual", "urn:test:nid|A-1"));
    assertThat(r.statusCode()).isEqualTo(401);

    Row req = requestRow("attempt-401-inactive");
    assertThat(req.getInteger("http_status")).isEqualTo(401);
    assertThat(req.getString("reason")).isEqualTo("authentication");
    assertThat(req.getString("client_id")).isEqualTo("inactive-client");
    assertThat(authFailures("export", "unknown_client")).isEqualTo(before + 1);
    assertThat(securityLine("attempt-401-inactive")).contains("event.reason=unknown_client",
        "user.id=inactive-client", "client.address=127.0.0.1", "user_agent.original=probe/2.0");
  }

  @Test
  @DisplayName("a token that does not verify leaves no audit row but a security line and a bounded metric")
  void forgedTokenIsASecurityEvent() {
    double before = authFailures("export", "invalid_token");
    HttpResponse<Buffer> r = gw.client.post(gw.config.http().port(), "localhost", HttpVerticle.EXPORT_PATH)
        .putHeader("Authorization", "Bearer not.a.token").putHeader("X-Request-Id", "attempt-401-forged")
        .putHeader("User-Agent", "forger/1").putHeader("Content-Type", "application/json")
        .sendBuffer(body("Individual", "urn:test:nid|A-1").toBuffer()).await();
    assertThat(r.statusCode()).isEqualTo(401);

    assertThat(rows("SELECT 1 FROM audit_request WHERE request_id = 'attempt-401-forged'")).isEmpty();
    assertThat(authFailures("export", "invalid_token")).isEqualTo(before + 1);
    String line = securityLine("attempt-401-forged");
    assertThat(line).contains("event.action=authentication_failed", "event.category=authentication",
        "event.outcome=failure", "spp.endpoint=export", "event.reason=invalid_token", "client.address=127.0.0.1",
        "user_agent.original=forger/1").doesNotContain("user.id", "not.a.token");
  }

  @Test
  @DisplayName("a wrong client secret at the token endpoint is a security event with the address")
  void wrongSecretIsASecurityEvent() {
    double before = authFailures("token", "invalid_credentials");
    HttpResponse<Buffer> r = gw.client.post(gw.config.http().port(), "localhost", TokenEndpoint.PATH)
        .putHeader("X-Request-Id", "attempt-token-1").putHeader("User-Agent", "guesser/1")
        .sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("grant_type", "client_credentials")
            .add("client_id", "legal-client").add("client_secret", "guess-1")).await();
    assertThat(r.statusCode()).isEqualTo(401);

    assertThat(authFailures("token", "invalid_credentials")).isEqualTo(before + 1);
    assertThat(securityLine("attempt-token-1")).contains("spp.endpoint=token", "event.reason=invalid_credentials",
        "client.address=127.0.0.1", "user_agent.original=guesser/1").doesNotContain("guess-1", "user.id");
  }

  @Test
  @DisplayName("an ambiguous identifier names every holder, for the error and the access_denied outcome")
  void ambiguousIdentifierNamesEveryHolder() {
    Set<Long> holders = Set.of(registrantId("d1"), registrantId("d2"));
    send("legal-client", "attempt-ambiguous-legal", body("Individual", "urn:test:nid|DUP-1"));
    send("consent-client", "attempt-ambiguous-consent", body("Individual", "urn:test:nid|DUP-1"));

    for (String id : List.of("attempt-ambiguous-legal", "attempt-ambiguous-consent")) {
      Row item = rows("SELECT i.* FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id "
          + "WHERE r.request_id = $1", id).get(0);
      assertThat(item.getString("status")).isEqualTo(id.endsWith("legal") ? "error" : "access_denied");
      assertThat(item.getValue("registrant_id")).isNull();
      assertThat(Set.of(item.getArrayOfLongs("holder_ids"))).isEqualTo(holders);
    }
  }

  @Test
  @DisplayName("the README's 'who accessed this person' query returns denied, refused and ambiguous attempts")
  void whoAccessedFindsEveryAttempt() {
    send("legal-client", "who-served", body("Individual", "urn:test:nid|D-1"));
    send("consent-client", "who-denied", body("Individual", "urn:test:nid|D-1"));
    send("individual-only", "who-refused", body("Group", "urn:test:nid|D-1"));
    send("consent-client", "who-ambiguous", body("Individual", "urn:test:nid|DUP-1"));
    send("legal-client", "who-other", body("Individual", "urn:test:nid|A-1"));

    List<Row> found = rows(WHO_ACCESSED, "urn:test:nid", "D-1");
    Set<String> seen = found.stream().map(r -> r.getString("request_id") + " " + r.getString("status"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(seen).contains("who-served success", "who-denied access_denied", "who-refused refused",
        "who-ambiguous access_denied").noneMatch(s -> s.startsWith("who-other"));
    assertThat(found).allSatisfy(r -> assertThat(r.getString("remote_address")).isEqualTo("127.0.0.1"));
  }

  @Test
  @DisplayName("the who-accessed query in the README is the one this test runs")
  void readmeQueryIsTested() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    String normalised = readme.replaceAll("\\s+", " ");
    String query = WHO_ACCESSED.replace("$1", "'urn:gov:ph:psa:national-id'").replace("$2", "'PH-100000002'")
        .replaceAll("\\s+", " ");
    assertThat(normalised).contains(query);
  }

  String securityLine(String requestId) {
    return securityLog.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("http.request.id=" + requestId)).findFirst()
        .orElseThrow(() -> new AssertionError("no spp.security line for " + requestId + " in "
            + Arrays.toString(securityLog.list.stream().map(ILoggingEvent::getFormattedMessage).toArray())));
  }
}
