package org.openspp.gateway.resolve;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ResolveRequest;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.db.RegistrantRows;
import org.openspp.gateway.db.RegistryQueries;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.metrics.GatewayMeters;

/**
 * Resolves identifiers of one resource type against its registry. Consumes {@link ResolveRequest} on
 * {@code gateway.resolve.<type>} and replies with a {@link ResolveResult}, or fails the message with a
 * {@link Failure} code. Owns its pool (bounded wait queue, every wait bounded by the breaker timeout) and the
 * circuit breaker {@code <type>-db} around the one batched registry call per request. Knows nothing about HTTP
 * or the response format.
 */
public final class ResolverVerticle extends VerticleBase {

  private final ResourceType type;
  private final String url;
  private final GatewayConfig.Registry config;
  private final BreakerStates breakerStates;
  private final GatewayMeters meters;
  private Pool pool;
  private RegistryBreaker breaker;

  public ResolverVerticle(ResourceType type, String url, GatewayConfig.Registry config, BreakerStates breakerStates,
      GatewayMeters meters) {
    this.type = type;
    this.url = url;
    this.config = config;
    this.breakerStates = breakerStates;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    String name = type.scopeName() + "-db";
    pool = PgPools.create(vertx, url, config.poolSize(), config.maxWaitQueue(), config.statementTimeoutMs(),
        config.breaker().timeoutMs(), name);
    breaker = new RegistryBreaker(vertx, name, config.breaker(), breakerStates);
    MessageConsumer<ResolveRequest> consumer = vertx.eventBus().consumer(Addresses.resolve(type), this::onResolve);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    if (breaker != null) {
      breaker.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private void onResolve(Message<ResolveRequest> msg) {
    ResolveRequest req = msg.body();
    Tuple params = Tuple.of(
        req.systems().toArray(String[]::new),
        req.values().toArray(String[]::new),
        type.wireName(),
        req.today(),
        req.client().consentFiltered(),
        req.client().organization(),
        req.client().organizationType());
    long started = System.nanoTime();
    breaker.<ResolveResult>execute(() -> pool.preparedQuery(RegistryQueries.resolve(type))
            .execute(params)
            .map(rows -> {
              meters.resolverLatency(type.wireName(), System.nanoTime() - started);
              return RegistrantRows.toResult(type, rows);
            }))
        .onSuccess(msg::reply)
        .onFailure(err -> breaker.fail(msg, err, req.requestId()));
  }
}
