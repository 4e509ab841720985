package org.openspp.gateway.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.openspp.gateway.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server started by the gateway itself when no database is configured: the development and demo
 * default. Owns the server's process, its access rules ({@code pg_hba.conf}) and its superuser password file.
 * Data persists under the configured directory across restarts.
 *
 * <p>Only the gateway's own user can use it: it listens on {@code localhost} only, with no Unix socket, and every
 * connection (every role) must authenticate with {@code scram-sha-256}; the superuser's password is generated at
 * {@code initdb} and kept in {@value #PASSWORD_FILE} (mode 0600) inside the data directory (itself 0700). A data
 * directory initialised by an older version (trust authentication, no password file) is upgraded at start: the
 * server first starts admitting only the superuser over loopback TCP, the password is set, {@code pg_hba.conf}
 * rewritten, and the server restarted with the ordinary rules before anything else uses it. Commits are
 * durable ({@code fsync}, {@code full_page_writes} and {@code synchronous_commit} on, overriding zonky's
 * {@code synchronous_commit=off}), so audit rows acknowledged to a client survive a crash.
 *
 * <p>Works as root: zonky runs {@code initdb} and {@code pg_ctl} inside an unprivileged user namespace
 * ({@code unshare -U}), because PostgreSQL itself refuses to run as root. Blocking: call from {@code main},
 * never from an event loop.
 */
public final class EmbeddedRegistry implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedRegistry.class);

  /** The superuser's password, inside the data directory. */
  public static final String PASSWORD_FILE = "spp-db-password";
  /** The superuser role. */
  static final String SUPERUSER = "postgres";

  /** Every connection authenticates; no trust, no replication. */
  static final String PG_HBA = """
      # Written by spp-gateway at every start (EmbeddedRegistry): every connection needs its role's password.
      # TYPE  DATABASE  USER  ADDRESS        METHOD
      local   all       all                  scram-sha-256
      host    all       all   127.0.0.1/32   scram-sha-256
      host    all       all   ::1/128        scram-sha-256
      """;
  /** While upgrading a data directory of an older version: the superuser over loopback TCP, for seconds. */
  private static final String PG_HBA_UPGRADING = """
      # Written by spp-gateway while upgrading a password-less data directory; replaced before start-up completes.
      host    all       postgres   127.0.0.1/32   trust
      host    all       postgres   ::1/128        trust
      """;

  private final EmbeddedPostgres postgres;
  private final String password;
  private final boolean initialised;

  private EmbeddedRegistry(EmbeddedPostgres postgres, String password, boolean initialised) {
    this.postgres = postgres;
    this.password = password;
    this.initialised = initialised;
  }

  /**
   * Starts (initialising on first use) the server whose data lives in {@code dataDir}.
   *
   * @throws ConfigException when the password file is not owner-only (exit 2)
   * @throws IllegalStateException with an actionable message when the server cannot start
   */
  public static EmbeddedRegistry start(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    Path passwordFile = dir.resolve(PASSWORD_FILE);
    Path initdbPasswordFile = null;
    try {
      boolean existing = Files.isRegularFile(dir.resolve("postgresql.conf"));
      String stored = existing ? OwnerOnlyFile.read(passwordFile, "the embedded PostgreSQL's superuser password") : null;
      boolean upgrade = existing && stored == null;
      String password = stored != null ? stored : OwnerOnlyFile.randomSecret(32);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir.toFile())
          .setCleanDataDirectory(false)
          .setPGStartupWait(Duration.ofSeconds(30))
          .setServerConfig("max_connections", "200")
          .setServerConfig("listen_addresses", "localhost")
          // no Unix socket (zonky's binaries would put one in /tmp): loopback TCP only
          .setServerConfig("unix_socket_directories", "''")
          .setServerConfig("password_encryption", "scram-sha-256")
          // durable commits: zonky's builder defaults synchronous_commit to off
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .setServerConfig("full_page_writes", "on")
          // zonky's own readiness probe connects as postgres over JDBC with these properties
          .setConnectConfig("password", password)
          .setDataDirectoryCustomizer(data -> writeAccessRules(data.toPath(), upgrade));
      if (!existing) {
        // zonky 2.2.2 passes its "locale" settings to initdb as --key=value, after its own "-A trust": the only
        // way to give initdb the superuser password, so the cluster never has a password-less superuser
        initdbPasswordFile = Files.createTempFile("spp-initdb-", ".pw",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(initdbPasswordFile, password, StandardCharsets.UTF_8);
        builder.setLocaleConfig("pwfile", initdbPasswordFile.toString())
            .setLocaleConfig("auth", "scram-sha-256");
      }
      EmbeddedPostgres pg = builder.start();
      EmbeddedRegistry registry = new EmbeddedRegistry(pg, password, !existing);
      try {
        if (upgrade) {
          registry.upgradeFromTrust(passwordFile);
          registry.close();
          // restarted with the password file in place: the ordinary start, with the ordinary rules
          return start(dataDir);
        }
        if (!existing) {
          OwnerOnlyFile.create(passwordFile, password);
        }
        registry.checkNoPasswordlessAccess();
      } catch (IOException | SQLException | RuntimeException e) {
        registry.close();
        throw e;
      }
      return registry;
    } catch (ConfigException e) {
      throw e;
    } catch (IOException | SQLException | RuntimeException e) {
      throw new IllegalStateException(explain(e, dir), e);
    } finally {
      if (initdbPasswordFile != null) {
        try {
          Files.deleteIfExists(initdbPasswordFile);
        } catch (IOException e) {
          log.warn("could not delete the temporary initdb password file {}: {}", initdbPasswordFile, e.toString());
        }
      }
    }
  }

  private static void writeAccessRules(Path dataDir, boolean upgrading) {
    try {
      Files.writeString(dataDir.resolve("pg_hba.conf"), upgrading ? PG_HBA_UPGRADING : PG_HBA, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A data directory of an older version: its superuser had no password and {@code pg_hba.conf} trusted every
   * local user. Sets the password and writes the password file; the caller then restarts the server, which comes
   * up with the ordinary rules (no waiting for a reload to take effect).
   */
  private void upgradeFromTrust(Path passwordFile) throws IOException, SQLException {
    log.warn("upgrading the embedded PostgreSQL in {}: it was created by an older version that let every local user "
        + "connect as superuser without a password; setting a generated password ({}) and restarting it",
        passwordFile.getParent(), passwordFile);
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      // the password is URL-safe Base64: nothing to escape in the literal
      s.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "'");
    }
    OwnerOnlyFile.create(passwordFile, password);
  }

  private boolean acceptsWithoutPassword() {
    DataSource anonymous = postgres.getDatabase(SUPERUSER, "postgres", Map.of());
    try (Connection c = anonymous.getConnection()) {
      return true;
    } catch (SQLException refused) {
      return false;
    }
  }

  /** Start-up refuses a server whose loaded rules admit anything but password authentication. */
  private void checkNoPasswordlessAccess() throws SQLException {
    List<String> other = new ArrayList<>();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT line_number, auth_method, error FROM pg_hba_file_rules "
             + "WHERE auth_method IS DISTINCT FROM 'scram-sha-256' OR error IS NOT NULL")) {
      while (rs.next()) {
        other.add("line " + rs.getInt(1) + ": " + rs.getString(2) + (rs.getString(3) == null ? "" : " " + rs.getString(3)));
      }
    }
    if (!other.isEmpty() || acceptsWithoutPassword()) {
      throw new IllegalStateException("the embedded PostgreSQL's pg_hba.conf admits connections without a password "
          + other);
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

  /** {@code postgresql://postgres:<password>@localhost:<port>/postgres}: the superuser, with its password. */
  public String url() {
    return "postgresql://" + SUPERUSER + ":" + password + "@localhost:" + postgres.getPort() + "/postgres";
  }

  /** The TCP port it listens on ({@code localhost}). */
  public int port() {
    return postgres.getPort();
  }

  /** Whether this start created the data directory ({@code initdb}). */
  public boolean initialised() {
    return initialised;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
