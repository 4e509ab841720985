package org.openspp.gateway.db;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Builds PostgreSQL pools from {@code postgresql://user:pass@host:port/db} URLs. */
public final class PgPools {

  /** Longest SQL text kept as a prepared statement per connection: every statement of the gateway. */
  static final int MAX_CACHED_SQL_LENGTH = 32_768;

  private PgPools() {
  }

  /**
   * Parses a connection URL into options. {@code statementTimeoutMs > 0} sets PostgreSQL's
   * {@code statement_timeout} on every connection, so a stalled query is cancelled by the server itself.
   */
  public static PgConnectOptions connectOptions(String url, long statementTimeoutMs) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    // The client caches (keeps named, parsed and planned) only statements up to 2,048 characters by default; the
    // resolver statements are longer, so each execution was parsed and planned anew (plans = calls in
    // pg_stat_statements: 8 ms of planning per 0.8 ms of execution for one identifier on OpenSPP's tables).
    options.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(64)
        .setPreparedStatementCacheSqlLimit(MAX_CACHED_SQL_LENGTH).setPipeliningLimit(16);
    if (statementTimeoutMs > 0) {
      options.addProperty("statement_timeout", Long.toString(statementTimeoutMs));
    }
    options.addProperty("application_name", "spp-gateway");
    return options;
  }

  /**
   * A pool bound to the calling verticle's context (when called from one), with the client's default
   * connection timeouts. For tools and tests; serving pools use the overload with a call timeout.
   *
   * @param maxWaitQueue requests allowed to wait for a connection; past it the pool fails at once
   */
  public static Pool create(Vertx vertx, String url, int size, int maxWaitQueue, long statementTimeoutMs, String name) {
    return create(vertx, url, size, maxWaitQueue, statementTimeoutMs, 0, name);
  }

  /**
   * A serving pool whose waits are bounded by {@code callTimeoutMs} (the breaker timeout): connecting to the
   * server and waiting for a free connection. A query that the server never answers is ended by
   * {@code statement_timeout} on the server, or for the caller by the breaker timeout; note that Vert.x 5.0's
   * pool ignores client-side idle timeouts, so a connection whose peer goes silent mid-query stays busy until
   * TCP gives up on it.
   */
  public static Pool create(Vertx vertx, String url, int size, int maxWaitQueue, long statementTimeoutMs,
      long callTimeoutMs, String name) {
    return create(vertx, url, size, maxWaitQueue, statementTimeoutMs, callTimeoutMs, name, Map.of());
  }

  /**
   * As {@link #create(Vertx, String, int, int, long, long, String)}, with {@code settings} (PostgreSQL run-time
   * parameters such as {@code default_transaction_read_only}) set on every connection at start-up.
   */
  public static Pool create(Vertx vertx, String url, int size, int maxWaitQueue, long statementTimeoutMs,
      long callTimeoutMs, String name, Map<String, String> settings) {
    PgConnectOptions connect = connectOptions(url, statementTimeoutMs);
    settings.forEach(connect::addProperty);
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(size)
        .setMaxWaitQueueSize(maxWaitQueue)
        .setName(name)
        .setShared(false);
    NetClientOptions net = new NetClientOptions().setTcpNoDelay(true).setTcpKeepAlive(true);
    if (callTimeoutMs > 0) {
      int call = (int) Math.min(Integer.MAX_VALUE, callTimeoutMs);
      poolOptions.setConnectionTimeout(call).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
      net.setConnectTimeout(call);
    }
    return PgBuilder.pool()
        .with(poolOptions)
        .with(net)
        .connectingTo(connect)
        .using(vertx)
        .build();
  }
}
