package org.openspp.gateway.support;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting for a future from a test thread, with its own failure rethrown as is. */
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
}
