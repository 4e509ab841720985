package org.openspp.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Event-bus requests from a test thread, for tests of one verticle on its own: every wait is bounded, and a
 * failed reply is handed back as the {@link ReplyException} the verticle failed the message with.
 */
public final class BusCalls {

  /** The longest any single reply is waited for. */
  public static final long TIMEOUT_SECONDS = 10;

  private BusCalls() {
  }

  /** The reply's body; fails the test if the message was failed or not answered in time. */
  public static <T> T body(Future<Message<T>> reply) {
    try {
      return reply.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).body();
    } catch (ExecutionException e) {
      throw new AssertionError("expected a reply, the message failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no reply within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  /** The failure the recipient answered with; fails the test on a reply, a timeout or another kind of failure. */
  public static ReplyException recipientFailure(Future<?> reply) {
    try {
      Object ok = reply.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got a reply: " + ok);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ReplyException.class);
      ReplyException failure = (ReplyException) e.getCause();
      assertThat(failure.failureType()).as("failure type of " + failure).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
      return failure;
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  /** Polls {@code condition} every 20 ms until it holds; fails the test once {@code within} has passed. */
  public static void until(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toMillis() + " ms: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }
}
