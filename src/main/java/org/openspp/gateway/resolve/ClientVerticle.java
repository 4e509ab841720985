package org.openspp.gateway.resolve;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.metrics.BreakerStates;

/**
 * Answers client lookups from the client registry in the main database (SQL from the registry kind's
 * {@link RegistrySource}). Consumes a {@code String} client id on {@link Addresses#CLIENT_LOOKUP}; replies with the
 * {@link ClientRecord}, or fails with {@link Failure#NOT_FOUND}. HTTP verticles cache the answers briefly, so this sees a few queries per client
 * per cache period. Owns a small pool and the breaker {@code clients-db}.
 */
public final class ClientVerticle extends VerticleBase {

  private static final int POOL_SIZE = 4;

  private final RegistrySource source;
  private final String url;
  private final GatewayConfig.Registry limits;
  private final BreakerStates breakerStates;
  private Pool pool;
  private RegistryBreaker breaker;

  /** @param limits statement timeout, wait queue and breaker settings (those of the Individual registry) */
  public ClientVerticle(RegistrySource source, String url, GatewayConfig.Registry limits,
      BreakerStates breakerStates) {
    this.source = source;
    this.url = url;
    this.limits = limits;
    this.breakerStates = breakerStates;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, url, POOL_SIZE, limits.maxWaitQueue(), limits.statementTimeoutMs(),
        limits.breaker().timeoutMs(), "clients-db", source.sessionSettings());
    breaker = new RegistryBreaker(vertx, "clients-db", limits.breaker(), breakerStates);
    return vertx.eventBus().<String>localConsumer(Addresses.CLIENT_LOOKUP, this::onLookup).completion();
  }

  @Override
  public Future<?> stop() {
    if (breaker != null) {
      breaker.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private void onLookup(Message<String> msg) {
    breaker.<ClientRecord>execute(() -> pool.preparedQuery(source.clientStatement())
            .execute(Tuple.of(msg.body()))
            .map(rows -> {
              for (Row row : rows) {
                return source.toClient(row);
              }
              return null;
            }))
        .onSuccess(client -> {
          if (client == null) {
            msg.fail(Failure.NOT_FOUND.code(), "client not found");
          } else {
            msg.reply(client);
          }
        })
        .onFailure(err -> breaker.fail(msg, err, "-"));
  }
}
