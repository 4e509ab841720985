package org.openspp.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.openspp.fake.FakeOpenspp;

/**
 * A fake OpenSPP 2 database on the test PostgreSQL — OpenSPP's tables from {@code openspp/schema.sql}, filled by
 * {@link FakeOpenspp#copyFrom} from an NDJSON fixture loaded into a gateway-schema staging database — and a gateway
 * serving it in {@code openspp} mode as a login that holds only {@code SELECT} on it, with its audit trail in a
 * separate database. Start it from test setup threads.
 */
public final class OpensppHarness {

  private static final AtomicInteger READERS = new AtomicInteger();

  /** The gateway, serving the OpenSPP database (its {@code dbUrl} is the read-only login's URL). */
  public final GatewayHarness gateway;
  /** The OpenSPP database as its owner (tests change OpenSPP's data through it, as Odoo would). */
  public final String adminUrl;
  /** The read-only login's URL of the OpenSPP database. */
  public final String readerUrl;
  /** The audit database. */
  public final String auditUrl;
  /** The gateway-schema database the fixture was loaded into first. */
  public final String stagingUrl;

  private OpensppHarness(GatewayHarness gateway, String adminUrl, String readerUrl, String auditUrl,
      String stagingUrl) {
    this.gateway = gateway;
    this.adminUrl = adminUrl;
    this.readerUrl = readerUrl;
    this.auditUrl = auditUrl;
    this.stagingUrl = stagingUrl;
  }

  /** Builds the databases from {@code fixture} and starts the gateway with {@code tweak} applied. */
  public static OpensppHarness start(Vertx vertx, String fixture, UnaryOperator<GatewayConfig> tweak) {
    return startWithLines(vertx, GatewayHarness.lines(fixture), tweak);
  }

  public static OpensppHarness startWithLines(Vertx vertx, List<String> ndjson, UnaryOperator<GatewayConfig> tweak) {
    String staging = TestRegistry.migratedDatabaseUrl(vertx);
    GatewayHarness.loadLines(vertx, staging, ndjson);
    String admin = TestRegistry.freshDatabaseUrl();
    Pool from = TestRegistry.pool(vertx, staging);
    Pool to = TestRegistry.pool(vertx, admin);
    String reader = "spp_reader_" + ProcessHandle.current().pid() + "_" + READERS.incrementAndGet();
    try {
      FakeOpenspp.createSchema(to).await();
      FakeOpenspp.copyFrom(from, to).await();
      to.query("CREATE ROLE " + reader + " LOGIN PASSWORD 'reader'").execute().await();
      to.query("GRANT USAGE ON SCHEMA public TO " + reader).execute().await();
      to.query("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + reader).execute().await();
    } finally {
      from.close().await();
      to.close().await();
    }
    String readerUrl = admin.replaceFirst("//[^@/]*@", "//" + reader + ":reader@");
    String audit = TestRegistry.migratedDatabaseUrl(vertx);
    GatewayHarness gw = GatewayHarness.startOn(vertx, readerUrl,
        c -> tweak.apply(c.withRegistry(RegistryKind.OPENSPP, readerUrl, audit)), null);
    return new OpensppHarness(gw, admin, readerUrl, audit, staging);
  }

  /** Runs SQL on the OpenSPP database as its owner (what Odoo would change). */
  public RowSet<Row> opensppSql(String sql, Object... params) {
    return sql(adminUrl, sql, params);
  }

  /** Runs SQL on the audit database. */
  public RowSet<Row> auditSql(String sql, Object... params) {
    return sql(auditUrl, sql, params);
  }

  private RowSet<Row> sql(String url, String sql, Object... params) {
    Pool pool = TestRegistry.pool(gateway.vertx, url);
    try {
      return params.length == 0
          ? pool.query(sql).execute().await()
          : pool.preparedQuery(sql).execute(Tuple.wrap(params)).await();
    } finally {
      pool.close().await();
    }
  }

  public void stop() {
    gateway.stop();
  }
}
