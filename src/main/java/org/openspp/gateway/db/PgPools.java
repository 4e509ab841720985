package org.openspp.gateway.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Builds PostgreSQL pools from {@code postgresql://user:pass@host:port/db} URLs. */
public final class PgPools {

  private PgPools() {
  }

  /**
   * Parses a connection URL into options. {@code statementTimeoutMs > 0} sets PostgreSQL's
   * {@code statement_timeout} on every connection, so a stalled query is cancelled by the server itself.
   */
  public static PgConnectOptions connectOptions(String url, long statementTimeoutMs) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    options.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(64).setPipeliningLimit(16);
    if (statementTimeoutMs > 0) {
      options.addProperty("statement_timeout", Long.toString(statementTimeoutMs));
    }
    options.addProperty("application_name", "spp-gateway");
    return options;
  }

  /**
   * A pool bound to the calling verticle's context (when called from one).
   *
   * @param maxWaitQueue requests allowed to wait for a connection; past it the pool fails at once
   */
  public static Pool create(Vertx vertx, String url, int size, int maxWaitQueue, long statementTimeoutMs, String name) {
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(size)
        .setMaxWaitQueueSize(maxWaitQueue)
        .setName(name)
        .setShared(false);
    return PgBuilder.pool()
        .with(poolOptions)
        .connectingTo(connectOptions(url, statementTimeoutMs))
        .using(vertx)
        .build();
  }
}
