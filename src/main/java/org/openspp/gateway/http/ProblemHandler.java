package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.concurrent.TimeUnit;
import org.openspp.gateway.auth.AuthenticationException;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.metrics.GatewayMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error handler of the public router: every failure of every route — {@code ctx.fail(problem)} from a
 * handler, or a status vert.x-web set itself (404, 405, 413 from {@code BodyHandler}) — becomes one RFC 9457
 * problem+json answer here (spec §2), with its headers.
 *
 * <p>A refused export's audit row is committed before, by {@link #auditRefusal} (the export routes' failure
 * handler; for a 429, whose body was not read yet, a declared body within the limit is read for the identifiers
 * it names). Here it counts the answer in {@code gateway.bulk.requests} and leaves the problem for the access line
 * ({@link AccessLog}). A
 * response sent before the body was read closes the connection (what the client still sends is discarded).
 */
final class ProblemHandler implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  private final GatewayMeters meters;
  private final RefusalAudit refusals;
  private final int maxIdentifiers;
  private final int maxBodyBytes;
  private final long bodyTimeoutMs;

  ProblemHandler(GatewayMeters meters, RefusalAudit refusals, int maxIdentifiers, int maxBodyBytes,
      long bodyTimeoutMs) {
    this.meters = meters;
    this.refusals = refusals;
    this.maxIdentifiers = maxIdentifiers;
    this.maxBodyBytes = maxBodyBytes;
    this.bodyTimeoutMs = bodyTimeoutMs;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    Throwable failure = ctx.failure();
    if (failure != null && !(failure instanceof HttpException) && !(failure instanceof ApiProblem)
        && !(failure instanceof AuthenticationException) && !(failure instanceof ReplyException)) {
      log.error("request {}: unhandled failure", EdgeContext.requestId(ctx), failure);
    }
    ApiProblem problem = problemOf(ctx);
    if (EdgeContext.EXPORT.equals(EdgeContext.endpoint(ctx))) {
      String type = EdgeContext.type(ctx);
      meters.request(type == null ? "unknown" : type, problem.status());
    }
    // a request the router failed before stamp (a path it could not take) is watched from here
    AccessLog.watch(ctx);
    AccessLog.problem(ctx, problem, failure);
    send(ctx, problem);
  }

  /**
   * The export routes' failure handler, before the router's error handler: commits the refusal's audit row when
   * the token had verified, then passes the failure on ({@code ctx.next()}). vert.x-web ends the response with a
   * bare status if an error handler returns without ending it, so the asynchronous part lives here.
   */
  void auditRefusal(RoutingContext ctx) {
    if (EdgeContext.tokenClient(ctx) == null || ctx.response().ended()) {
      ctx.next();
      return;
    }
    ApiProblem problem = problemOf(ctx);
    namedBody(ctx, problem)
        .compose(body -> refusals.record(refusal(ctx, problem, body)))
        .onComplete(v -> ctx.next());
  }

  /** The problem for the context's failure, or for the status vert.x-web failed it with. */
  static ApiProblem problemOf(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException he ? he.getStatusCode() : ctx.statusCode();
    if (failure != null && !(failure instanceof HttpException)) {
      return FailureMapper.toProblem(failure);
    }
    return switch (status) {
      case 404 -> ApiProblem.of(404, "not-found", "Not Found", "No resource at this path");
      case 405 -> {
        String allow = HttpVerticle.OPENAPI_PATH.equals(ctx.request().path()) ? "GET" : "POST";
        yield ApiProblem.of(405, "method-not-allowed", "Method Not Allowed", "This path accepts " + allow + " only")
            .withHeader("Allow", allow);
      }
      case 413 -> ApiProblem.of(413, "payload-too-large", "Payload Too Large",
          "The request body exceeds the limit of " + bodyLimit(ctx) + " bytes");
      case 400 -> ApiProblem.malformed("The request could not be read",
          new ApiProblem.FieldError("body", "unreadable", "the request body could not be read"));
      default -> FailureMapper.serverError();
    };
  }

  /** The body limit of the failed route (set by the route, else the export's). */
  private static Object bodyLimit(RoutingContext ctx) {
    Object limit = ctx.get(BodyDeadline.LIMIT);
    return limit != null ? limit : "the configured";
  }

  /**
   * The body to name identifiers from: as read, or — for a 429, refused before reading — a declared
   * {@code Content-Length} within the limit, read now within the body deadline. Never fails.
   */
  private Future<Buffer> namedBody(RoutingContext ctx, ApiProblem problem) {
    Buffer read = EdgeContext.body(ctx);
    if (read != null || problem.status() != 429 || ctx.request().isEnded()) {
      return Future.succeededFuture(read);
    }
    String declared = ctx.request().getHeader("Content-Length");
    if (declared == null || !declared.matches("[0-9]{1,9}") || Integer.parseInt(declared) > maxBodyBytes
        || !HttpVerticle.isJson(ctx.request().getHeader("Content-Type"))) {
      return Future.succeededFuture(null);
    }
    Future<Buffer> body = ctx.request().body();
    ctx.request().resume();
    return body.timeout(bodyTimeoutMs, TimeUnit.MILLISECONDS).otherwise((Buffer) null);
  }

  private RefusalAudit.Refusal refusal(RoutingContext ctx, ApiProblem problem, Buffer body) {
    ClientRecord client = EdgeContext.client(ctx);
    return new RefusalAudit.Refusal(EdgeContext.requestId(ctx), EdgeContext.tokenClient(ctx),
        client == null ? null : client.legalBasis(), ExportBody.named(body, maxIdentifiers), problem.status(),
        problem.category(), EdgeContext.receivedAt(ctx), EdgeContext.clientAddress(ctx), EdgeContext.userAgent(ctx));
  }

  /**
   * Writes a problem+json response. When the request body was not consumed the connection closes after the
   * response, and the paused request is resumed so that what the client still sends is discarded and the request
   * completes (otherwise it would stay "active" in the server metrics).
   */
  static void send(RoutingContext ctx, ApiProblem problem) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    String path = ctx.request().path();
    String instance = path == null ? "" : (path.length() > 256 ? path.substring(0, 256) : path);
    MultiMap headers = response.headers();
    problem.headers().forEach(headers::set);
    boolean close = "close".equalsIgnoreCase(headers.get("Connection"));
    if (!ctx.request().isEnded() && ctx.request().version() != HttpVersion.HTTP_2) {
      headers.set("Connection", "close");
    }
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json")
        .end(problem.toJson(instance, EdgeContext.requestId(ctx)).toBuffer())
        .onComplete(ar -> {
          // never replace the response's end handler here: the router's end handlers (the in-flight count)
          // hang on it
          if (close) {
            ctx.request().connection().close();
          } else if (!ctx.request().isEnded()) {
            ctx.request().handler(null);
            ctx.request().resume();
          }
        });
  }
}
