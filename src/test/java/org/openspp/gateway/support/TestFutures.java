package org.openspp.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting from a test thread: for a future (its own failure rethrown as is), or for a condition, by polling. */
public final class TestFutures {

  private TestFutures() {
  }

  /** The future's result within 15 s; a failed future throws its cause (not wrapped). */
  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  /**
   * Polls {@code condition} on a Vert.x timer every 20 ms until it holds; fails if it does not within
   * {@code timeoutMs}. The test thread waits on a future (with {@link #await}'s own timeout), never sleeps.
   */
  public static void eventually(Vertx vertx, long timeoutMs, String what, BooleanSupplier condition)
      throws Exception {
    Promise<Void> met = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    vertx.setPeriodic(20, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        met.tryComplete();
      } else if (System.nanoTime() - deadline > 0) {
        vertx.cancelTimer(id);
        met.tryFail(new AssertionError("not within " + timeoutMs + " ms: " + what));
      }
    });
    await(met.future());
  }
}
