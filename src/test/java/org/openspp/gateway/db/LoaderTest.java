package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.support.TestRegistry;

@ExtendWith(VertxExtension.class)
@Timeout(120)
class LoaderTest {

  private static final String NID = "urn:gov:ph:psa:national-id";
  private static final String COUNTS = """
      SELECT (SELECT count(*) FROM registrant) AS registrant,
             (SELECT count(*) FROM registrant_identifier) AS registrant_identifier,
             (SELECT count(*) FROM group_membership) AS group_membership,
             (SELECT count(*) FROM api_client) AS api_client,
             (SELECT count(*) FROM consent) AS consent,
             (SELECT count(*) FROM consent_scope) AS consent_scope""";
  private static final Map<String, Long> EMPTY = counts(0, 0, 0, 0, 0, 0);
  private static final Map<String, Long> DEMO = counts(7, 9, 3, 2, 3, 4);

  private Pool pool;
  private RegistryLoader loader;

  @BeforeEach
  void createRegistry(Vertx vertx) {
    pool = TestRegistry.pool(vertx, TestRegistry.migratedDatabaseUrl(vertx));
    loader = new RegistryLoader(vertx, pool);
  }

  @AfterEach
  void closePool() {
    pool.close().await();
  }

  @Test
  @DisplayName("the demo registry loads with every field in place")
  void loadsDemo() {
    LoadReport report = loader.load("registry.ndjson", demoLines(), false).await();

    assertThat(report).isEqualTo(new LoadReport(6, 1, 2, 3));
    assertThat(counts()).isEqualTo(DEMO);

    Row pena = registrant("demo-ind-004");
    assertThat(pena.getString("name")).isEqualTo("Ana Lourdes Peña");
    assertThat(pena.getString("family_name")).isEqualTo("PEÑA");
    assertThat(pena.getString("country")).isEqualTo("PH");
    assertThat(pena.getBoolean("active")).isTrue();
    JsonObject farmer = ((JsonObject) pena.getValue("extension")).getJsonObject("farmer");
    assertThat(farmer.getDouble("farmSize")).isEqualTo(2.5);
    assertThat(pena.getInteger("version_id")).isEqualTo(1);

    Row jose = registrant("demo-ind-003");
    assertThat(jose.getString("name")).isEqualTo("José SANTOS");
    assertThat(jose.getString("middle_name")).isNull();
    assertThat(jose.getBoolean("birth_date_estimated")).isTrue();
    assertThat(jose.getLocalDate("birth_date")).hasToString("2012-09-01");
    assertThat(jose.getOffsetDateTime("last_updated").toInstant()).hasToString("2026-01-05T08:00:00Z");

    assertThat(registrant("demo-ind-005").getBoolean("active")).isFalse();
    assertThat(registrant("demo-hh-001").getString("name")).isEqualTo("Santos household");
    assertThat(registrant("demo-hh-001").getString("group_type")).isEqualTo("household");

    assertThat(strings("""
        SELECT i.position || ' ' || i.value || ' ' || i.status FROM registrant_identifier i
        JOIN registrant r ON r.id = i.registrant_id WHERE r.ref = 'demo-ind-006' ORDER BY i.position"""))
        .containsExactly("0 PH-100000060 invalid", "1 PH-100000006 valid");
    assertThat(strings("""
        SELECT m.position || ' ' || m.role_code || ' ' || i.ref || ' ' || coalesce(m.end_date::text, '-')
        FROM group_membership m JOIN registrant i ON i.id = m.individual_id ORDER BY m.position"""))
        .containsExactly("0 head demo-ind-001 -", "1 spouse demo-ind-002 -", "2 child demo-ind-003 -");
    assertThat(strings("""
        SELECT c.ref || ' ' || r.ref || ' ' || s.position || ' ' || s.resource_type || ' ' || s.field_access
        FROM consent c JOIN registrant r ON r.id = c.subject_id JOIN consent_scope s ON s.consent_id = c.id
        ORDER BY c.ref, s.position"""))
        .containsExactly("demo-consent-001 demo-ind-004 0 individual all", "demo-consent-002 demo-hh-001 0 group all",
            "demo-consent-002 demo-hh-001 1 individual basic", "demo-consent-003 demo-ind-006 0 all custom");

    Row ngo = client("demo-ngo");
    assertThat(ngo.getString("legal_basis")).isEqualTo("consent");
    assertThat(ngo.getString("organization")).isEqualTo("org-demo-ngo");
    assertThat(ngo.getString("organization_type")).isEqualTo("ngo");
    assertThat(ngo.getArrayOfStrings("scopes")).containsExactly("individual:read", "group:read");
    assertThat(SecretHasher.verify("demo-ngo-secret", ngo.getString("secret_hash"))).isTrue();
    Row programme = client("demo-programme");
    assertThat(programme.getString("legal_basis")).isEqualTo("public_task");
    assertThat(programme.getString("organization")).isEqualTo("org-dswd");
    assertThat(SecretHasher.verify("demo-programme-secret", programme.getString("secret_hash"))).isTrue();
  }

