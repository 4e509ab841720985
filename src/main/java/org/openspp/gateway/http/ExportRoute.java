package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.openspp.gateway.auth.AuthenticationException;
import org.openspp.gateway.auth.ClientCache;
import org.openspp.gateway.auth.TokenVerifier;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ExportRequest;
import org.openspp.gateway.bus.ExportResult;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.GatewayMeters;

/**
 * The handler chain of {@code POST /api/v2/spp/$bulk/export}, in the spec §2 evaluation order, each step a
 * vert.x-web handler that either calls {@code ctx.next()} or fails the context for {@link ProblemHandler}:
 *
 * <ol>
 *   <li>{@link #admit}: at most {@code http.maxInFlight} exports at once per HTTP verticle, else 503 at once,
 *       before any token check (overload costs nothing);</li>
 *   <li>{@link #authenticate}: the bearer token ({@link TokenVerifier}), then the client directory (cached):
 *       401 before the body is read; a failure is a security event ({@link SecurityEvents});</li>
 *   <li>{@link #limitRate}: the client's token bucket (429);</li>
 *   <li>{@link #requireJson}: {@code application/json} or {@code application/*+json} (415);</li>
 *   <li>{@link BodyDeadline} and vert.x-web's {@code BodyHandler}: the body within {@code http.maxBodyBytes} (413)
 *       and {@code http.bodyTimeoutMs} (408);</li>
 *   <li>{@link #export}: strict UTF-8 JSON (400), schema (422), scope (403), then the bus to the aggregators,
 *       and the answer at its release time: a response holding {@code access_denied} items leaves at
 *       {@code arrival + U(export.denyDelayMinMs, export.denyDelayMaxMs)}, or at once if the work took longer
 *       (spec §5.3), on a timer.</li>
 * </ol>
 * One instance per HTTP verticle (its fields are confined to that verticle's event loop).
 */
final class ExportRoute {

  private final Vertx vertx;
  private final GatewayConfig config;
  private final RateLimiter rateLimiter;
  private final GatewayMeters meters;
  private final TokenVerifier verifier;
  private final SecurityEvents security;
  private final ClientCache clients;
  private int inFlight;

  ExportRoute(Vertx vertx, GatewayConfig config, RateLimiter rateLimiter, GatewayMeters meters, TokenVerifier verifier) {
    this.vertx = vertx;
    this.config = config;
    this.rateLimiter = rateLimiter;
    this.meters = meters;
    this.verifier = verifier;
    this.security = new SecurityEvents(meters);
    this.clients = new ClientCache(config.auth().clientCacheMs(), this::lookupClient);
  }

