package org.openspp.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openspp.gateway.bus.ResourceType;

/**
 * {@link ConfigLoader}: defaults, YAML and environment layering, secret files and validation. Every test passes
 * its own YAML file and environment map; the real environment and the working directory's default file are
 * never consulted.
 */
class ConfigLoaderTest {

  private static final Path REPO_CONFIG = Path.of("conf", "config.yaml");
  private static final String SECRET = "config-test-secret-0123456789-abcdef";
  private static final Map<String, String> NO_ENV = Map.of();

  @TempDir
  Path dir;

  private Path yaml(String text) {
    try {
      Path file = Files.createTempFile(dir, "config", ".yaml");
      Files.writeString(file, text, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path textFile(String name, String text) {
    try {
      return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private GatewayConfig load(String yamlText, Map<String, String> env) {
    return ConfigLoader.load(yaml(yamlText), env);
  }

  private GatewayConfig defaults() {
    return load("", NO_ENV);
  }

  // --- defaults and layering -------------------------------------------------------------------------------

  @Test
  @DisplayName("the built-in defaults are exactly the values written in the repository's conf/config.yaml")
  void builtInDefaultsMatchRepositoryConfigFile() {
    assertThat(REPO_CONFIG).isRegularFile();

    assertThat(ConfigLoader.merged(REPO_CONFIG, NO_ENV)).isEqualTo(ConfigLoader.merged(yaml(""), NO_ENV));
    assertThat(ConfigLoader.load(REPO_CONFIG, NO_ENV)).isEqualTo(defaults());
  }

  @Test
  @DisplayName("with an empty file and no environment the documented defaults apply")
  void emptyFileGivesDocumentedDefaults() {
    GatewayConfig config = defaults();

    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.management().port()).isEqualTo(9090);
    // /metrics and /health/* are not for the network unless chosen (the Kubernetes manifests set 0.0.0.0)
    assertThat(config.management().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.db().url()).isNull();
    assertThat(config.db().poolSize()).isEqualTo(16);
    assertThat(config.auth().jwtSecret()).isNull();
    assertThat(config.auth().issuer()).isEqualTo("openspp-api-v2");
    assertThat(config.auth().audience()).isEqualTo("openspp");
    assertThat(config.export().maxIdentifiers()).isEqualTo(100);
  }

  @Test
  @DisplayName("registry.kind defaults to gateway; SPP_REGISTRY_KIND, SPP_REGISTRY_LANGUAGE and SPP_AUDIT_DB_URL set it")
  void registryKindFromEnvironment() {
    assertThat(defaults().kind()).isEqualTo(RegistryKind.GATEWAY);
    assertThat(defaults().db().language()).isEqualTo("en_US");
    GatewayConfig config = load("", Map.of("SPP_REGISTRY_KIND", "openspp", "SPP_REGISTRY_LANGUAGE", "fr_FR",
        "SPP_DB_URL", "postgresql://reader@db:5432/odoo", "SPP_AUDIT_DB_URL", "postgresql://gw@audit:5432/audit"));
    assertThat(config.kind()).isEqualTo(RegistryKind.OPENSPP);
    assertThat(config.db().language()).isEqualTo("fr_FR");
    assertThat(config.auditUrl()).isEqualTo("postgresql://gw@audit:5432/audit");
    ConfigLoader.checkServable(config);
  }

  @Test
  @DisplayName("an unknown registry.kind or a malformed language is a configuration error naming the key")
  void registryKindValidated() {
    assertThatThrownBy(() -> load("", Map.of("SPP_REGISTRY_KIND", "odoo")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("registry.kind");
    assertThatThrownBy(() -> load("", Map.of("SPP_REGISTRY_LANGUAGE", "en_US'; DROP")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("registry.language");
  }

  @Test
  @DisplayName("serving openspp needs the OpenSPP database and an audit database of its own")
  void opensppServingNeedsBothDatabases() {
    assertThatThrownBy(() -> ConfigLoader.checkServable(load("", Map.of("SPP_REGISTRY_KIND", "openspp",
        "SPP_AUDIT_DB_URL", "postgresql://gw@audit/audit"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SPP_DB_URL");
    assertThatThrownBy(() -> ConfigLoader.checkServable(load("", Map.of("SPP_REGISTRY_KIND", "openspp",
        "SPP_DB_URL", "postgresql://reader@db/odoo"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SPP_AUDIT_DB_URL");
    assertThatThrownBy(() -> ConfigLoader.checkServable(load("", Map.of("SPP_REGISTRY_KIND", "openspp",
        "SPP_DB_URL", "postgresql://reader@db/odoo", "SPP_AUDIT_DB_URL", "postgresql://reader@db/odoo"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("of its own");
  }

  @Test
  @DisplayName("a value in the YAML file overrides the built-in default")
  void yamlOverridesDefault() {
    GatewayConfig config = load("""
        http:
          port: 8181
        """, NO_ENV);

    assertThat(config.http().port()).isEqualTo(8181);
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
  }

  @Test
  @DisplayName("SPP_HTTP_PORT overrides http.port from the YAML file")
  void httpPortFromEnvironmentOverridesYaml() {
    GatewayConfig config = load("""
        http:
          port: 8181
        """, Map.of("SPP_HTTP_PORT", "8282"));

    assertThat(config.http().port()).isEqualTo(8282);
  }

  @Test
  @DisplayName("SPP_DB_URL overrides db.url from the YAML file and becomes every registry's URL")
  void dbUrlFromEnvironmentOverridesYaml() {
    GatewayConfig config = load("""
        db:
          url: "postgresql://yaml:yaml@yaml-host:5432/yaml"
        """, Map.of("SPP_DB_URL", "postgresql://env:env@env-host:5432/env"));

    assertThat(config.db().url()).isEqualTo("postgresql://env:env@env-host:5432/env");
    assertThat(config.registryUrl(ResourceType.INDIVIDUAL)).isEqualTo("postgresql://env:env@env-host:5432/env");
    assertThat(config.registryUrl(ResourceType.GROUP)).isEqualTo("postgresql://env:env@env-host:5432/env");
  }

  @Test
  @DisplayName("SPP_DB_POOL_SIZE overrides db.poolSize and registries without their own pool size inherit it")
  void poolSizeFromEnvironmentIsInheritedByRegistries() {
    GatewayConfig config = load("""
        db:
          poolSize: 8
        """, Map.of("SPP_DB_POOL_SIZE", "24"));

    assertThat(config.db().poolSize()).isEqualTo(24);
    assertThat(config.registries().get(ResourceType.INDIVIDUAL).poolSize()).isEqualTo(24);
    assertThat(config.registries().get(ResourceType.GROUP).poolSize()).isEqualTo(24);
  }

  @Test
  @DisplayName("a registry that sets its own pool size keeps it when SPP_DB_POOL_SIZE is set")
  void registryOwnPoolSizeIsNotOverriddenByEnvironment() {
    GatewayConfig config = load("""
        registries:
          Group:
            poolSize: 3
        """, Map.of("SPP_DB_POOL_SIZE", "24"));

    assertThat(config.registries().get(ResourceType.GROUP).poolSize()).isEqualTo(3);
    assertThat(config.registries().get(ResourceType.INDIVIDUAL).poolSize()).isEqualTo(24);
  }

  @Test
  @DisplayName("SPP_EXPORT_MAX_IDENTIFIERS overrides export.maxIdentifiers from the YAML file")
  void maxIdentifiersFromEnvironmentOverridesYaml() {
    GatewayConfig config = load("""
        export:
          maxIdentifiers: 50
        """, Map.of("SPP_EXPORT_MAX_IDENTIFIERS", "250"));

    assertThat(config.export().maxIdentifiers()).isEqualTo(250);
  }

  @Test
  @DisplayName("a registry URL set in YAML is used for that type only; the other type falls back to db.url")
  void registryUrlFromYamlAppliesToItsTypeOnly() {
    GatewayConfig config = load("""
        db:
          url: "postgresql://main@main-host:5432/main"
        registries:
          Group:
            url: "postgresql://groups@group-host:5432/groups"
        """, NO_ENV);

    assertThat(config.registryUrl(ResourceType.GROUP)).isEqualTo("postgresql://groups@group-host:5432/groups");
    assertThat(config.registryUrl(ResourceType.INDIVIDUAL)).isEqualTo("postgresql://main@main-host:5432/main");
  }

  // --- secrets ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("OPENSPP_JWT_SECRET alone sets the HS256 secret")
  void openSppAliasSetsSecret() {
    GatewayConfig config = load("", Map.of("OPENSPP_JWT_SECRET", SECRET));

    assertThat(config.auth().jwtSecret()).isEqualTo(SECRET);
  }

  @Test
  @DisplayName("when both SPP_JWT_SECRET and OPENSPP_JWT_SECRET are set, SPP_JWT_SECRET wins")
  void sppSecretWinsOverAlias() {
    String alias = "openspp-alias-secret-0123456789-abcdef";
    GatewayConfig config = load("", Map.of("OPENSPP_JWT_SECRET", alias, "SPP_JWT_SECRET", SECRET));

    assertThat(config.auth().jwtSecret()).isEqualTo(SECRET);
  }

  @Test
  @DisplayName("SPP_JWT_SECRET overrides auth.jwt.secret from the YAML file")
  void secretFromEnvironmentOverridesYaml() {
    GatewayConfig config = load("""
        auth:
          jwt:
            secret: yaml-secret-0123456789-0123456789-abc
        """, Map.of("SPP_JWT_SECRET", SECRET));

    assertThat(config.auth().jwtSecret()).isEqualTo(SECRET);
  }

  @Test
  @DisplayName("SPP_JWT_SECRET_FILE is read and its surrounding whitespace trimmed")
  void secretFromFileIsTrimmed() {
    Path file = textFile("jwt-secret", "  " + SECRET + "\n\n");

    GatewayConfig config = load("", Map.of("SPP_JWT_SECRET_FILE", file.toString()));

    assertThat(config.auth().jwtSecret()).isEqualTo(SECRET);
  }

  @Test
  @DisplayName("SPP_DB_URL_FILE is read and its surrounding whitespace trimmed")
  void dbUrlFromFileIsTrimmed() {
    Path file = textFile("db-url", "postgresql://gateway:s3cret@db:5432/registry\n");

    GatewayConfig config = load("", Map.of("SPP_DB_URL_FILE", file.toString()));

    assertThat(config.db().url()).isEqualTo("postgresql://gateway:s3cret@db:5432/registry");
  }

  @Test
  @DisplayName("an empty SPP_DB_URL_FILE fails instead of falling back to the embedded database")
  void emptySecretFileFails(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("db-url"), "  \n");
    assertThatThrownBy(() -> load("", Map.of("SPP_DB_URL_FILE", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("SPP_DB_URL_FILE")
        .hasMessageContaining("empty");
  }

  @Test
  @DisplayName("a _FILE variable naming a missing file fails, naming the variable")
  void unreadableSecretFileFails() {
    Map<String, String> env = Map.of("SPP_JWT_SECRET_FILE", dir.resolve("absent").toString());

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("SPP_JWT_SECRET_FILE");
  }

  @Test
  @DisplayName("a secret shorter than 32 characters fails, naming auth.jwt.secret")
  void shortSecretFails() {
    Map<String, String> env = Map.of("SPP_JWT_SECRET", "x".repeat(31));

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.jwt.secret");
  }

  @Test
  @DisplayName("a secret of exactly 32 characters is accepted")
  void secretOfThirtyTwoCharactersIsAccepted() {
    GatewayConfig config = load("", Map.of("SPP_JWT_SECRET", "x".repeat(32)));

    assertThat(config.auth().jwtSecret()).hasSize(32);
  }

  // --- unknown keys and invalid values ----------------------------------------------------------------------

  @Test
  @DisplayName("an unknown top-level section fails, naming it")
  void unknownSectionFails() {
    assertThatThrownBy(() -> load("""
        htp:
          port: 8080
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("htp");
  }

  @Test
  @DisplayName("a misspelt key fails, naming it with its dotted path (http.prot)")
  void unknownKeyFailsWithDottedName() {
    assertThatThrownBy(() -> load("""
        http:
          prot: 8080
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.prot");
  }

  @Test
  @DisplayName("an unknown key nested under registries.Individual.breaker fails, naming its full dotted path")
  void unknownNestedKeyFailsWithDottedName() {
    assertThatThrownBy(() -> load("""
        registries:
          Individual:
            breaker:
              maxFailure: 3
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registries.Individual.breaker.maxFailure");
  }

  @Test
  @DisplayName("a non-integer value in YAML fails, naming its key")
  void invalidIntegerInYamlFails() {
    assertThatThrownBy(() -> load("""
        http:
          port: eighty
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port");
  }

  @Test
  @DisplayName("a non-integer SPP_DB_POOL_SIZE fails, naming db.poolSize")
  void invalidIntegerInEnvironmentFails() {
    Map<String, String> env = Map.of("SPP_DB_POOL_SIZE", "lots");

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.poolSize");
  }

  @Test
  @DisplayName("an integer outside its range fails, naming its key")
  void outOfRangeIntegerFails() {
    Map<String, String> env = Map.of("SPP_HTTP_PORT", "70000");

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port");
  }

  @Test
  @DisplayName("a non-postgresql database URL fails, naming db.url without echoing the URL's password")
  void nonPostgresUrlFailsWithoutLeakingPassword() {
    Map<String, String> env = Map.of("SPP_DB_URL", "mysql://gateway:hunter2-pa55word@db.example:3306/registry");

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.url")
        .hasMessageNotContaining("hunter2-pa55word");
  }

  @Test
  @DisplayName("an unparseable registry URL fails, naming its key without echoing the URL's password")
  void unparseableRegistryUrlFailsWithoutLeakingPassword() {
    assertThatThrownBy(() -> load("""
        registries:
          Individual:
            url: "postgresql://gateway:hunter2 pa55^word@db.example:5432/registry"
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registries.Individual.url")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  @DisplayName("a statement timeout equal to the breaker timeout fails, naming the statement timeout")
  void statementTimeoutNotBelowBreakerTimeoutFails() {
    assertThatThrownBy(() -> load("""
        registries:
          Individual:
            statementTimeoutMs: 4000
            breaker:
              timeoutMs: 4000
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registries.Individual.statementTimeoutMs");
  }

  @Test
  @DisplayName("a breaker timeout equal to the bus timeout fails, naming the breaker timeout")
  void breakerTimeoutNotBelowBusTimeoutFails() {
    assertThatThrownBy(() -> load("""
        registries:
          Group:
            breaker:
              timeoutMs: 6000
        export:
          busTimeoutMs: 6000
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registries.Group.breaker.timeoutMs");
  }

  @Test
  @DisplayName("a bus timeout equal to the HTTP request timeout fails, naming export.busTimeoutMs")
  void busTimeoutNotBelowRequestTimeoutFails() {
    assertThatThrownBy(() -> load("""
        http:
          requestTimeoutMs: 10000
        export:
          busTimeoutMs: 10000
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("export.busTimeoutMs");
  }

  @Test
  @DisplayName("a deadline chain raised consistently at every level is accepted")
  void consistentlyRaisedDeadlineChainLoads() {
    GatewayConfig config = load("""
        http:
          requestTimeoutMs: 60000
        registries:
          Individual:
            statementTimeoutMs: 20000
            breaker:
              timeoutMs: 30000
        export:
          busTimeoutMs: 40000
        """, NO_ENV);

    assertThat(config.registries().get(ResourceType.INDIVIDUAL).statementTimeoutMs()).isEqualTo(20000);
    assertThat(config.export().busTimeoutMs()).isEqualTo(40000);
  }

  @Test
  @DisplayName("an anti-enumeration delay with min == max (a fixed delay) is accepted")
  void fixedDenyDelayLoads() {
    GatewayConfig config = load("""
        export:
          denyDelayMinMs: 60
          denyDelayMaxMs: 60
        """, NO_ENV);

    assertThat(config.export().denyDelayMinMs()).isEqualTo(60);
    assertThat(config.export().denyDelayMaxMs()).isEqualTo(60);
  }

  @Test
  @DisplayName("an anti-enumeration delay with max below min fails, naming export.denyDelayMaxMs")
  void denyDelayMaxBelowMinFails() {
    assertThatThrownBy(() -> load("""
        export:
          denyDelayMinMs: 70
          denyDelayMaxMs: 50
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("export.denyDelayMaxMs");
  }

  @Test
  @DisplayName("a configuration file that does not exist fails")
  void missingConfigFileFails() {
    Path missing = dir.resolve("no-such-config.yaml");

    assertThatThrownBy(() -> ConfigLoader.load(missing, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  @DisplayName("a file that is not valid YAML fails")
  void invalidYamlFails() {
    assertThatThrownBy(() -> load("http:\n  port: [8080\n", NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML");
  }

  @Test
  @DisplayName("a YAML syntax error on a line holding a secret reports its position without quoting the line")
  void invalidYamlDoesNotEchoSecrets() {
    assertThatThrownBy(() -> load("""
        db:
          url: postgresql://gateway:hunter2-pa55word@db:5432/registry: oops
        auth:
          jwt:
            secret: "TopSecretValue-0123456789-0123456789
        """, NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 2")
        .hasMessageNotContaining("hunter2-pa55word")
        .hasMessageNotContaining("TopSecretValue");
  }

  @Test
  @DisplayName("a YAML file whose top level is not a mapping fails")
  void nonMappingYamlFails() {
    assertThatThrownBy(() -> load("- http\n- db\n", NO_ENV))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mapping");
  }

  @Test
  @DisplayName("SPP_JWKS_URL fails start-up, naming auth.jwks.url, because JWKS is not supported yet")
  void jwksUrlIsRefused() {
    Map<String, String> env = Map.of("SPP_JWKS_URL", "https://idp.example/.well-known/jwks.json");

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.jwks.url");
  }

  @Test
  @DisplayName("an SPP_LOG_FORMAT other than text, json or auto fails, naming log.format")
  void unknownLogFormatFails() {
    Map<String, String> env = Map.of("SPP_LOG_FORMAT", "xml");

    assertThatThrownBy(() -> load("", env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log.format");
  }

  // --- log appender ----------------------------------------------------------------------------------------

  @ParameterizedTest(name = "SPP_LOG_FORMAT={0}, terminal={1} -> {2}")
  @CsvSource({
      "json, true,  JSON",
      "json, false, JSON",
      "text, true,  TEXT",
      "text, false, TEXT",
      "auto, true,  TEXT",
      "auto, false, JSON"})
  @DisplayName("SPP_LOG_FORMAT chooses the appender; auto means text on a terminal and JSON otherwise")
  void logAppenderFollowsFormatAndTerminal(String format, boolean terminal, String expected) {
    assertThat(ConfigLoader.logAppender(Map.of("SPP_LOG_FORMAT", format), terminal)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "terminal={0} -> {1}")
  @CsvSource({"true, TEXT", "false, JSON"})
  @DisplayName("without SPP_LOG_FORMAT the appender is text on a terminal and JSON otherwise")
  void logAppenderDefaultsByTerminal(boolean terminal, String expected) {
    assertThat(ConfigLoader.logAppender(NO_ENV, terminal)).isEqualTo(expected);
  }

  @Test
  @DisplayName("cluster settings: defaults for one host, members from YAML lists or SPP_CLUSTER_MEMBERS, Kubernetes DNS")
  void clusterSettings() {
    GatewayConfig.Cluster defaults = load("", NO_ENV).cluster();
    assertThat(defaults).isEqualTo(GatewayConfig.Cluster.DEFAULT);
    assertThat(defaults.host()).isEqualTo("127.0.0.1");
    assertThat(defaults.members()).isEmpty();

    GatewayConfig.Cluster yaml = load("""
        cluster:
          name: registry-a
          members: [10.0.0.1:5701, "10.0.0.2:5701"]
          eventBusPort: 5702
        """, NO_ENV).cluster();
    assertThat(yaml.name()).isEqualTo("registry-a");
    assertThat(yaml.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(yaml.eventBusPort()).isEqualTo(5702);

    GatewayConfig.Cluster env = load("", Map.of("SPP_CLUSTER_MEMBERS", " 127.0.0.1:5801, 127.0.0.1:5802 ,",
        "SPP_CLUSTER_HOST", "10.1.2.3", "SPP_CLUSTER_HAZELCAST_PORT", "5801",
        "SPP_CLUSTER_KUBERNETES_SERVICE", "spp-gateway-cluster")).cluster();
    assertThat(env.members()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    assertThat(env.host()).isEqualTo("10.1.2.3");
    assertThat(env.hazelcastPort()).isEqualTo(5801);
    assertThat(env.kubernetesService()).isEqualTo("spp-gateway-cluster");
  }

  @Test
  @DisplayName("a cluster member that is not host:port, or an empty cluster name, stops start-up naming the key")
  void badClusterSettingsAreRefused() {
    for (String bad : List.of("10.0.0.1", "10.0.0.1:", ":5701", "10.0.0.1:57x1", "10.0.0.1:70000")) {
      assertThatThrownBy(() -> load("", Map.of("SPP_CLUSTER_MEMBERS", bad))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.members");
    }
    assertThatThrownBy(() -> load("", Map.of("SPP_CLUSTER_NAME", " "))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.name");
    assertThatThrownBy(() -> load("cluster:\n  hazelcastPort: 0\n", NO_ENV)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.hazelcastPort");
  }
}
