package org.openspp.gateway.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code gateway.breaker.state} gauge, one series per registry ({@code registry} tag: {@code individual-db},
 * {@code group-db}, {@code clients-db}): 0 closed, 1 half-open, 2 open. A registry served by several resolver
 * instances (each with its own breaker) reports the worst state among them. Shared by all verticles of a
 * process; thread-safe.
 */
public final class BreakerStates {

  private final MeterRegistry meters;
  private final Map<String, List<AtomicInteger>> slots = new ConcurrentHashMap<>();

  public BreakerStates(MeterRegistry meters) {
    this.meters = meters;
  }

  /** A slot for one breaker of {@code registry}; the breaker's owner sets it on every state change. */
  public AtomicInteger slot(String registry) {
    AtomicInteger slot = new AtomicInteger();
    slots.computeIfAbsent(registry, name -> {
      List<AtomicInteger> list = new CopyOnWriteArrayList<>();
      Gauge.builder("gateway.breaker.state", list, BreakerStates::worst)
          .description("Circuit breaker state per registry: 0 closed, 1 half-open, 2 open")
          .tag("registry", name)
          .register(meters);
      return list;
    }).add(slot);
    return slot;
  }

  /** Frees a breaker's slot when its verticle stops. */
  public void release(String registry, AtomicInteger slot) {
    List<AtomicInteger> list = slots.get(registry);
    if (list != null) {
      list.remove(slot);
    }
  }

  /** Every registry's current (worst) state: {@code closed}, {@code half-open} or {@code open}. */
  public Map<String, String> snapshot() {
    Map<String, String> out = new java.util.TreeMap<>();
    slots.forEach((name, list) -> out.put(name, switch ((int) worst(list)) {
      case 0 -> "closed";
      case 1 -> "half-open";
      default -> "open";
    }));
    return out;
  }

  /** The gauge value of a state. */
  public static int value(CircuitBreakerState state) {
    return switch (state) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }

  private static double worst(List<AtomicInteger> list) {
    int max = 0;
    for (AtomicInteger a : list) {
      max = Math.max(max, a.get());
    }
    return max;
  }
}
