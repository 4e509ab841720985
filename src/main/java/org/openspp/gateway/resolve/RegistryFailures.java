package org.openspp.gateway.resolve;

import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.net.ConnectException;
import org.openspp.gateway.bus.Failure;

/** Classifies a failed registry call into the {@link Failure} the HTTP edge maps to a status. */
final class RegistryFailures {

  /** SQLSTATE of a statement cancelled by {@code statement_timeout}. */
  private static final String QUERY_CANCELED = "57014";

  private RegistryFailures() {
  }

  /**
   * The breakers' failure policy: a failed call counts against the registry unless the gateway itself was
   * saturated (its pool's wait queue was full): local overload says nothing about the registry's health, and
   * opening the breaker on it would turn a burst into seconds of refusals.
   */
  static boolean countsAgainstRegistry(io.vertx.core.AsyncResult<?> result) {
    return result.failed() && !(result.cause() instanceof ConnectionPoolTooBusyException)
        && !isDataException(result.cause());
  }

  /**
   * A PostgreSQL "data exception" (SQLSTATE class 22, e.g. text it cannot store): caused by what a request
   * sent, not by the registry's health, so one client cannot open the breaker for everyone with it.
   */
  static boolean isDataException(Throwable err) {
    return err instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("22");
  }

  static Failure classify(Throwable err) {
    if (err instanceof OpenCircuitException) {
      return Failure.REGISTRY_UNAVAILABLE;
    }
    if (err instanceof io.vertx.circuitbreaker.TimeoutException || err instanceof java.util.concurrent.TimeoutException) {
      return Failure.REGISTRY_TIMEOUT;
    }
    if (err instanceof PgException pg) {
      if (isDataException(pg)) {
        return Failure.INTERNAL;
      }
      return QUERY_CANCELED.equals(pg.getSqlState()) ? Failure.REGISTRY_TIMEOUT : Failure.REGISTRY_UNAVAILABLE;
    }
    if (err instanceof ConnectException || err instanceof VertxException || err instanceof java.io.IOException) {
      // connection refused or closed, pool wait queue full: the registry cannot take the request now
      return Failure.REGISTRY_UNAVAILABLE;
    }
    return Failure.INTERNAL;
  }
}
