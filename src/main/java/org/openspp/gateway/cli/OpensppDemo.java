package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.LoadReport;
import org.openspp.gateway.db.Migrations;
import org.openspp.gateway.db.OwnerOnlyFile;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.db.RegistryLoader;
import org.openspp.gateway.openspp.fake.FakeOpenspp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --demo openspp}: on the embedded PostgreSQL, a fake OpenSPP 2 database ({@code spp_demo_openspp},
 * OpenSPP's tables holding the same demo registry as the plain demo, with the demo token secret in
 * {@code ir_config_parameter}) read by a login that may only {@code SELECT} ({@code spp_gateway_reader}), and an
 * audit database ({@code spp_demo_audit}). Built once, on first start, with random demo client secrets (printed
 * then, once); kept across restarts like the plain demo, so a client disabled there stays disabled. The reader
 * login gets a new random password at every start (the embedded server admits no login without one); it is held
 * in memory only. Runs on the main thread.
 */
final class OpensppDemo {

  private static final Logger log = LoggerFactory.getLogger(OpensppDemo.class);

  static final String OPENSPP_DB = "spp_demo_openspp";
  static final String AUDIT_DB = "spp_demo_audit";
  static final String READER = "spp_gateway_reader";
  private static final String STAGING_DB = "spp_demo_staging";
  private static final String BUILDING_DB = "spp_demo_openspp_building";

  private OpensppDemo() {
  }

  /**
   * @param config     serving the fake OpenSPP database through the reader login
   * @param newSecrets the demo clients' new secrets: all of them when this start built the database, else those
   *                   that replaced a published example secret (usually none)
   */
  record Prepared(GatewayConfig config, Map<String, String> newSecrets) {
  }

  /**
   * Builds the databases when missing and returns {@code config} serving them in {@code openspp} mode.
   *
   * @param adminConfig the configuration with {@code db.url} on the embedded server's superuser
   * @param secret      the demo HS256 secret, stored in the fake OpenSPP database as OpenSPP would
   */
  static Prepared prepare(Vertx vertx, GatewayConfig adminConfig, String secret) throws IOException {
    String admin = adminConfig.db().url();
    String base = admin.substring(0, admin.lastIndexOf('/') + 1);
    Pool server = PgPools.create(vertx, admin, 1, 8, 0, "demo-admin");
    Map<String, String> newSecrets = Map.of();
    String readerPassword = OwnerOnlyFile.randomSecret(24);
    try {
      Set<String> databases = new HashSet<>();
      for (Row row : server.query("SELECT datname FROM pg_database").execute().await()) {
        databases.add(row.getString(0));
      }
      if (!databases.contains(AUDIT_DB)) {
        server.query("CREATE DATABASE " + AUDIT_DB).execute().await();
      }
      if (!databases.contains(OPENSPP_DB)) {
        newSecrets = build(vertx, server, base, secret);
      } else {
        newSecrets = DemoClients.replacePublishedSecrets(vertx, base + OPENSPP_DB, RegistryKind.OPENSPP);
      }
      // URL-safe Base64: nothing to escape in the literal (ALTER ROLE takes no parameters)
      server.query("ALTER ROLE " + READER + " LOGIN PASSWORD '" + readerPassword + "'").execute().await();
    } finally {
      server.close().await();
    }
    String reader = base.replaceFirst("//[^@/]*@", "//" + READER + ":" + readerPassword + "@");
    return new Prepared(adminConfig.withRegistry(RegistryKind.OPENSPP, reader + OPENSPP_DB, base + AUDIT_DB),
        newSecrets);
  }

  /** Loads the demo NDJSON into a staging database, copies it into OpenSPP's tables, then renames into place. */
  private static Map<String, String> build(Vertx vertx, Pool server, String base, String secret) throws IOException {
    server.query("DROP DATABASE IF EXISTS " + STAGING_DB).execute().await();
    server.query("DROP DATABASE IF EXISTS " + BUILDING_DB).execute().await();
    server.query("CREATE DATABASE " + STAGING_DB).execute().await();
    server.query("CREATE DATABASE " + BUILDING_DB).execute().await();
    Pool staging = PgPools.create(vertx, base + STAGING_DB, 2, 8, 0, "demo-staging");
    Pool openspp = PgPools.create(vertx, base + BUILDING_DB, 2, 8, 0, "demo-openspp");
    DemoClients.Fresh fresh = DemoClients.withRandomSecrets(ServeCommand.demoLines());
    try {
      Migrations.apply(staging).await();
      LoadReport report = new RegistryLoader(vertx, staging).load(ServeCommand.DEMO_RESOURCE,
          fresh.lines(), false).await();
      FakeOpenspp.createSchema(openspp).await();
      FakeOpenspp.copyFrom(staging, openspp).await();
      FakeOpenspp.setJwtSecret(openspp, secret).await();
      openspp.query("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + READER + "') THEN "
          + "CREATE ROLE " + READER + " LOGIN; END IF; END $$").execute().await();
      openspp.query("GRANT USAGE ON SCHEMA public TO " + READER).execute().await();
      openspp.query("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + READER).execute().await();
      log.info("demo OpenSPP database built: {} individuals, {} groups, {} clients, {} consents",
          report.individuals(), report.groups(), report.clients(), report.consents());
    } finally {
      staging.close().await();
      openspp.close().await();
    }
    server.query("DROP DATABASE " + STAGING_DB).execute().await();
    server.query("ALTER DATABASE " + BUILDING_DB + " RENAME TO " + OPENSPP_DB).execute().await();
    return fresh.secrets();
  }
}