  /**
   * Mounts the chain on {@code path}, with {@code failureHandler} (the refusal audit) on the same route. The body
   * handler is vert.x-web's, called as a step of the chain: registered directly, vert.x-web would run it before
   * authentication, and the spec (§2) reads no body before the client is known.
   */
  void mount(Router router, String path, Handler<RoutingContext> failureHandler) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().maxBodyBytes());
    router.post(path)
        .handler(this::admit)
        .handler(this::authenticate)
        .handler(this::limitRate)
        .handler(ExportRoute::requireJson)
        .handler(BodyDeadline.arm(vertx, config.http().bodyTimeoutMs(), config.http().maxBodyBytes()))
        .handler(body::handle)
        .handler(this::export)
        .failureHandler(failureHandler);
  }

  private void admit(RoutingContext ctx) {
    EdgeContext.endpoint(ctx, EdgeContext.EXPORT);
    EdgeContext.route(ctx, HttpVerticle.EXPORT_PATH);
    if (inFlight >= config.http().maxInFlight()) {
      ctx.fail(ApiProblem.of(503, "registry-unavailable", "Service Unavailable",
          "The gateway is at capacity. Retry after 1 seconds.").withHeader("Retry-After", "1"));
      return;
    }
    inFlight++;
    ctx.addEndHandler(v -> inFlight--);
    ctx.next();
  }

  private void authenticate(RoutingContext ctx) {
    verifier.authenticate(ctx.request().getHeader("Authorization"))
        .compose(token -> {
          EdgeContext.tokenClient(ctx, token.clientId());
          return authorizeClient(token.clientId()).map(token::narrow);
        })
        .onSuccess(client -> {
          EdgeContext.client(ctx, client);
          ctx.next();
        })
        .onFailure(err -> {
          if (err instanceof AuthenticationException auth) {
            security.authenticationFailed(ctx, SecurityEvents.Reason.of(auth),
                EdgeContext.tokenClient(ctx));
          }
          ctx.fail(err);
        });
  }

  /** Client ids that cannot exist in the registry; they are refused without a lookup. */
  static boolean impossibleClientId(String clientId) {
    return clientId.length() > 256 || clientId.indexOf('\0') >= 0;
  }

  private Future<ClientRecord> authorizeClient(String clientId) {
    if (impossibleClientId(clientId)) {
      return Future.failedFuture(AuthenticationException.rejected(AuthenticationException.CLIENT_UNKNOWN));
    }
    return clients.get(clientId).recover(err -> {
      if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && re.failureCode() == Failure.NOT_FOUND.code()) {
        return Future.succeededFuture(null);
      }
      return Future.failedFuture(err);
    }).compose(client -> client != null && client.active()
        ? Future.succeededFuture(client)
        : Future.failedFuture(AuthenticationException.rejected(AuthenticationException.CLIENT_UNKNOWN)));
  }

  private Future<ClientRecord> lookupClient(String clientId) {
    return vertx.eventBus().<ClientRecord>request(Addresses.CLIENT_LOOKUP, clientId,
            new DeliveryOptions().setSendTimeout(config.export().busTimeoutMs()))
        .map(Message::body);
  }

  /** Spec §7: the client's token bucket; limited clients get the RateLimit headers on every response. */
  private void limitRate(RoutingContext ctx) {
    ClientRecord client = EdgeContext.client(ctx);
    RateLimiter.Decision decision = rateLimiter.tryAcquire(client.clientId(), client.rateLimitPerMinute());
    if (decision.allowed()) {
      decision.headers().forEach(ctx.response().headers()::set);
      ctx.next();
      return;
    }
    ApiProblem problem = ApiProblem.of(429, "rate-limited", "Too Many Requests", decision.detail());
    for (Map.Entry<String, String> h : decision.headers().entrySet()) {
      problem = problem.withHeader(h.getKey(), h.getValue());
    }
    ctx.fail(problem);
  }

  private static void requireJson(RoutingContext ctx) {
    if (HttpVerticle.isJson(ctx.request().getHeader("Content-Type"))) {
      ctx.next();
    } else {
      ctx.fail(ApiProblem.of(415, "unsupported-media-type", "Unsupported Media Type",
          "Content-Type must be application/json"));
    }
  }

  private void export(RoutingContext ctx) {
    BodyDeadline.disarm(vertx, ctx);
    ExportRequest req;
    try {
      req = toExportRequest(ctx, EdgeContext.client(ctx), ctx.body().buffer());
    } catch (ApiProblem problem) {
      ctx.fail(problem);
      return;
    }
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(config.http().requestTimeoutMs())
        .addHeader(Addresses.REQUEST_ID_HEADER, req.requestId());
    vertx.eventBus().<ExportResult>request(Addresses.EXPORT, req, options)
        .map(Message::body)
        .onSuccess(result -> release(ctx, result))
        .onFailure(ctx::fail);
  }

  private ExportRequest toExportRequest(RoutingContext ctx, ClientRecord client, Buffer raw) {
    ExportBody body = ExportBody.parse(raw == null ? Buffer.buffer() : raw, config.export().maxIdentifiers());
    EdgeContext.type(ctx, body.type().wireName());
    String scope = body.type().scopeName();
    if (!client.hasScope(scope, "read")) {
      throw new ApiProblem(403, "authorization", "Forbidden",
          "Missing required scope '" + scope + ":read'. Request access from your administrator.",
          List.of(), Map.of("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + scope + ":read\""));
    }
    List<ParsedIdentifier> ids = new ArrayList<>(body.identifiers().size());
    int maxLength = config.export().maxIdentifierLength();
    for (String id : body.identifiers()) {
      ids.add(ParsedIdentifier.parse(id, maxLength));
    }
    Instant now = EdgeContext.receivedAt(ctx); // one arrival time for the audit of an export and of a refusal
    return new ExportRequest(EdgeContext.requestId(ctx), client, body.type(), ids, body.elements(), body.extensions(),
        LocalDate.ofInstant(now, ZoneOffset.UTC), now, EdgeContext.clientAddress(ctx), EdgeContext.userAgent(ctx));
  }

  /**
   * Writes the result at its release time: a response holding {@code access_denied} items leaves at arrival +
   * U(min, max) ms, rounded up, or at once when that time has passed (spec §5.3).
   */
  private void release(RoutingContext ctx, ExportResult result) {
    if (result.accessDenied() > 0) {
      long delayNanos = ThreadLocalRandom.current()
          .nextLong(config.export().denyDelayMinMs(), config.export().denyDelayMaxMs() + 1) * 1_000_000L;
      long remainingMs = (EdgeContext.arrival(ctx) + delayNanos - System.nanoTime() + 999_999) / 1_000_000;
      if (remainingMs > 0) {
        vertx.setTimer(remainingMs, t -> write(ctx, result));
        return;
      }
    }
    write(ctx, result);
  }

  private void write(RoutingContext ctx, ExportResult result) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    AccessLog.exported(ctx, result.total(), result.successful(), result.failed());
    ctx.response().putHeader("Content-Type", "application/json").end(result.body());
    String type = EdgeContext.type(ctx);
    meters.request(type, 200);
    meters.identifiers(type, result.total());
    meters.items(type, "success", result.successful());
    meters.items(type, "not_found", result.notFound());
    meters.items(type, "access_denied", result.accessDenied());
    meters.items(type, "error", result.errors());
  }
}
