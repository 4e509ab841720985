package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.Migrations;
import org.openspp.gateway.db.PgPools;

/** Start-up steps shared by the commands; all run on the main thread, never on an event loop. */
final class CliSupport {

  private CliSupport() {
  }

  /** The directory holding the embedded server's data and the generated demo secret. */
  static Path stateDir(GatewayConfig config) {
    Path data = Path.of(config.db().embeddedDataDir()).toAbsolutePath().normalize();
    return data.getParent() != null ? data.getParent() : data;
  }

  /**
   * The HS256 secret generated for the embedded default, kept (owner-only) beside its data so that printed
   * demo tokens survive restarts. Created on first use.
   */
  static String embeddedSecret(GatewayConfig config, boolean create) throws IOException {
    Path file = stateDir(config).resolve("jwt-secret");
    if (Files.isRegularFile(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    if (!create) {
      return null;
    }
    byte[] bytes = new byte[36];
    new SecureRandom().nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.createDirectories(file.getParent());
    Files.writeString(file, secret, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return secret;
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
