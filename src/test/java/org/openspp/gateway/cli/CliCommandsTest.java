package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openspp.gateway.GatewayMain;
import org.openspp.gateway.auth.TokenVerifier;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.EmbeddedRegistry;
import org.openspp.gateway.db.OwnerOnlyFile;
import org.openspp.gateway.support.TestRegistry;

/**
 * The {@code token} and {@code load} commands and the launcher's usage handling, run in-process through
 * {@link GatewayMain#run(String[])}. Settings reach the commands through a {@code --config} YAML file, since the
 * commands read the real environment.
 */
@ExtendWith(VertxExtension.class)
@Timeout(180)
class CliCommandsTest {

  private static final String SECRET = "cli-test-secret-0123456789-abcdefghijkl";
  /** A database URL the token command never connects to; it only has to be set. */
  private static final String UNUSED_DB_URL = "postgresql://gateway@127.0.0.1:1/unused";
  private static final String JWT = "[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+";

  private static final String INDIVIDUAL_1 = """
      {"kind":"Individual","ref":"cli-ind-1","identifier":[{"system":"urn:test:nid","value":"CLI-1"}],\
      "active":true,"name":{"family":"SANTOS","given":"Maria"},"lastUpdated":"2026-01-02T03:04:05Z"}""";
  private static final String INDIVIDUAL_2 = """
      {"kind":"Individual","ref":"cli-ind-2","identifier":[{"system":"urn:test:nid","value":"CLI-2"}],\
      "active":true,"name":{"family":"SANTOS","given":"Jose"},"lastUpdated":"2026-01-02T03:04:05Z"}""";
  private static final String HOUSEHOLD = """
      {"kind":"Group","ref":"cli-hh-1","identifier":[{"system":"urn:test:hh","value":"CLI-HH-1"}],\
      "name":"Santos household","groupType":"household","active":true,\
      "member":[{"individual":"urn:test:nid|CLI-1","role":{"code":"head"}},{"individual":"urn:test:nid|CLI-2"}]}""";

  @TempDir
  Path dir;

  @BeforeAll
  static void environmentDoesNotOverrideTheTestConfiguration() {
    for (String name : List.of("SPP_DB_URL", "SPP_DB_URL_FILE", "SPP_JWT_SECRET", "SPP_JWT_SECRET_FILE",
        "OPENSPP_JWT_SECRET", "OPENSPP_JWT_SECRET_FILE", "SPP_JWT_ISSUER", "SPP_JWT_AUDIENCE", "SPP_JWKS_URL",
        "SPP_LOG_FORMAT", "SPP_REGISTRY_KIND", "SPP_AUDIT_DB_URL", "SPP_AUDIT_DB_URL_FILE")) {
      String value = System.getenv(name);
      assumeTrue(value == null || value.isEmpty(), name + " is set in the environment and would override --config");
    }
  }

  // --- token -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("serve --role and --types refuse unknown values with exit 2, before anything starts")
  void serveRejectsUnknownRoleAndTypes() {
    Result role = run("serve", "--role", "gateway", "--config", config(UNUSED_DB_URL, SECRET).toString());
    assertThat(role.exitCode()).isEqualTo(2);
    assertThat(role.err()).contains("--role").contains("all, http or resolver");

    Result types = run("serve", "--role", "resolver", "--types", "Individual,Person", "--config",
        config(UNUSED_DB_URL, SECRET).toString());
    assertThat(types.exitCode()).isEqualTo(2);
    assertThat(types.err()).contains("--types").contains("Person");
  }

  @Test
  @DisplayName("serve --role http|resolver without a shared database is a usage error, not the embedded demo")
  void clusteredRolesNeedASharedDatabase() {
    for (String role : List.of("http", "resolver")) {
      Result result = run("serve", "--role", role, "--config", config(null, SECRET).toString());
      assertThat(result.exitCode()).as(role).isEqualTo(2);
      assertThat(result.err()).as(role).contains("SPP_DB_URL");
    }
  }

