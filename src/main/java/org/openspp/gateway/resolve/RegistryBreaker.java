package org.openspp.gateway.resolve;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.BreakerStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one registry, as its owning verticle uses it: wraps the one registry call of a
 * request, counts only registry failures (never a full local wait queue, never a decision such as not found),
 * logs and exports every state change, and turns failures into {@link Failure} codes. While open it answers at
 * once, without touching the registry, with the seconds until the next half-open trial as the retry hint.
 */
final class RegistryBreaker {

  private static final Logger log = LoggerFactory.getLogger(RegistryBreaker.class);

  private final String name;
  private final long resetTimeoutMs;
  private final CircuitBreaker breaker;
  private final BreakerStates states;
  private final AtomicInteger slot;
  private volatile long openedAtMs;

  RegistryBreaker(Vertx vertx, String name, GatewayConfig.Breaker config, BreakerStates states) {
    this.name = name;
    this.resetTimeoutMs = config.resetTimeoutMs();
    this.states = states;
    this.slot = states.slot(name);
    this.breaker = CircuitBreaker.create(name, vertx, new CircuitBreakerOptions()
            .setMaxFailures(config.maxFailures())
            .setTimeout(config.timeoutMs())
            .setResetTimeout(config.resetTimeoutMs()))
        .failurePolicy(RegistryFailures::countsAgainstRegistry)
        .openHandler(v -> {
          openedAtMs = System.currentTimeMillis();
          slot.set(BreakerStates.value(breaker().state()));
          log.warn("circuit breaker {} opened: registry calls refused for {} ms", name, resetTimeoutMs);
        })
        .halfOpenHandler(v -> {
          slot.set(BreakerStates.value(breaker().state()));
          log.info("circuit breaker {} half-open: trying the registry", name);
        })
        .closeHandler(v -> {
          slot.set(BreakerStates.value(breaker().state()));
          log.info("circuit breaker {} closed", name);
        });
  }

  private CircuitBreaker breaker() {
    return breaker;
  }

  /** Runs the registry call through the breaker. */
  <T> Future<T> execute(Supplier<Future<T>> call) {
    return breaker.execute(call);
  }

  /** Fails {@code msg} with the {@link Failure} of {@code err} (and the retry hint when the breaker is open). */
  void fail(Message<?> msg, Throwable err, String requestId) {
    Failure failure = RegistryFailures.classify(err);
    if (err instanceof OpenCircuitException) {
      msg.fail(failure.code(), Failure.RETRY_AFTER_PREFIX + retryAfterSeconds());
      return;
    }
    log.warn("request {}: {} call failed ({}): {}", requestId, name, failure, err.toString());
    msg.fail(failure.code(), failure.name());
  }

  /** Whole seconds until the next half-open trial, at least 1. */
  long retryAfterSeconds() {
    long left = openedAtMs + resetTimeoutMs - System.currentTimeMillis();
    return Math.max(1, (left + 999) / 1000);
  }

  void close() {
    states.release(name, slot);
    breaker.close();
  }
}
