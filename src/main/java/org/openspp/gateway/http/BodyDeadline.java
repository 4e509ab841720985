package org.openspp.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * The body read deadline of a route: armed just before vert.x-web's {@code BodyHandler} reads the body; when the
 * body has not fully arrived {@code http.bodyTimeoutMs} later the request fails with 408 {@code request-timeout}
 * and the connection is closed, so a client trickling its body cannot hold an in-flight slot. Disarmed by
 * {@link #disarm} once the body is read (the timer would find the request ended anyway).
 */
final class BodyDeadline {

  /** Routing-context key of the armed timer. */
  private static final String TIMER = "spp.bodyTimer";
  /** Routing-context key of the route's body limit, for the 413 text. */
  static final String LIMIT = "spp.bodyLimit";

  private BodyDeadline() {
  }

  /** The handler arming the deadline for bodies of at most {@code maxBodyBytes}. */
  static Handler<RoutingContext> arm(Vertx vertx, long timeoutMs, int maxBodyBytes) {
    return ctx -> {
      ctx.put(LIMIT, maxBodyBytes);
      if (!ctx.request().isEnded()) {
        long timer = vertx.setTimer(timeoutMs, t -> {
          if (!ctx.request().isEnded() && !ctx.response().ended()) {
            ctx.fail(ApiProblem.of(408, "request-timeout", "Request Timeout",
                "The request body did not arrive within " + timeoutMs + " ms").withHeader("Connection", "close"));
          }
        });
        ctx.put(TIMER, timer);
        ctx.addEndHandler(v -> vertx.cancelTimer(timer));
      }
      ctx.next();
    };
  }

  /** Cancels the deadline once the body is read. */
  static void disarm(Vertx vertx, RoutingContext ctx) {
    Long timer = ctx.get(TIMER);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