  @Test
  @DisplayName("loading the demo twice updates in place: same rows and ids, versions bumped")
  void reloadIsIdempotent() {
    loader.load("registry.ndjson", demoLines(), false).await();
    List<String> ids = strings("SELECT ref || '=' || id FROM registrant ORDER BY ref");
    List<String> consentIds = strings("SELECT ref || '=' || id FROM consent ORDER BY ref");

    loader.load("registry.ndjson", demoLines(), false).await();

    assertThat(counts()).isEqualTo(DEMO);
    assertThat(strings("SELECT ref || '=' || id FROM registrant ORDER BY ref")).isEqualTo(ids);
    assertThat(strings("SELECT ref || '=' || id FROM consent ORDER BY ref")).isEqualTo(consentIds);
    assertThat(strings("SELECT DISTINCT version_id::text FROM registrant")).containsExactly("2");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
      "bad date; {\"kind\":\"Individual\",\"birthDate\":\"1985-13-01\"}; 'birthDate'",
      "impossible date; {\"kind\":\"Individual\",\"birthDate\":\"2023-02-30\"}; 'birthDate' is not a valid calendar date",
      "unknown kind; {\"kind\":\"Household\"}; 'kind' must be one of",
      "malformed JSON; {\"kind\":\"Individual\",; malformed JSON",
      "not an object; [1]; malformed JSON",
      "missing identifier value; {\"kind\":\"Individual\",\"identifier\":[{\"system\":\"" + NID + "\"}]};"
          + " 'identifier[0].value' is missing",
      "empty identifier system; {\"kind\":\"Individual\",\"identifier\":[{\"system\":\"\",\"value\":\"PH-7\"}]};"
          + " 'identifier[0].system' must not be empty",
      "bad identifier status; {\"kind\":\"Individual\",\"identifier\":[{\"system\":\"s\",\"value\":\"PH-7\",\"status\":\"gone\"}]};"
          + " 'identifier[0].status' must be one of invalid, valid",
      "bad lastUpdated; {\"kind\":\"Group\",\"lastUpdated\":\"yesterday\"}; 'lastUpdated' must be an ISO-8601 instant",
      "wrong type; {\"kind\":\"Individual\",\"active\":\"yes\"}; 'active' must be true or false",
      "unknown field; {\"kind\":\"Individual\",\"birthdate\":\"1985-01-01\"}; unknown field 'birthdate'",
      "bad member reference; {\"kind\":\"Group\",\"member\":[{\"individual\":\"PH-7\"}]};"
          + " 'member[0].individual' must be written <system>|<value>",
      "bad consent status; {\"kind\":\"Consent\",\"subject\":\"Individual/s|PH-7\",\"recipients\":{\"mode\":\"specific\","
          + "\"organizations\":[\"o\"]},\"status\":\"maybe\"}; 'status' must be one of",
      "bad recipients mode; {\"kind\":\"Consent\",\"subject\":\"Individual/s|PH-7\",\"recipients\":{\"mode\":\"all\"},"
          + "\"status\":\"given\"}; 'recipients.mode' must be one of category, specific",
      "bad scope; {\"kind\":\"Consent\",\"subject\":\"Individual/s|PH-7\",\"recipients\":{\"mode\":\"category\","
          + "\"organizationTypes\":[\"ngo\"]},\"status\":\"given\",\"scopes\":[{\"resourceType\":\"household\","
          + "\"fieldAccess\":\"all\"}]}; 'scopes[0].resourceType' must be one of all, group, individual",
      "bad subject; {\"kind\":\"Consent\",\"subject\":\"Person/s|PH-7\"}; 'subject' must be written",
      "bad client scope; {\"kind\":\"ApiClient\",\"clientId\":\"c\",\"scopes\":[\"read\"]}; 'scopes[0]' must be written resource:action",
      "bad rate limit; {\"kind\":\"ApiClient\",\"clientId\":\"c\",\"rateLimitPerMinute\":0}; 'rateLimitPerMinute' must be a positive",
      "malformed hash; {\"kind\":\"ApiClient\",\"clientId\":\"c\",\"secret\":\"$scrypt$abc\"}; 'secret' starts with $scrypt$",
      "duplicate ref; {\"kind\":\"Group\",\"ref\":\"one\"}; 'ref' is already used on line 1",
  })
  @DisplayName("an invalid line rejects the file with its line number and nothing is written")
  void invalidLine(String label, String badLine, String reason) {
    List<String> lines = List.of(
        individual("one", "PH-1"),
        "",
        individual("two", "PH-2"),
        badLine,
        individual("three", "PH-3"));

    LoadException failure = loadFailure("bad.ndjson", lines);

    assertThat(failure.lineNumber()).isEqualTo(4);
    assertThat(failure.reason()).contains(reason).doesNotContain("PH-7");
    assertThat(failure.getMessage()).isEqualTo("bad.ndjson:4: " + failure.reason());
    assertThat(counts()).isEqualTo(EMPTY);
  }

  @Test
  @DisplayName("a member reference matching no Individual rolls the whole file back")
  void unresolvableMember() {
    List<String> lines = new ArrayList<>(demoLines());
    lines.add(individual("extra", "PH-8"));
    lines.add(group("hh-2", "HH-002", NID + "|PH-100000001", NID + "|PH-999999999"));

    LoadException failure = loadFailure("members.ndjson", lines);

    assertThat(failure.lineNumber()).isEqualTo(lines.size());
    assertThat(failure.reason()).isEqualTo("'member[1].individual': member individual reference matches no Individual");
    assertThat(failure.getMessage()).doesNotContain("PH-999999999");
    assertThat(counts()).isEqualTo(EMPTY);
  }

  @Test
  @DisplayName("references see only live identifiers of registrants of the referenced kind")
  void referencesUseLiveIdentifiersOfTheRightKind() {
    List<String> softRemoved = new ArrayList<>(demoLines());
    softRemoved.add(group("hh-2", "HH-002", "urn:gov:ph:psa:philsys|PH-100000060"));
    assertThat(loadFailure("soft.ndjson", softRemoved).reason()).contains("matches no Individual");

    List<String> wrongKind = new ArrayList<>(demoLines());
    wrongKind.add(consent("Group/" + NID + "|PH-100000001"));
    LoadException failure = loadFailure("kind.ndjson", wrongKind);
    assertThat(failure.lineNumber()).isEqualTo(wrongKind.size());
    assertThat(failure.reason()).isEqualTo("'subject': subject reference matches no Group");

    assertThat(counts()).isEqualTo(EMPTY);
  }

  @Test
  @DisplayName("an ambiguous consent subject rolls the whole file back")
  void ambiguousConsentSubject() {
    List<String> lines = List.of(
        individual("a", "PH-5"),
        individual("b", "PH-5"),
        consent("Individual/" + NID + "|PH-5"),
        individual("c", "PH-6"));

    LoadException failure = loadFailure("ambiguous.ndjson", lines);

    assertThat(failure.lineNumber()).isEqualTo(3);
    assertThat(failure.reason()).isEqualTo("'subject': subject reference matches more than one Individual");
    assertThat(counts()).isEqualTo(EMPTY);
  }

  @Test
  @DisplayName("a plain secret is stored hashed; a $scrypt$ value is stored as given")
  void clientSecrets() {
    String prehashed = SecretHasher.hash("given-elsewhere");
    List<String> lines = List.of(
        "{\"kind\":\"ApiClient\",\"clientId\":\"plain\",\"secret\":\"s3cret-plain\",\"scopes\":[\"individual:read\"]}",
        "{\"kind\":\"ApiClient\",\"clientId\":\"hashed\",\"secret\":\"" + prehashed + "\",\"legalBasis\":\"contract\","
            + "\"rateLimitPerMinute\":60}",
        "{\"kind\":\"ApiClient\",\"clientId\":\"keyless\",\"active\":false}");

    assertThat(loader.load("clients.ndjson", lines, false).await().clients()).isEqualTo(3);

    Row plain = client("plain");
    assertThat(plain.getString("secret_hash")).startsWith("$scrypt$").isNotEqualTo("s3cret-plain");
    assertThat(SecretHasher.verify("s3cret-plain", plain.getString("secret_hash"))).isTrue();
    assertThat(plain.getString("legal_basis")).isEqualTo("consent");
    assertThat(plain.getString("name")).isEmpty();
    assertThat(plain.getInteger("rate_limit_per_minute")).isNull();
    Row hashed = client("hashed");
    assertThat(hashed.getString("secret_hash")).isEqualTo(prehashed);
    assertThat(hashed.getString("legal_basis")).isEqualTo("contract");
    assertThat(hashed.getInteger("rate_limit_per_minute")).isEqualTo(60);
    Row keyless = client("keyless");
    assertThat(keyless.getString("secret_hash")).isNull();
    assertThat(keyless.getBoolean("active")).isFalse();
    assertThat(keyless.getArrayOfStrings("scopes")).isEmpty();
  }

  @Test
  @DisplayName("replace empties the registry first and keeps the audit trail")
  void replaceEmptiesFirst() {
    loader.load("registry.ndjson", demoLines(), false).await();
    pool.query("""
        INSERT INTO audit_request (id, request_id, client_id, resource_type, total, successful, failed, requested_at)
        VALUES (gen_random_uuid(), 'r-1', 'demo-ngo', 'Individual', 1, 1, 0, now())""").execute().await();

    LoadReport report = loader.load("small.ndjson", List.of(individual("only", "PH-1")), true).await();

    assertThat(report).isEqualTo(new LoadReport(1, 0, 0, 0));
    assertThat(counts()).isEqualTo(counts(1, 1, 0, 0, 0, 0));
    assertThat(strings("SELECT ref FROM registrant")).containsExactly("only");
    assertThat(strings("SELECT count(*)::text FROM audit_request")).containsExactly("1");
    assertThat(strings("SELECT count(*)::text FROM schema_version")).containsExactly("4");
  }

  @Test
  @DisplayName("records without ref are inserted on every load; a replaced group gets its new members")
  void refSemantics() {
    List<String> lines = List.of(
        "{\"kind\":\"Individual\",\"identifier\":[{\"system\":\"" + NID + "\",\"value\":\"PH-1\"}]}",
        individual("two", "PH-2"),
        individual("three", "PH-3"),
        group("hh", "HH-1", NID + "|PH-2"));
    loader.load("first.ndjson", lines, false).await();

    List<String> regrouped = List.of(group("hh", "HH-1", NID + "|PH-3", NID + "|PH-2"));
    loader.load("second.ndjson", regrouped, false).await();
    loader.load("third.ndjson", lines.subList(0, 1), false).await();

    assertThat(strings("SELECT count(*)::text FROM registrant WHERE ref IS NULL")).containsExactly("2");
    assertThat(strings("""
        SELECT m.position || ' ' || i.ref FROM group_membership m JOIN registrant i ON i.id = m.individual_id
        ORDER BY m.position""")).containsExactly("0 three", "1 two");
    assertThat(strings("SELECT version_id::text FROM registrant WHERE ref = 'hh'")).containsExactly("2");
  }

  @Test
  @DisplayName("a ref that names a registrant of the other kind is rejected")
  void refOfOtherKind() {
    loader.load("first.ndjson", List.of(individual("shared-ref", "PH-1")), false).await();

    LoadException failure = loadFailure("second.ndjson",
        List.of(individual("fine", "PH-2"), group("shared-ref", "HH-1")));

    assertThat(failure.lineNumber()).isEqualTo(2);
    assertThat(failure.reason()).isEqualTo("'ref' already belongs to an Individual in the registry");
    assertThat(strings("SELECT ref FROM registrant")).containsExactly("shared-ref");
  }

  @Test
  @DisplayName("files larger than one chunk load with identifiers in order")
  void severalChunks() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 2 * RegistryWriter.CHUNK + 5; i++) {
      lines.add("{\"kind\":\"Individual\"" + (i % 2 == 0 ? ",\"ref\":\"r-" + i + "\"" : "")
          + ",\"identifier\":[{\"system\":\"" + NID + "\",\"value\":\"PH-" + i + "\"},"
          + "{\"system\":\"urn:test:seq\",\"value\":\"" + i + "\"}]}");
    }
    lines.add(group("hh", "HH-1", NID + "|PH-1", NID + "|PH-2004"));

    loader.load("big.ndjson", lines, false).await();

    assertThat(counts()).isEqualTo(counts(2 * RegistryWriter.CHUNK + 6, 4 * RegistryWriter.CHUNK + 11, 2, 0, 0, 0));
    assertThat(strings("""
        SELECT count(*)::text FROM registrant_identifier a JOIN registrant_identifier b
          ON a.registrant_id = b.registrant_id AND a.position = 0 AND b.position = 1
        WHERE a.value <> 'PH-' || b.value""")).containsExactly("0");
  }

  private LoadException loadFailure(String source, List<String> lines) {
    Throwable failure = catchThrowableOfType(Throwable.class, () -> loader.load(source, lines, false).await());
    assertThat(failure).isInstanceOf(LoadException.class);
    return (LoadException) failure;
  }

  private static String individual(String ref, String nationalId) {
    return "{\"kind\":\"Individual\",\"ref\":\"" + ref + "\",\"identifier\":[{\"system\":\"" + NID + "\",\"value\":\""
        + nationalId + "\"}],\"name\":{\"given\":\"Test\",\"family\":\"" + ref + "\"}}";
  }

  private static String group(String ref, String householdId, String... members) {
    StringBuilder line = new StringBuilder("{\"kind\":\"Group\",\"ref\":\"" + ref + "\",\"identifier\":[{\"system\":"
        + "\"urn:openspp:vocab:id-type#household_id\",\"value\":\"" + householdId + "\"}],\"name\":\"Test\",\"member\":[");
    for (int i = 0; i < members.length; i++) {
      line.append(i == 0 ? "" : ",").append("{\"individual\":\"").append(members[i]).append("\"}");
    }
    return line.append("]}").toString();
  }

  private static String consent(String subject) {
    return "{\"kind\":\"Consent\",\"subject\":\"" + subject + "\",\"recipients\":{\"mode\":\"category\","
        + "\"organizationTypes\":[\"ngo\"]},\"status\":\"given\",\"scopes\":[{\"resourceType\":\"all\","
        + "\"fieldAccess\":\"basic\"}]}";
  }

  private static List<String> demoLines() {
    try (InputStream in = LoaderTest.class.getClassLoader().getResourceAsStream("demo/registry.ndjson")) {
      assertThat(in).as("demo/registry.ndjson on the classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Row registrant(String ref) {
    return pool.preparedQuery("SELECT * FROM registrant WHERE ref = $1").execute(Tuple.of(ref)).await()
        .iterator().next();
  }

  private Row client(String clientId) {
    return pool.preparedQuery("SELECT * FROM api_client WHERE client_id = $1").execute(Tuple.of(clientId)).await()
        .iterator().next();
  }

  private List<String> strings(String sql) {
    List<String> values = new ArrayList<>();
    pool.query(sql).execute().await().forEach(row -> values.add(row.getString(0)));
    return values;
  }

  private Map<String, Long> counts() {
    Row row = pool.query(COUNTS).execute().await().iterator().next();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int i = 0; i < row.size(); i++) {
      counts.put(row.getColumnName(i), row.getLong(i));
    }
    return counts;
  }

  private static Map<String, Long> counts(long registrants, long identifiers, long memberships, long clients,
      long consents, long scopes) {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("registrant", registrants);
    counts.put("registrant_identifier", identifiers);
    counts.put("group_membership", memberships);
    counts.put("api_client", clients);
    counts.put("consent", consents);
    counts.put("consent_scope", scopes);
    return counts;
  }

  @Test
  @DisplayName("a load leaves planner statistics for every registry table it wrote: nothing is planned as if empty")
  void loadAnalysesWhatItWrote() {
    assertThat(RegistryLoader.neverAnalysed(pool).await()).isEmpty();
    pool.query("INSERT INTO api_client (client_id, name, active, legal_basis, scopes) "
        + "VALUES ('written-by-hand', 'n', true, 'public_task', '{}')").execute().await();
    // rows written without load: the start-up check names the table (n_live_tup comes from the statistics
    // collector, which reports a moment later)
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<String> unanalysed = RegistryLoader.neverAnalysed(pool).await();
    while (unanalysed.isEmpty() && System.nanoTime() < deadline) {
      pool.query("SELECT pg_stat_force_next_flush()").execute().await();
      unanalysed = RegistryLoader.neverAnalysed(pool).await();
    }
    assertThat(unanalysed).containsExactly("api_client");

    loader.load("registry.ndjson", demoLines(), false).await();

    assertThat(RegistryLoader.neverAnalysed(pool).await()).isEmpty();
    assertThat(strings("SELECT relname FROM pg_stat_user_tables WHERE relname IN ('registrant', "
        + "'registrant_identifier', 'group_membership', 'consent', 'consent_scope', 'api_client') "
        + "AND last_analyze IS NOT NULL ORDER BY relname"))
        .containsExactly("api_client", "consent", "consent_scope", "group_membership", "registrant",
            "registrant_identifier");
  }
}
