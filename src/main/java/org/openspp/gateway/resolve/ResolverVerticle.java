package org.openspp.gateway.resolve;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves identifiers of one resource type against its registry. Consumes {@link ResolveRequest} on
 * {@code gateway.resolve.<type>} and replies with a {@link ResolveResult}, or fails the message with a
 * {@link Failure} code. Owns its pool (bounded wait queue) and the circuit breaker {@code <type>-db} around
 * the one batched registry call per request. Knows nothing about HTTP or the response format.
 */
public final class ResolverVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ResolverVerticle.class);

  private final ResourceType type;
  private final String url;
  private final GatewayConfig.Registry config;
  private Pool pool;
  private CircuitBreaker breaker;

  public ResolverVerticle(ResourceType type, String url, GatewayConfig.Registry config) {
    this.type = type;
    this.url = url;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    String name = type.scopeName() + "-db";
    pool = PgPools.create(vertx, url, config.poolSize(), config.maxWaitQueue(), config.statementTimeoutMs(), name);
    breaker = CircuitBreaker.create(name, vertx, new CircuitBreakerOptions()
            .setMaxFailures(config.breaker().maxFailures())
            .setTimeout(config.breaker().timeoutMs())
            .setResetTimeout(config.breaker().resetTimeoutMs()))
        .failurePolicy(RegistryFailures::countsAgainstRegistry)
        .openHandler(v -> log.warn("circuit breaker {} opened", name))
        .halfOpenHandler(v -> log.info("circuit breaker {} half-open, trying the registry", name))
        .closeHandler(v -> log.info("circuit breaker {} closed", name));
    MessageConsumer<ResolveRequest> consumer = vertx.eventBus().consumer(Addresses.resolve(type), this::onResolve);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
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
    breaker.<ResolveResult>execute(() -> pool.preparedQuery(RegistryQueries.resolve(type))
            .execute(params)
            .map(rows -> RegistrantRows.toResult(type, rows)))
        .onSuccess(msg::reply)
        .onFailure(err -> {
          Failure failure = RegistryFailures.classify(err);
          log.warn("request {}: {} registry call failed ({}): {}", req.requestId(), type.wireName(), failure,
              err.toString());
          msg.fail(failure.code(), failure.name());
        });
  }
}
