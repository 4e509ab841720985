package org.openspp.gateway;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Process-wide lifecycle flags read by the probes and the HTTP edge: ready once every verticle has started,
 * draining from the moment a shutdown begins (readiness turns false at once, requests are still served during
 * the grace period). Thread-safe; one instance per gateway.
 */
public final class GatewayState {

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  void markStarted() {
    started.set(true);
  }

  /** Starts draining; returns false when it had already started. */
  boolean startDraining() {
    return draining.compareAndSet(false, true);
  }

  /** True once every verticle has started (draining or not). */
  public boolean started() {
    return started.get();
  }

  public boolean ready() {
    return started.get() && !draining.get();
  }

  public boolean draining() {
    return draining.get();
  }
}
