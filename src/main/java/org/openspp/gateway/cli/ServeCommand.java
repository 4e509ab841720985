package org.openspp.gateway.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openspp.gateway.MainVerticle;
import org.openspp.gateway.Role;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.cluster.Clustering;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.EmbeddedRegistry;
import org.openspp.gateway.db.LoadReport;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.db.RegistryLoader;
import org.openspp.gateway.metrics.Metrics;
import org.openspp.gateway.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve} (the default command): starts the gateway. With no database configured it starts the
 * embedded PostgreSQL, binds its listeners to loopback unless {@code http.host} / {@code management.host} are
 * configured, loads the demo registry on first start only (with random client secrets, printed then) and prints
 * ready-to-paste {@code curl} commands with a demo token for each demo client that is active. Runs until
 * SIGTERM/SIGINT.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start the gateway (the default command). Without SPP_DB_URL it starts an embedded "
        + "PostgreSQL with demo data and prints demo tokens.")
public final class ServeCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  /** The demo registry loaded into the embedded database. */
  public static final String DEMO_RESOURCE = "demo/registry.ndjson";
  /** An identifier of the demo registry, used in the printed curl commands. */
  public static final String DEMO_IDENTIFIER = "urn:gov:ph:psa:national-id|PH-100000002";
  /** Where the demo's listeners bind unless the operator configured a host. */
  static final String LOOPBACK = "127.0.0.1";

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default: conf/config.yaml if present)")
  Path configFile;

  @Option(names = "--no-migrate", description = "Do not apply pending schema migrations at start")
  boolean noMigrate;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory of the embedded PostgreSQL (default: ./.spp-gateway/pg)")
  Path dataDir;

  @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all",
      description = "all (everything in one process, default), http (HTTP tier) or resolver (resolver tier); "
          + "http and resolver join a cluster (cluster.* settings) and need SPP_DB_URL")
  String role;

  @Option(names = "--demo", paramLabel = "KIND",
      description = "the embedded demo registry's kind when no SPP_DB_URL is set: gateway (default: the gateway's own "
          + "schema) or openspp (a fake OpenSPP 2 database served in registry.kind openspp, plus an audit database)")
  String demoKind;

  @Option(names = "--types", paramLabel = "TYPE", split = ",", defaultValue = "Individual,Group",
      description = "resource types this process resolves (roles all and resolver); default ${DEFAULT-VALUE}")
  List<String> types;

  @Override
  public Integer call() throws Exception {
    Role processRole = parseRole(role);
    Set<ResourceType> resolverTypes = parseTypes(types);
    if (processRole == null || resolverTypes == null) {
      return 2;
    }
    GatewayConfig config = ConfigLoader.load(configFile, System.getenv());
    if (dataDir != null) {
      config = GatewayConfigs.withDataDir(config, dataDir.toString());
    }
    RegistryKind demoAs = demoKind == null ? RegistryKind.GATEWAY : RegistryKind.fromWireName(demoKind);
    if (demoAs == null) {
      spec.commandLine().getErr().println("--demo: expected gateway or openspp (got '" + demoKind + "')");
      return 2;
    }
    EmbeddedRegistry embedded = null;
    boolean demo = config.db().url() == null;
    if (demo && processRole != Role.ALL) {
      spec.commandLine().getErr().println("--role " + role + " needs a shared database: set SPP_DB_URL "
          + "(the embedded demo database is for --role all)");
      return 2;
    }
    if (!demo && demoKind != null) {
      spec.commandLine().getErr().println("--demo starts the embedded demo registry: unset SPP_DB_URL to use it");
      return 2;
    }
    if (demoKind == null) {
      // registry.kind openspp without SPP_DB_URL is a set-up error, not the embedded demo
      ConfigLoader.checkServable(config);
    }
    if (demo) {
      // the demo listens on loopback only, unless the operator chose the addresses
      config = GatewayConfigs.withHosts(config,
          ConfigLoader.isSet(configFile, System.getenv(), "http.host") ? config.http().host() : LOOPBACK,
          ConfigLoader.isSet(configFile, System.getenv(), "management.host") ? config.management().host() : LOOPBACK);
      log.info("no SPP_DB_URL configured: starting the embedded PostgreSQL in {}", config.db().embeddedDataDir());
      embedded = EmbeddedRegistry.start(Path.of(config.db().embeddedDataDir()));
      config = config.withRegistry(RegistryKind.GATEWAY, embedded.url(), config.audit().url());
      try {
        if (config.auth().jwtSecret() == null) {
          // validated for --demo openspp too, where it becomes the fake OpenSPP's secret on first start
          String secret = CliSupport.embeddedSecret(config, true);
          if (demoAs == RegistryKind.GATEWAY) {
            config = config.withJwtSecret(secret);
          }
        }
      } catch (RuntimeException | IOException e) {
        // e.g. a secret file others can read: exit 2, with no PostgreSQL left running
        embedded.close();
        throw e;
      }
    }

    PrometheusMeterRegistry registry = Metrics.newRegistry();
    Vertx vertx;
    Supplier<JsonObject> membership = null;
    Tracing tracing = Tracing.fromEnvironment();
    if (tracing.enabled()) {
      log.info("tracing on: spans exported as the OTEL_* environment configures");
    }
    if (processRole == Role.ALL) {
      VertxOptions options = new VertxOptions();
      vertx = tracing.apply(Metrics.builder(registry, options), options).build();
    } else {
      GatewayConfig.Cluster cluster = config.cluster();
      log.info("joining cluster '{}' as {} on {}:{} ({})", cluster.name(), role, cluster.host(),
          cluster.hazelcastPort(), cluster.kubernetesService() != null
              ? "Kubernetes DNS " + cluster.kubernetesService() : "members " + cluster.members());
      try {
        Clustering.Node node = Clustering.start(registry, cluster, tracing).toCompletionStage().toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
        vertx = node.vertx();
        membership = node.membership();
      } catch (Exception e) {
        log.error("cannot join the cluster: {}", e.getCause() != null ? e.getCause().toString() : e.toString());
        System.exit(1);
        return 1;
      }
    }
    Map<String, String> newDemoSecrets = Map.of();
    try {
      if (demo && demoAs == RegistryKind.OPENSPP) {
        OpensppDemo.Prepared prepared = OpensppDemo.prepare(vertx, config, CliSupport.embeddedSecret(config, true));
        config = prepared.config();
        newDemoSecrets = prepared.newSecrets();
      }
      if (config.kind() == RegistryKind.OPENSPP) {
        config = OpensppStartup.prepare(vertx, config);
      }
    } catch (RuntimeException | IOException e) {
      // refused before anything listens (e.g. not an OpenSPP database: exit 2): leave nothing running behind
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
    if (processRole.servesHttp() && config.auth().jwtSecret() == null && config.auth().jwks() == null) {
      log.warn("no key source configured (SPP_JWT_SECRET or SPP_JWKS_URL): every token will be refused");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    EmbeddedRegistry server = embedded;
    MainVerticle main = new MainVerticle(config, registry, processRole, resolverTypes, membership, tracing);
    long drainLimitMs = config.http().shutdownGraceMs() + config.http().requestTimeoutMs() + 5000;
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> shutdown(vertx, main, drainLimitMs, server, tracing, stopped),
        "spp-shutdown"));
    try {
      if (processRole.servesHttp() && config.db().migrate() && !noMigrate) {
        int applied = CliSupport.migrateAll(vertx, config);
        log.info("schema migrations applied: {}{}", applied, config.kind() == RegistryKind.OPENSPP
            ? " (to the audit database only: the OpenSPP database is never migrated)" : "");
      }
      if (demo && demoAs == RegistryKind.GATEWAY) {
        newDemoSecrets = loadDemoIfFresh(vertx, config);
      }
      if (config.kind() == RegistryKind.GATEWAY && processRole.resolves()) {
        CliSupport.warnNeverAnalysed(vertx, config);
      }
      vertx.deployVerticle(main).await();
      if (demo) {
        printDemo(spec.commandLine().getOut(), config, DemoClients.active(vertx, config), newDemoSecrets);
      }
    } catch (Exception e) {
      log.error("start-up failed: {}", e.getMessage());
      stopped.countDown();
      System.exit(1);
    }
    stopped.await();
    return 0;
  }

  private Role parseRole(String value) {
    for (Role r : Role.values()) {
      if (r.name().equalsIgnoreCase(value)) {
        return r;
      }
    }
    spec.commandLine().getErr().println("--role: expected all, http or resolver (got '" + value + "')");
    return null;
  }

  private Set<ResourceType> parseTypes(List<String> values) {
    Set<ResourceType> out = EnumSet.noneOf(ResourceType.class);
    for (String v : values) {
      ResourceType t = ResourceType.fromWireName(v.trim());
      if (t == null) {
        spec.commandLine().getErr().println("--types: expected Individual and/or Group (got '" + v + "')");
        return null;
      }
      out.add(t);
    }
    if (out.isEmpty()) {
      spec.commandLine().getErr().println("--types: name at least one resource type");
      return null;
    }
    return out;
  }

  /** The demo registry's NDJSON lines, from the jar. */
  static List<String> demoLines() throws IOException {
    try (InputStream in = ServeCommand.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE)) {
      if (in == null) {
        throw new IOException("demo registry " + DEMO_RESOURCE + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  /**
   * Loads the demo registry, with random client secrets, into a registry that has no registrant and no client yet
   * (the first start); afterwards the registry stays as the operator left it (a disabled demo client stays
   * disabled, a changed secret stays changed), except that a demo secret still equal to the published example is
   * replaced. Returns the new secrets, empty when there are none.
   */
  private static Map<String, String> loadDemoIfFresh(Vertx vertx, GatewayConfig config) throws IOException {
    Pool pool = PgPools.create(vertx, config.db().url(), 2, 8, 0, "demo-load");
    try {
      boolean used = pool.query("SELECT EXISTS (SELECT 1 FROM api_client) OR EXISTS (SELECT 1 FROM registrant)")
          .execute().await().iterator().next().getBoolean(0);
      if (used) {
        log.info("demo registry already loaded: kept as it is (clients, secrets and records are not reset)");
        return DemoClients.replacePublishedSecrets(vertx, config.db().url(), RegistryKind.GATEWAY);
      }
      DemoClients.Fresh fresh = DemoClients.withRandomSecrets(demoLines());
      LoadReport report = new RegistryLoader(vertx, pool).load(DEMO_RESOURCE, fresh.lines(), false).await();
      log.info("demo registry loaded: {} individuals, {} groups, {} clients (new random secrets), {} consents",
          report.individuals(), report.groups(), report.clients(), report.consents());
      return fresh.secrets();
    } finally {
      pool.close().await();
    }
  }

  private static void printDemo(PrintWriter out, GatewayConfig config, List<String> activeClients,
      Map<String, String> newSecrets) {
    TokenMinter minter = new TokenMinter(config.auth().jwtSecret(), config.auth().issuer(), config.auth().audience());
    String url = "http://localhost:" + config.http().port() + "/api/v2/spp/\\$bulk/export";
    out.println();
    out.println("spp-gateway is ready on the embedded demo registry"
        + (config.kind() == RegistryKind.OPENSPP ? " (a fake OpenSPP 2 database, registry.kind openspp)" : "")
        + ", listening on " + config.http().host() + ". Demo tokens are valid for 24 hours.");
    if (!newSecrets.isEmpty()) {
      out.println();
      out.println("Demo client secrets, generated now and shown only this once (stored hashed; exchange them for a "
          + "token at POST /api/v2/spp/oauth/token):");
      DemoClients.IDS.stream().filter(newSecrets::containsKey)
          .forEach(client -> out.printf("  %-15s %s%n", client, newSecrets.get(client)));
    }
    if (activeClients.isEmpty()) {
      out.println();
      out.println("No demo client is active: no demo token printed.");
    }
    for (String client : activeClients) {
      String token = minter.mint(client, List.of("individual:read", "group:read"), Duration.ofHours(24));
      out.println();
      out.println("# " + client + " (" + DemoClients.DESCRIPTIONS.get(client) + ")");
      out.println("curl -s -X POST \"" + url + "\" \\");
      out.println("  -H 'Authorization: Bearer " + token + "' \\");
      out.println("  -H 'Content-Type: application/json' \\");
      out.println("  -d '{\"type\":\"Individual\",\"identifiers\":[\"" + DEMO_IDENTIFIER + "\"]}'");
    }
    out.println();
    out.println("Metrics: http://localhost:" + config.management().port() + "/metrics   Stop: Ctrl-C");
    out.flush();
  }

  /**
   * SIGTERM/SIGINT: drain (readiness false, grace period, in-flight requests answered, audit flushed), then close
   * Vert.x and the embedded PostgreSQL. Runs on the JVM's shutdown-hook thread, never on an event loop.
   */
  private static void shutdown(Vertx vertx, MainVerticle main, long drainLimitMs, EmbeddedRegistry embedded,
      Tracing tracing, CountDownLatch stopped) {
    try {
      main.drain().toCompletionStage().toCompletableFuture().get(drainLimitMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("drain did not complete: {}", e.toString());
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    // after the drain: the last requests' spans are exported too
    tracing.shutdown(5_000);
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        log.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
    }
    stopped.countDown();
  }
}
