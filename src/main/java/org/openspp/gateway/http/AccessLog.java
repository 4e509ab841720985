package org.openspp.gateway.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.ext.web.RoutingContext;
import org.openspp.gateway.bus.ClientRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per answered request on the {@code spp.access} logger: endpoint, request id, client id (only a verified
 * one), resource type, HTTP status, problem category, duration from arrival, client address and user agent; for
 * an answered export its counts. Never an identifier, a token or a secret. 5xx other than 503 are WARN (with the
 * cause's type and message, no stack), the rest INFO.
 */
final class AccessLog {

  private static final Logger access = LoggerFactory.getLogger("spp.access");

  private AccessLog() {
  }

  /** An answered export. */
  static void export(RoutingContext ctx, int total, int successful, int failed) {
    if (access.isInfoEnabled()) {
      access.info("{} {} {} {} {} {} {} {} {} {}", kv("endpoint", EdgeContext.EXPORT),
          kv("request_id", EdgeContext.requestId(ctx)), kv("client_id", clientId(ctx)),
          kv("type", EdgeContext.type(ctx)), kv("status", 200), kv("total", total), kv("successful", successful),
          kv("failed", failed), kv("duration_ms", durationMs(ctx)), kv("remote_address", EdgeContext.clientAddress(ctx)),
          kv("user_agent", EdgeContext.userAgent(ctx)));
    }
  }

  /** An answer without a problem (a token issued). */
  static void ok(RoutingContext ctx, String clientId) {
    if (access.isInfoEnabled()) {
      access.info("{} {} {} {} {} {} {}", kv("endpoint", EdgeContext.endpoint(ctx)),
          kv("request_id", EdgeContext.requestId(ctx)), kv("client_id", clientId), kv("status", 200),
          kv("duration_ms", durationMs(ctx)), kv("remote_address", EdgeContext.clientAddress(ctx)),
          kv("user_agent", EdgeContext.userAgent(ctx)));
    }
  }

  /** A problem answer; {@code cause} is logged only for 5xx. */
  static void problem(RoutingContext ctx, ApiProblem problem, Throwable cause) {
    boolean warn = problem.status() >= 500 && problem.status() != 503;
    if (!warn && !access.isInfoEnabled()) {
      return;
    }
    Object[] fields = {kv("endpoint", EdgeContext.endpoint(ctx)), kv("request_id", EdgeContext.requestId(ctx)),
        kv("client_id", clientId(ctx)), kv("type", EdgeContext.type(ctx)), kv("status", problem.status()),
        kv("problem", problem.category()), kv("duration_ms", durationMs(ctx)),
        kv("remote_address", EdgeContext.clientAddress(ctx)), kv("user_agent", EdgeContext.userAgent(ctx)),
        kv("cause", problem.status() >= 500 && cause != null && cause != problem ? cause.toString() : null)};
    if (warn) {
      access.warn("{} {} {} {} {} {} {} {} {} {}", fields);
    } else {
      access.info("{} {} {} {} {} {} {} {} {} {}", fields);
    }
  }

  /**
   * A request the HTTP decoder refused before any route ({@link InvalidRequests}). No duration: its arrival is not
   * known to the handler, which runs once the decoder has given up.
   */
  static void invalid(ApiProblem problem, String requestId, String remoteAddress) {
    if (access.isInfoEnabled()) {
      access.info("{} {} {} {} {}", kv("endpoint", EdgeContext.OTHER), kv("request_id", requestId),
          kv("status", problem.status()), kv("problem", problem.category()), kv("remote_address", remoteAddress));
    }
  }

  private static String clientId(RoutingContext ctx) {
    ClientRecord client = EdgeContext.client(ctx);
    return client != null ? client.clientId() : null;
  }

  private static long durationMs(RoutingContext ctx) {
    return (System.nanoTime() - EdgeContext.arrival(ctx)) / 1_000_000;
  }
}
