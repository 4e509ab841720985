package org.openspp.gateway.http;

import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.AsyncResult;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import org.openspp.gateway.bus.ClientRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per answer on the {@code spp.access} logger, in Elastic Common Schema field names (dotted keys, as ECS's
 * own encoders write them). Every routed request is logged from the end of its {@link RoutingContext}
 * ({@link #watch}, registered by {@link EdgeContext#stamp}, the first handler), so the answers vert.x-web gives on
 * its own (404, 405, the OpenAPI document) are logged too, and a connection closed before the answer completed is
 * logged once, with {@code event.outcome} failure and no status if none was sent. The handlers only leave what the
 * line should say in the context before they end the response: the problem and its cause
 * ({@link #problem}), an export's counts ({@link #exported}), the client a token was issued to ({@link #principal}).
 * Requests the HTTP decoder refused never reach the router; {@link InvalidRequests} logs them with {@link #invalid}.
 *
 * <p>Fields: {@code http.request.method} (a method outside RFC 9110's and PATCH is {@code _OTHER}, as in
 * OpenTelemetry's HTTP conventions: a method token is client-chosen text), {@code url.path} (only a path this API serves, never
 * the query: any other path is client-chosen text that may hold an identifier), {@code http.route} (when a route matched), {@code http.response.status_code},
 * {@code http.request.id}, {@code user.id} (the OAuth client the request authenticated as, only once verified: ECS
 * has no client-id field, and the client is this API's only principal), {@code spp.resource_type},
 * {@code spp.problem} (the problem category), {@code spp.export.total}/{@code successful}/{@code failed},
 * {@code event.dataset} ({@code spp.access}), {@code event.outcome} ({@code success} below 400), {@code event.duration}
 * (nanoseconds from arrival), {@code client.address}, {@code user_agent.original} (at most 256 characters), {@code trace.id} and
 * {@code span.id} of the request's server span (tracing on), and for a
 * 5xx its cause's {@code error.type} and {@code error.message} (no stack). Never an identifier, a token or a secret;
 * absent values are left out (a request the router failed before {@link EdgeContext#stamp} has no id, duration or
 * address; {@link ProblemHandler} watches it). 5xx other than 503 are WARN, the rest INFO.
 */
final class AccessLog {

  static final String DATASET = "spp.access";
  private static final Logger access = LoggerFactory.getLogger(DATASET);
  private static final Set<String> OWN_PATHS = Set.of(HttpVerticle.EXPORT_PATH,
      HttpVerticle.EXPORT_PATH_ENCODED, HttpVerticle.OPENAPI_PATH, TokenEndpoint.PATH);
  private static final List<HttpMethod> KNOWN_METHODS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.CONNECT, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PATCH);

  private static final String WATCHED = "spp.access.watched";
  private static final String PROBLEM = "spp.access.problem";
  private static final String CAUSE = "spp.access.cause";
  private static final String COUNTS = "spp.access.counts";
  private static final String PRINCIPAL = "spp.access.principal";

  private AccessLog() {
  }

  /** Logs the context's answer once, when its response ends or its connection closes; idempotent. */
  static void watch(RoutingContext ctx) {
    if (ctx.get(WATCHED) == null) {
      ctx.put(WATCHED, Boolean.TRUE);
      ctx.addEndHandler(done -> answered(ctx, done));
    }
  }

  /** The problem the context is answered with, and its cause (logged only for 5xx); before the response ends. */
  static void problem(RoutingContext ctx, ApiProblem problem, Throwable cause) {
    ctx.put(PROBLEM, problem);
    if (cause != null && cause != problem) {
      ctx.put(CAUSE, cause);
    }
  }

  /** An export's counts; before the response ends. */
  static void exported(RoutingContext ctx, int total, int successful, int failed) {
    ctx.put(COUNTS, new int[] {total, successful, failed});
  }

  /** The client a token was issued to, when no {@link EdgeContext#client} is known; before the response ends. */
  static void principal(RoutingContext ctx, String clientId) {
    ctx.put(PRINCIPAL, clientId);
  }

  private static void answered(RoutingContext ctx, AsyncResult<Void> done) {
    HttpServerResponse response = ctx.response();
    Integer status = done.succeeded() || response.headWritten() ? response.getStatusCode() : null;
    boolean warn = status != null && status >= 500 && status != 503;
    if (!warn && !access.isInfoEnabled()) {
      return;
    }
    HttpServerRequest request = ctx.request();
    ApiProblem problem = ctx.get(PROBLEM);
    int[] counts = ctx.get(COUNTS);
    EcsLine fields = new EcsLine();
    fields.add("http.request.method", method(request.method()));
    fields.add("url.path", ownPath(request.path()));
    fields.add("http.route", EdgeContext.route(ctx));
    fields.add("http.response.status_code", status);
    boolean stamped = EdgeContext.stamped(ctx);
    fields.add("http.request.id", stamped ? EdgeContext.requestId(ctx) : null);
    fields.add("user.id", principal(ctx));
    fields.add("spp.resource_type", EdgeContext.type(ctx));
    fields.add("spp.problem", problem != null ? problem.category() : null);
    if (counts != null) {
      fields.add("spp.export.total", counts[0]);
      fields.add("spp.export.successful", counts[1]);
      fields.add("spp.export.failed", counts[2]);
    }
    fields.add("event.dataset", DATASET);
    fields.add("event.outcome", done.succeeded() && status < 400 ? "success" : "failure");
    fields.add("event.duration", stamped ? System.nanoTime() - EdgeContext.arrival(ctx) : null);
    fields.add("client.address", EdgeContext.clientAddress(ctx));
    fields.add("user_agent.original", EdgeContext.userAgent(ctx));
    SpanContext span = ServerSpans.of(ctx);
    if (span != null) {
      fields.add("trace.id", span.getTraceId());
      fields.add("span.id", span.getSpanId());
    }
    Throwable error = done.failed() ? done.cause() : status >= 500 ? ctx.get(CAUSE) : null;
    if (error != null) {
      fields.add("error.type", error.getClass().getName());
      fields.add("error.message", error.getMessage());
    }
    fields.log(access, warn, "");
  }

  /**
   * A request the HTTP decoder refused before any route ({@link InvalidRequests}). No method, path or user agent:
   * what the decoder could not read is not trustworthy, and an over-long request line may hold anything. No
   * duration: its arrival is not known to the handler, which runs once the decoder has given up.
   */
  static void invalid(ApiProblem problem, String requestId, String clientAddress) {
    if (access.isInfoEnabled()) {
      EcsLine fields = new EcsLine();
      fields.add("http.response.status_code", problem.status());
      fields.add("http.request.id", requestId);
      fields.add("spp.problem", problem.category());
      fields.add("event.dataset", DATASET);
      fields.add("event.outcome", "failure");
      fields.add("client.address", clientAddress);
      fields.log(access, false, "");
    }
  }

  private static String principal(RoutingContext ctx) {
    ClientRecord client = EdgeContext.client(ctx);
    return client != null ? client.clientId() : ctx.get(PRINCIPAL);
  }

  static String method(HttpMethod method) {
    return method == null ? null : KNOWN_METHODS.contains(method) ? method.name() : "_OTHER";
  }

  /**
   * The path when it is one this API serves (a fixed string), else {@code null}: any other path is client-chosen text
   * and may hold an identifier (a 404's path is echoed to its own client in the problem's {@code instance}, never
   * into the log).
   */
  static String ownPath(String path) {
    return OWN_PATHS.contains(path) ? path : null;
  }
}
