package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.Migrations;
import org.openspp.gateway.db.OwnerOnlyFile;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.db.RegistryLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up steps shared by the commands (schema migrations; the embedded demo's signing secret file); all run on
 * the main thread, never on an event loop.
 */
final class CliSupport {

  private static final Logger log = LoggerFactory.getLogger(CliSupport.class);

  private CliSupport() {
  }

  /** The demo signing secret's file, inside the embedded server's data directory. */
  static final String SECRET_FILE = "spp-jwt-secret";

  /** The embedded server's data directory, which also holds the generated demo signing secret. */
  static Path dataDir(GatewayConfig config) {
    return Path.of(config.db().embeddedDataDir()).toAbsolutePath().normalize();
  }

  /**
   * The HS256 secret generated for the embedded default, kept owner-only ({@code 0600}) inside the embedded
   * server's data directory (itself {@code 0700}) so that printed demo tokens survive restarts; created on first
   * use. A file that is a symbolic link, owned by another user or readable by others stops start-up (exit 2),
   * since someone else could have planted or read it. Older versions kept it in the data directory's parent:
   * that file is never read (serve logs a warning naming it).
   */
  static String embeddedSecret(GatewayConfig config, boolean create) throws IOException {
    Path data = dataDir(config);
    Path old = data.getParent() == null ? null : data.getParent().resolve("jwt-secret");
    // serve only: token's standard output is the token alone
    if (create && old != null && Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
      log.warn("{} is not used (older versions kept the demo signing secret there); the secret is now {}: delete {}",
          old, data.resolve(SECRET_FILE), old);
    }
    String what = "the embedded demo's token signing secret";
    Path file = data.resolve(SECRET_FILE);
    if (!create) {
      return OwnerOnlyFile.read(file, what);
    }
    if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("the embedded data directory " + data + " does not exist");
    }
    return OwnerOnlyFile.readOrCreate(file, what);
  }

  /**
   * Logs a warning naming the registry tables (of each distinct registry database of the gateway kind) that hold
   * rows but were never analysed: until autovacuum analyses them, PostgreSQL plans the resolver statement as if
   * they were empty, and exports run into the statement timeout. {@code load} analyses what it wrote; a registry
   * restored or copied by other means needs {@code ANALYZE}. A check that cannot run is logged and skipped.
   */
  static void warnNeverAnalysed(Vertx vertx, GatewayConfig config) {
    Set<String> urls = new LinkedHashSet<>();
    for (ResourceType type : ResourceType.values()) {
      urls.add(config.registryUrl(type));
    }
    for (String url : urls) {
      Pool pool = PgPools.create(vertx, url, 1, 8, 0, "analyse-check");
      try {
        List<String> tables = RegistryLoader.neverAnalysed(pool).await();
        if (!tables.isEmpty()) {
          log.warn("registry tables {} hold rows but were never analysed: exports are planned as if they were empty "
              + "(statement timeouts, then open breakers) until autovacuum analyses them; run ANALYZE {} now",
              tables, String.join(", ", tables));
        }
      } catch (RuntimeException e) {
        log.warn("could not check the registry's planner statistics: {}", e.getMessage());
      } finally {
        pool.close().await();
      }
    }
  }

  /**
   * Applies pending migrations to the main database, the audit store and every distinct registry database; with
   * an {@code openspp} registry to the audit store only (the OpenSPP database is never written).
   */
  static int migrateAll(Vertx vertx, GatewayConfig config) {
    Set<String> urls = new LinkedHashSet<>();
    urls.add(config.auditUrl());
    if (config.kind() == RegistryKind.GATEWAY) {
      urls.add(config.db().url());
      for (ResourceType type : ResourceType.values()) {
        urls.add(config.registryUrl(type));
      }
    }
    int applied = 0;
    for (String url : urls) {
      Pool pool = PgPools.create(vertx, url, 1, 8, 0, "migrations");
      try {
        applied += Migrations.apply(pool).await();
      } finally {
        pool.close().await();
      }
    }
    return applied;
  }
}
