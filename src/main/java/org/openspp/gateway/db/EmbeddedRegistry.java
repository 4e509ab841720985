package org.openspp.gateway.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A PostgreSQL server started by the gateway itself when no database is configured: the development and demo
 * default. Data persists under the configured directory across restarts. Works as root: the bundled
 * PostgreSQL 17 binaries run {@code initdb} and {@code pg_ctl} inside an unprivileged user namespace
 * ({@code unshare -U}), because PostgreSQL itself refuses to run as root. Blocking: call from {@code main},
 * never from an event loop.
 */
public final class EmbeddedRegistry implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  private EmbeddedRegistry(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts (initialising on first use) the server whose data lives in {@code dataDir}.
   *
   * @throws IllegalStateException with an actionable message when the server cannot start
   */
  public static EmbeddedRegistry start(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir.toFile())
          .setCleanDataDirectory(false)
          .setPGStartupWait(Duration.ofSeconds(30))
          .setServerConfig("max_connections", "200")
          .start();
      return new EmbeddedRegistry(pg);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(explain(e, dataDir), e);
    }
  }

  static String explain(Throwable e, Path dataDir) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    String text = all.toString();
    if (text.contains("root")) {
      return "The embedded PostgreSQL cannot run as root here: it needs unprivileged user namespaces "
          + "(unshare -U), which this machine blocks. Either run the gateway as a non-root user, enable user "
          + "namespaces (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0), or point "
          + "SPP_DB_URL at a PostgreSQL server.";
    }
    return "The embedded PostgreSQL failed to start with data directory " + dataDir.toAbsolutePath()
        + " (" + e.getMessage() + "). Remove a stale directory or set SPP_DB_URL to a PostgreSQL server.";
  }

  /** {@code postgresql://postgres@localhost:<port>/postgres}. */
  public String url() {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres";
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