  @Test
  @DisplayName("token prints exactly one line: a JWT for the client that verifies with the configured secret")
  void tokenPrintsOneVerifiableJwt(Vertx vertx) {
    Path config = config(UNUSED_DB_URL, SECRET);

    Result result = run("token", "--client", "cli-client", "--config", config.toString());

    assertThat(result.exitCode()).isZero();
    assertThat(result.out().lines().toList()).hasSize(1);
    assertThat(result.out()).endsWith(System.lineSeparator());
    String token = result.out().strip();
    assertThat(token).matches(JWT);
    GatewayConfig gatewayConfig = ConfigLoader.load(config, Map.of());
    String clientId = TokenVerifier.create(vertx, gatewayConfig.auth(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).verify("Bearer " + token).await();
    assertThat(clientId).isEqualTo("cli-client");
    assertThat(claims(token).getString("client_id")).isEqualTo("cli-client");
  }

  @Test
  @DisplayName("token --ttl sets the lifetime: exp is iat plus the requested duration")
  void tokenTtlSetsLifetime() {
    Result result = run("token", "--client", "cli-client", "--ttl", "2h", "--config",
        config(UNUSED_DB_URL, SECRET).toString());

    assertThat(result.exitCode()).isZero();
    JsonObject claims = claims(result.out().strip());
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(7200L);
  }

  @Test
  @DisplayName("token refuses with exit 2 when no secret is configured and a database URL is set")
  void tokenWithoutSecretExitsTwo() {
    Result result = run("token", "--client", "cli-client", "--config", config(UNUSED_DB_URL, null).toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains("SPP_JWT_SECRET");
  }

  @Test
  @DisplayName("token --ttl banana is a usage error: exit 2 and no token printed")
  void tokenWithUnparseableTtlExitsTwo() {
    Result result = run("token", "--client", "cli-client", "--ttl", "banana", "--config",
        config(UNUSED_DB_URL, SECRET).toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains("--ttl");
  }

  @Test
  @DisplayName("an invalid configuration file is an input error: exit 2 with a message naming the key")
  void invalidConfigurationExitsTwo() throws IOException {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "http:\n  prot: 8080\n", StandardCharsets.UTF_8);

    Result result = run("token", "--client", "cli-client", "--config", config.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("http.prot");
  }

  // --- the embedded demo's signing secret ------------------------------------------------------------------------

  @Test
  @DisplayName("token uses the embedded secret kept inside the data directory, and never the old one beside it")
  void tokenReadsTheSecretInsideTheDataDirectoryOnly(Vertx vertx) throws IOException {
    Path data = Files.createDirectories(dir.resolve("state").resolve("pg"));
    Path planted = Files.writeString(dir.resolve("state").resolve("jwt-secret"), "planted-secret-0123456789-abcdefghijkl");
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-------"));
    Path config = yaml("db:\n  embeddedDataDir: \"" + data + "\"\n");

    Result withoutSecret = run("token", "--client", "demo-programme", "--config", config.toString());
    assertThat(withoutSecret.exitCode()).as("the old location is not read").isEqualTo(2);
    assertThat(withoutSecret.err()).contains("no HS256 secret configured");

    Path file = data.resolve(CliSupport.SECRET_FILE);
    OwnerOnlyFile.create(file, SECRET);
    Result result = run("token", "--client", "demo-programme", "--config", config.toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out().lines().toList()).hasSize(1);
    GatewayConfig verifying = ConfigLoader.load(config(UNUSED_DB_URL, SECRET), Map.of());
    assertThat(TokenVerifier.create(vertx, verifying.auth(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
        .verify("Bearer " + result.out().strip()).await()).isEqualTo("demo-programme");
  }

  @Test
  @DisplayName("an embedded secret file others can read (mode 0644) is refused with exit 2 naming the file and the fix")
  void embeddedSecretReadableByOthersExitsTwo() throws IOException {
    Path data = Files.createDirectories(dir.resolve("pg"));
    Path file = data.resolve(CliSupport.SECRET_FILE);
    OwnerOnlyFile.create(file, SECRET);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    Result result = run("token", "--client", "demo-programme", "--config",
        yaml("db:\n  embeddedDataDir: \"" + data + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains(file.toString()).contains("rw-r--r--").contains("chmod 600");
  }

  @Test
  @DisplayName("an embedded secret file that is a symbolic link is refused with exit 2, even to an owner-only file")
  void embeddedSecretSymlinkExitsTwo() throws IOException {
    Path data = Files.createDirectories(dir.resolve("pg"));
    Path target = dir.resolve("elsewhere");
    OwnerOnlyFile.create(target, SECRET);
    Path link = Files.createSymbolicLink(data.resolve(CliSupport.SECRET_FILE), target);

    Result result = run("token", "--client", "demo-programme", "--config",
        yaml("db:\n  embeddedDataDir: \"" + data + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains(link.toString()).contains("symbolic link");
  }

  @Test
  @DisplayName("an embedded secret file owned by another user is refused with exit 2 (needs root to set up: CI)")
  void embeddedSecretOwnedByAnotherUserExitsTwo() throws IOException {
    Path data = Files.createDirectories(dir.resolve("pg"));
    Path file = data.resolve(CliSupport.SECRET_FILE);
    OwnerOnlyFile.create(file, SECRET);
    try {
      Files.setAttribute(file, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | SecurityException e) {
      assumeTrue(false, "cannot give a file to another user here (not root): " + e);
    }

    Result result = run("token", "--client", "demo-programme", "--config",
        yaml("db:\n  embeddedDataDir: \"" + data + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(file.toString()).contains("owned by uid 65534");
  }

  @Test
  @DisplayName("serve on the embedded database refuses a secret file others can read: exit 2, nothing left running")
  void serveRefusesEmbeddedSecretReadableByOthers() throws IOException {
    Path data = dir.resolve("pg");
    EmbeddedRegistry.start(data).close();
    Path file = data.resolve(CliSupport.SECRET_FILE);
    OwnerOnlyFile.create(file, SECRET);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));

    Result result = run("serve", "--data-dir", data.toString(), "--config", yaml("{}\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(file.toString()).contains("chmod 600");
    assertThat(data.resolve("postmaster.pid")).as("the embedded PostgreSQL was stopped").doesNotExist();
  }

  // --- usage -----------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--help", "serve --help", "load --help", "token --help", "openspp-check --help"})
  @DisplayName("--help prints usage and exits 0 on the launcher and on every command")
  void helpExitsZero(String commandLine) {
    Result result = run(commandLine.split(" "));

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("Usage:");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--frobnicate", "serve --frobnicate", "load --frobnicate some.ndjson",
      "token --client cli-client --frobnicate"})
  @DisplayName("an unknown option is a usage error: exit 2 naming the option")
  void unknownOptionExitsTwo(String commandLine) {
    Result result = run(commandLine.split(" "));

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--frobnicate");
  }

  @Test
  @DisplayName("token without --client is a usage error: exit 2")
  void tokenWithoutClientExitsTwo() {
    Result result = run("token", "--config", config(UNUSED_DB_URL, SECRET).toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--client");
  }

  // --- load ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("load of a valid NDJSON file into a migrated database exits 0 and writes its records")
  void loadWritesValidFile(Vertx vertx) throws IOException {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    Path data = ndjson("good.ndjson", INDIVIDUAL_1, INDIVIDUAL_2, HOUSEHOLD);

    Result result = run("load", "--config", config(url, null).toString(), data.toString());

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("2 individuals, 1 groups, 0 clients, 0 consents");
    assertThat(strings(vertx, url, "SELECT ref FROM registrant ORDER BY ref"))
        .containsExactly("cli-hh-1", "cli-ind-1", "cli-ind-2");
    assertThat(strings(vertx, url, "SELECT count(*)::text FROM group_membership")).containsExactly("2");
  }

  @Test
  @DisplayName("load of a file whose 3rd line is invalid exits 2, names :3:, and writes nothing from the file")
  void loadRejectsFileWithInvalidThirdLine(Vertx vertx) throws IOException {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    String invalid = HOUSEHOLD.replace("\"groupType\"", "\"colour\":\"blue\",\"groupType\"");
    Path data = ndjson("bad-line.ndjson", INDIVIDUAL_1, INDIVIDUAL_2, invalid);

    Result result = run("load", "--config", config(url, null).toString(), data.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(data + ":3:");
    assertThat(strings(vertx, url, "SELECT count(*)::text FROM registrant")).containsExactly("0");
  }

  @Test
  @DisplayName("load of a file whose 3rd line references nobody exits 2, names :3:, and rolls back lines 1-2")
  void loadRollsBackFileWithUnresolvableReferenceOnThirdLine(Vertx vertx) throws IOException {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    String dangling = HOUSEHOLD.replace("urn:test:nid|CLI-2", "urn:test:nid|NOBODY");
    Path data = ndjson("dangling.ndjson", INDIVIDUAL_1, INDIVIDUAL_2, dangling);

    Result result = run("load", "--config", config(url, null).toString(), data.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(data + ":3:");
    assertThat(strings(vertx, url, "SELECT count(*)::text FROM registrant")).containsExactly("0");
    assertThat(strings(vertx, url, "SELECT count(*)::text FROM registrant_identifier")).containsExactly("0");
  }

  @Test
  @DisplayName("load of a file that does not exist exits 2, naming the file")
  void loadOfMissingFileExitsTwo(Vertx vertx) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    Path missing = dir.resolve("no-such-file.ndjson");

    Result result = run("load", "--config", config(url, null).toString(), missing.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(missing.toString());
  }

  // --- helpers ---------------------------------------------------------------------------------------------

  /** Exit code and captured standard streams of one in-process run. */
  // --- registry.kind openspp ----------------------------------------------------------------------------------

  @Test
  @DisplayName("serve with registry.kind openspp and no audit database: exit 2 naming SPP_AUDIT_DB_URL")
  void opensppWithoutAuditDatabaseExitsTwo() {
    Result result = run("serve", "--config", yaml("registry:\n  kind: openspp\ndb:\n  url: \"" + UNUSED_DB_URL
        + "\"\nauth:\n  jwt:\n    secret: \"" + SECRET + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("SPP_AUDIT_DB_URL");
  }

  @Test
  @DisplayName("serve with registry.kind openspp and no OpenSPP database: exit 2 naming SPP_DB_URL, no embedded demo")
  void opensppWithoutDatabaseExitsTwo() {
    Result result = run("serve", "--config", yaml("registry:\n  kind: openspp\nauth:\n  jwt:\n    secret: \""
        + SECRET + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("SPP_DB_URL").contains("--demo openspp");
  }

  @Test
  @DisplayName("serve with registry.kind openspp on a database that is not OpenSPP: exit 2 naming what is missing")
  void opensppOnForeignDatabaseExitsTwo() {
    Result result = run("serve", "--config", yaml("registry:\n  kind: openspp\ndb:\n  url: \""
        + TestRegistry.freshDatabaseUrl() + "\"\naudit:\n  url: \"" + TestRegistry.freshDatabaseUrl()
        + "\"\nauth:\n  jwt:\n    secret: \"" + SECRET + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("not an OpenSPP 2 database").contains("table res_partner")
        .contains("table spp_registry_id");
  }

  @Test
  @DisplayName("load with registry.kind openspp refuses with exit 2: the data lives in OpenSPP")
  void loadInOpensppModeExitsTwo() throws IOException {
    Path file = Files.writeString(dir.resolve("one.ndjson"), INDIVIDUAL_1, StandardCharsets.UTF_8);
    Result result = run("load", file.toString(), "--config", yaml("registry:\n  kind: openspp\ndb:\n  url: \""
        + UNUSED_DB_URL + "\"\n").toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("lives in OpenSPP");
  }

  @Test
  @DisplayName("openspp-check prints the CREATE INDEX statements it misses and exits 1; with them in place, exit 0")
  void opensppCheckAdvisesIndexes(Vertx vertx) {
    String url = TestRegistry.freshDatabaseUrl();
    Pool pool = TestRegistry.pool(vertx, url);
    try {
      org.openspp.gateway.openspp.fake.FakeOpenspp.createSchema(pool).await();
      Result missing = run("openspp-check", "--config", config(url, null).toString());
      assertThat(missing.exitCode()).as(missing.err()).isEqualTo(1);
      List<String> statements = missing.out().lines().filter(l -> l.startsWith("CREATE INDEX")).toList();
      assertThat(statements).anySatisfy(s -> assertThat(s).contains("ON spp_consent (signatory_id)"))
          .anySatisfy(s -> assertThat(s).contains("ON spp_consent (group_id)"))
          .allSatisfy(s -> assertThat(s).startsWith("CREATE INDEX CONCURRENTLY"));
      for (String statement : statements) {
        pool.query(statement).execute().await();
      }
      Result complete = run("openspp-check", "--config", config(url, null).toString());
      assertThat(complete.exitCode()).as(complete.out() + complete.err()).isZero();
      assertThat(complete.out()).contains("every table, column and recommended index is present");
    } finally {
      pool.close().await();
    }
    Result foreign = run("openspp-check", "--config", config(TestRegistry.freshDatabaseUrl(), null).toString());
    assertThat(foreign.exitCode()).isEqualTo(2);
    assertThat(foreign.err()).contains("table res_partner");
  }

  private Path yaml(String text) {
    try {
      return Files.writeString(Files.createTempFile(dir, "config", ".yaml"), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Result(int exitCode, String out, String err) {
  }

  /** Runs the launcher with System.out and System.err captured; both are restored afterwards. */
  private static synchronized Result run(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exitCode = GatewayMain.run(args);
      System.out.flush();
      System.err.flush();
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    Result result = new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    if (!result.err().isEmpty()) {
      originalErr.print(result.err());
    }
    return result;
  }

  /** A YAML configuration with the given database URL and secret (either may be null). */
  private Path config(String dbUrl, String secret) {
    StringBuilder yaml = new StringBuilder();
    if (dbUrl != null) {
      yaml.append("db:\n  url: \"").append(dbUrl).append("\"\n");
    }
    if (secret != null) {
      yaml.append("auth:\n  jwt:\n    secret: \"").append(secret).append("\"\n");
    }
    try {
      Path file = Files.createTempFile(dir, "config", ".yaml");
      return Files.writeString(file, yaml.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path ndjson(String name, String... lines) throws IOException {
    return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  private static JsonObject claims(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
  }

  private static List<String> strings(Vertx vertx, String url, String sql) {
    Pool pool = TestRegistry.pool(vertx, url);
    try {
      List<String> values = new ArrayList<>();
      for (Row row : pool.query(sql).execute().await()) {
        values.add(row.getString(0));
      }
      return values;
    } finally {
      pool.close().await();
    }
  }
}
