package org.openspp.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.openspp.gateway.MainVerticle;
import org.openspp.gateway.Role;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.tracing.Tracing;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.RegistryLoader;

/**
 * A whole gateway for HTTP tests: a fresh migrated database on the test PostgreSQL loaded with an NDJSON
 * fixture, the real {@link MainVerticle} deployed with a test configuration on free ports, a
 * {@link WebClient}, and HS256 tokens signed with the test secret. Start it from test setup threads.
 */
public final class GatewayHarness {

  public static final String SECRET = "spp-gateway-test-secret-0123456789-abcdef";
  public static final String FIXTURE = "fixtures/registry.ndjson";

  public final Vertx vertx;
  public final String dbUrl;
  public final GatewayConfig config;
  public final WebClient client;
  public final TokenMinter minter;
  public final MainVerticle main;
  private final String deploymentId;

  private GatewayHarness(Vertx vertx, String dbUrl, GatewayConfig config, MainVerticle main, String deploymentId) {
    this.vertx = vertx;
    this.dbUrl = dbUrl;
    this.config = config;
    this.main = main;
    this.deploymentId = deploymentId;
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")
        .setDefaultPort(config.http().port()).setKeepAlive(true));
    this.minter = new TokenMinter(SECRET, config.auth().issuer(), config.auth().audience());
  }

  /** Starts a gateway on the standard fixture with the default test configuration. */
  public static GatewayHarness start(Vertx vertx) {
    return start(vertx, FIXTURE, UnaryOperator.identity());
  }

  /** Starts a gateway on {@code fixture}, with {@code tweak} applied to the test configuration. */
  public static GatewayHarness start(Vertx vertx, String fixture, UnaryOperator<GatewayConfig> tweak) {
    return startWithLines(vertx, lines(fixture), tweak);
  }

  /** Starts a gateway on a registry given as NDJSON lines, with {@code tweak} applied to the configuration. */
  public static GatewayHarness startWithLines(Vertx vertx, List<String> ndjson, UnaryOperator<GatewayConfig> tweak) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    loadLines(vertx, url, ndjson);
    return startOn(vertx, url, tweak, null);
  }

  /**
   * Starts a gateway on an existing, migrated and loaded database, with {@code tweak} applied to the test
   * configuration and {@code registry} (may be null) as its Prometheus registry.
   */
  public static GatewayHarness startOn(Vertx vertx, String url, UnaryOperator<GatewayConfig> tweak,
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) {
    GatewayConfig config = tweak.apply(testConfig(url));
    MainVerticle main = new MainVerticle(config, registry);
    String id = vertx.deployVerticle(main).await();
    return new GatewayHarness(vertx, url, config, main, id);
  }

  /**
   * Starts a gateway on the standard fixture in a fresh database, recording its meters (Vert.x's included) in
   * {@code registry}; {@code vertx} must have been built with that registry ({@code Metrics.vertx}).
   */
  public static GatewayHarness startMetered(Vertx vertx, io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    loadLines(vertx, url, lines(FIXTURE));
    return startOn(vertx, url, c -> c, registry);
  }

  /**
   * Starts a gateway on the standard fixture in a fresh database with {@code tracing}'s statement spans;
   * {@code vertx} must have been built with the same tracing ({@code Tracing#apply}).
   */
  public static GatewayHarness startTraced(Vertx vertx, Tracing tracing) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    loadLines(vertx, url, lines(FIXTURE));
    GatewayConfig config = testConfig(url);
    MainVerticle main = new MainVerticle(config, null, Role.ALL, EnumSet.allOf(ResourceType.class), null, tracing);
    String id = vertx.deployVerticle(main).await();
    return new GatewayHarness(vertx, url, config, main, id);
  }

  /** The test configuration on free ports for the database at {@code url}. */
  static GatewayConfig testConfig(String url) {
    return ConfigLoader.load(null, Map.of(
        "SPP_HTTP_PORT", Integer.toString(freePort()),
        "SPP_MANAGEMENT_PORT", Integer.toString(freePort()),
        "SPP_DB_URL", url,
        "SPP_DB_POOL_SIZE", "4",
        "SPP_JWT_SECRET", SECRET));
  }

  /** Loads NDJSON lines into the database at {@code url}. */
  public static void loadLines(Vertx vertx, String url, List<String> lines) {
    Pool pool = TestRegistry.pool(vertx, url);
    try {
      new RegistryLoader(vertx, pool).load("fixture", lines, false).await();
    } finally {
      pool.close().await();
    }
  }

  /** Runs SQL against the gateway's database (test setup and inspection). */
  public io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> sql(String sql, Object... params) {
    Pool pool = TestRegistry.pool(vertx, dbUrl);
    try {
      return params.length == 0
          ? pool.query(sql).execute().await()
          : pool.preparedQuery(sql).execute(io.vertx.sqlclient.Tuple.wrap(params)).await();
    } finally {
      pool.close().await();
    }
  }

  public static List<String> lines(String resource) {
    try (InputStream in = GatewayHarness.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A valid one-hour token for {@code clientId}. */
  public String token(String clientId) {
    return minter.mint(clientId, List.of(), Duration.ofHours(1));
  }

  /** A POST to the export path with a bearer token for {@code clientId} and a JSON content type. */
  public HttpRequest<Buffer> exportRequest(String clientId) {
    return client.post(ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + token(clientId))
        .putHeader("Content-Type", "application/json");
  }

  /** Sends {@code body} as {@code clientId}. */
  public Future<HttpResponse<Buffer>> export(String clientId, JsonObject body) {
    return exportRequest(clientId).sendBuffer(body.toBuffer());
  }

  /** Undeploys the gateway; the database is left to the test server's lifetime. */
  public void stop() {
    client.close();
    vertx.undeploy(deploymentId).await();
  }

  /** The export path, literal {@code $} and percent-encoded. */
  public static final class ExportPaths {
    public static final String EXPORT = "/api/v2/spp/$bulk/export";
    public static final String EXPORT_ENCODED = "/api/v2/spp/%24bulk/export";

    private ExportPaths() {
    }
  }
}
