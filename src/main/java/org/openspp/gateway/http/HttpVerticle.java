package org.openspp.gateway.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The public API edge; one instance per event loop. For {@code POST /api/v2/spp/$bulk/export} it runs the
 * spec §2 evaluation order: route and method, authentication (before the body is read), the client's rate
 * limit, content type, body size, JSON syntax and depth, schema, scope; then sends an {@link ExportRequest} to the aggregators and
 * writes the {@link ExportResult}, delaying responses that hold {@code access_denied} items. Every response carries {@code X-API-Version} and {@code X-Request-Id}; every error is
 * problem+json. Knows nothing about SQL or consent rules.
 *
 * <p>At most {@code http.maxInFlight} export requests are served at once per instance; past that a request is
 * answered 503 with {@code Retry-After} at once rather than queued. On undeploy the listener stops accepting
 * and in-flight requests complete (bounded by the request deadline).
 *
 * <p>The anti-enumeration delay (random in {@code export.denyDelayMinMs..denyDelayMaxMs}, once per response) is a
 * release time counted from the request's arrival, not a pause after the work: a response holding
 * {@code access_denied} items leaves at {@code arrival + delay}, or at once if the work took longer. It runs on a
 * timer, never as a blocking sleep.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  public static final String EXPORT_PATH = "/api/v2/spp/$bulk/export";
  static final String EXPORT_PATH_ENCODED = "/api/v2/spp/%24bulk/export";
  public static final String API_VERSION = "2.0.0";
  private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
  private static final String REQUEST_ID = "requestId";
  private static final String CLIENT_ID = "clientId";
  private static final String TYPE = "type";
  /** The verified client of the request ({@link ClientRecord}), once known. */
  private static final String CLIENT = "client";
  /** The client id of a token whose signature verified, even when the client turns out unknown or inactive. */
  private static final String TOKEN_CLIENT = "tokenClient";
  /** The request body as read ({@link Buffer}). */
  private static final String RAW_BODY = "rawBody";
  /** When the request arrived ({@link Instant}), for the audit. */
  private static final String RECEIVED_AT = "receivedAt";
  /** {@link System#nanoTime()} when the request entered the gateway (first handler). */
  private static final String ARRIVAL = "arrivalNanos";
  public static final String OPENAPI_PATH = "/api/v2/spp/openapi.json";
  static final String OPENAPI_RESOURCE = "openapi/openapi.json";

  /** One line per export request, at the edge: {@code spp.access}. No identifiers, no personal data. */
  private static final Logger access = LoggerFactory.getLogger("spp.access");

  private final GatewayConfig config;
  private final RateLimiter rateLimiter;
  private final GatewayMeters meters;
  private final TokenVerifier verifier;
  private final SecurityEvents security;
  private RefusalAudit refusals;
  private Buffer openApi;
  private ClientCache clients;
  private HttpServer server;
  private int inFlight;

  /**
   * @param rateLimiter the per-client limiter shared by every HTTP verticle of the process
   * @param meters      domain meters
   * @param verifier    the token verifier shared by every HTTP verticle of the process
   */
  public HttpVerticle(GatewayConfig config, RateLimiter rateLimiter, GatewayMeters meters, TokenVerifier verifier) {
    this.config = config;
    this.rateLimiter = rateLimiter;
    this.meters = meters;
    this.verifier = verifier;
    this.security = new SecurityEvents(meters);
  }

  @Override
  public Future<?> start() {
    clients = new ClientCache(config.auth().clientCacheMs(), this::lookupClient);
    refusals = new RefusalAudit(vertx, config.audit().timeoutMs());

    Router router = Router.router(vertx);
    router.route().handler(this::stamp);
    router.route(EXPORT_PATH).handler(this::handleExport);
    router.route(EXPORT_PATH_ENCODED).handler(this::handleExport);
    TokenEndpoint.mount(vertx, router, config, meters);
    router.get(OPENAPI_PATH).handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(openApi));
    router.errorHandler(404, ctx -> sendProblem(ctx,
        ApiProblem.of(404, "not-found", "Not Found", "No resource at this path")));
    router.errorHandler(405, ctx -> {
      String allow = OPENAPI_PATH.equals(ctx.request().path()) ? "GET" : "POST";
      sendProblem(ctx, ApiProblem.of(405, "method-not-allowed", "Method Not Allowed",
          "This path accepts " + allow + " only").withHeader("Allow", allow));
    });
    router.errorHandler(500, ctx -> {
      log.error("request {}: unhandled failure", requestId(ctx), ctx.failure());
      sendProblem(ctx, FailureMapper.serverError());
    });

    server = vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.http().host())
            .setMaxHeaderSize(16 * 1024)
            .setMaxInitialLineLength(4096)
            // HTTP/1.1 only: no h2c upgrade on the plain-text port (TLS and HTTP/2 end at the ingress)
            .setHttp2ClearTextEnabled(false)
            .setIdleTimeout(60)
            .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
        .requestHandler(router);
    return vertx.fileSystem().readFile(OPENAPI_RESOURCE)
        .compose(doc -> {
          openApi = doc;
          // listen(port) alone binds 0.0.0.0 whatever the options' host says
          return server.listen(config.http().port(), config.http().host());
        });
  }

  /** Stops accepting connections and waits for in-flight requests, at most one request deadline. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(config.http().requestTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Arrival time, request id, version header and request id header on every response; the request stays
   * paused.
   */
  private void stamp(RoutingContext ctx) {
    ctx.put(ARRIVAL, System.nanoTime());
    ctx.request().pause();
    String given = ctx.request().getHeader("X-Request-Id");
    String id = given != null && SANE_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(REQUEST_ID, id);
    ctx.put(RECEIVED_AT, Instant.now());
    ctx.response().putHeader("X-API-Version", API_VERSION).putHeader("X-Request-Id", id);
    ctx.next();
  }

  private void handleExport(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.POST) {
      ctx.fail(405);
      return;
    }
    long started = ctx.<Long>get(ARRIVAL); // durations count from arrival, as the release time does
    if (inFlight >= config.http().maxInFlight()) {
      // shed before authentication: overload costs no token check and no audit write (the access log has it)
      ApiProblem busy = ApiProblem.of(503, "registry-unavailable", "Service Unavailable",
          "The gateway is at capacity. Retry after 1 seconds.").withHeader("Retry-After", "1");
      fail(ctx, busy, busy, started);
      return;
    }
    inFlight++;
    ctx.addEndHandler(v -> inFlight--);
    String requestId = requestId(ctx);
    verifier.authenticate(ctx.request().getHeader("Authorization"))
        .compose(token -> {
          ctx.put(TOKEN_CLIENT, token.clientId());
          return authorizeClient(token.clientId()).map(token::narrow);
        })
        .compose(client -> {
          ctx.put(CLIENT, client);
          ctx.put(CLIENT_ID, client.clientId());
          return limitRate(ctx, client);
        })
        .compose(client -> readBody(ctx).map(body -> {
          ctx.put(RAW_BODY, body);
          return toExportRequest(ctx, requestId, client, body, remoteAddress(ctx), userAgent(ctx));
        }))
        .compose(req -> export(req))
        .onSuccess(result -> respond(ctx, result, started))
        .onFailure(err -> refuse(ctx, err, started));
  }

  /** Spec §7: the client's token bucket; limited clients get the RateLimit headers on every response. */
  private Future<ClientRecord> limitRate(RoutingContext ctx, ClientRecord client) {
    RateLimiter.Decision decision = rateLimiter.tryAcquire(client.clientId(), client.rateLimitPerMinute());
    if (decision.allowed()) {
      decision.headers().forEach(ctx.response().headers()::set);
      return Future.succeededFuture(client);
    }
    ApiProblem problem = ApiProblem.of(429, "rate-limited", "Too Many Requests", decision.detail());
    for (java.util.Map.Entry<String, String> h : decision.headers().entrySet()) {
      problem = problem.withHeader(h.getKey(), h.getValue());
    }
    return Future.failedFuture(problem);
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

  private Future<Buffer> readBody(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (!isJson(contentType)) {
      return Future.failedFuture(ApiProblem.of(415, "unsupported-media-type", "Unsupported Media Type",
          "Content-Type must be application/json"));
    }
    return BodyReader.read(ctx.request(), config.http().maxBodyBytes());
  }

  /** {@code application/json} or {@code application/*+json}, parameters allowed. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    return media.equals("application/json")
        || (media.startsWith("application/") && media.endsWith("+json") && media.length() > "application/+json".length());
  }

  /** The TCP peer's address, or {@code null}. */
  static String remoteAddress(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
  }

  /** The {@code User-Agent} header, at most 256 characters, or {@code null}. */
  static String userAgent(RoutingContext ctx) {
    String ua = ctx.request().getHeader("User-Agent");
    return ua == null || ua.length() <= 256 ? ua : ua.substring(0, 256);
  }

  private ExportRequest toExportRequest(RoutingContext ctx, String requestId, ClientRecord client, Buffer raw,
      String remoteAddress, String userAgent) {
    ExportBody body = ExportBody.parse(raw, config.export().maxIdentifiers());
    ctx.put(TYPE, body.type().wireName());
    String scope = body.type().scopeName();
    if (!client.hasScope(scope, "read")) {
      throw new ApiProblem(403, "authorization", "Forbidden",
          "Missing required scope '" + scope + ":read'. Request access from your administrator.",
          List.of(), java.util.Map.of("WWW-Authenticate",
              "Bearer error=\"insufficient_scope\", scope=\"" + scope + ":read\""));
    }
    List<ParsedIdentifier> ids = new ArrayList<>(body.identifiers().size());
    int maxLength = config.export().maxIdentifierLength();
    for (String raw1 : body.identifiers()) {
      ids.add(ParsedIdentifier.parse(raw1, maxLength));
    }
    Instant now = ctx.get(RECEIVED_AT); // one arrival time for the audit of an export and of a refusal
    return new ExportRequest(requestId, client, body.type(), ids, body.elements(), body.extensions(),
        LocalDate.ofInstant(now, ZoneOffset.UTC), now, remoteAddress, userAgent);
  }

  private Future<ExportResult> export(ExportRequest req) {
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(config.http().requestTimeoutMs())
        .addHeader(Addresses.REQUEST_ID_HEADER, req.requestId());
    return vertx.eventBus().<ExportResult>request(Addresses.EXPORT, req, options).map(Message::body);
  }

  /**
   * Writes the result; one holding {@code access_denied} items is released at {@code arrival + U(min, max)} ms
   * (at once if the work took longer), so the work that differs between "unknown" and "exists, not consented"
   * does not show in the response time (spec §5.3).
   */
  private void respond(RoutingContext ctx, ExportResult result, long started) {
    if (result.accessDenied() > 0) {
      long delayNanos = ThreadLocalRandom.current()
          .nextLong(config.export().denyDelayMinMs(), config.export().denyDelayMaxMs() + 1) * 1_000_000L;
      Long arrival = ctx.get(ARRIVAL);
      long remainingNanos = (arrival != null ? arrival : started) + delayNanos - System.nanoTime();
      // rounded up: never released before the release time
      long remainingMs = (remainingNanos + 999_999) / 1_000_000;
      if (remainingMs > 0) {
        vertx.setTimer(remainingMs, t -> write(ctx, result, started));
        return;
      }
    }
    write(ctx, result, started);
  }

  private void write(RoutingContext ctx, ExportResult result, long started) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.putHeader("Content-Type", "application/json").end(result.body());
    String type = ctx.get(TYPE);
    meters.request(type, 200);
    meters.identifiers(type, result.total());
    meters.items(type, "success", result.successful());
    meters.items(type, "not_found", result.notFound());
    meters.items(type, "access_denied", result.accessDenied());
    meters.items(type, "error", result.errors());
    if (access.isInfoEnabled()) {
      access.info("export {} {} {} {} {} {} {} {} {} {}", kv("request_id", requestId(ctx)),
          kv("client_id", ctx.get(CLIENT_ID)), kv("type", type), kv("status", 200), kv("total", result.total()),
          kv("successful", result.successful()), kv("failed", result.failed()),
          kv("duration_ms", (System.nanoTime() - started) / 1_000_000), kv("remote_address", remoteAddress(ctx)),
          kv("user_agent", userAgent(ctx)));
    }
  }

  /**
   * Answers a refused export. Failed authentication is a security event (no verified client to audit); a refusal
   * once the token verified is audited first, with the identifiers the body named (for a 429 the body, not read
   * yet, is read for that, within the usual limits), then answered.
   */
  private void refuse(RoutingContext ctx, Throwable err, long started) {
    ApiProblem problem = FailureMapper.toProblem(err);
    ClientRecord client = ctx.get(CLIENT);
    String tokenClient = ctx.get(TOKEN_CLIENT);
    if (err instanceof AuthenticationException auth) {
      security.authenticationFailed(ctx, SecurityEvents.EXPORT, SecurityEvents.Reason.of(auth), tokenClient);
    }
    Future<Void> audited = Future.succeededFuture();
    if (tokenClient != null) {
      Buffer read = ctx.get(RAW_BODY);
      Future<Buffer> body = read != null || problem.status() != 429 || client == null
          ? Future.succeededFuture(read)
          : readBody(ctx).otherwise((Buffer) null);
      audited = body.compose(raw -> refusals.record(new RefusalAudit.Refusal(requestId(ctx), tokenClient,
          client == null ? null : client.legalBasis(), ExportBody.named(raw, config.export().maxIdentifiers()),
          problem.status(), problem.category(), ctx.get(RECEIVED_AT), remoteAddress(ctx), userAgent(ctx))));
    }
    audited.onComplete(v -> fail(ctx, problem, err, started));
  }

  private void fail(RoutingContext ctx, ApiProblem problem, Throwable err, long started) {
    String type = ctx.get(TYPE);
    meters.request(type == null ? "unknown" : type, problem.status());
    sendProblem(ctx, problem);
    long ms = (System.nanoTime() - started) / 1_000_000;
    Object[] fields = {kv("request_id", requestId(ctx)), kv("client_id", ctx.get(CLIENT_ID)),
        kv("type", type), kv("status", problem.status()), kv("problem", problem.category()), kv("duration_ms", ms),
        kv("remote_address", remoteAddress(ctx)), kv("user_agent", userAgent(ctx)),
        kv("cause", problem.status() >= 500 ? err.toString() : null)};
    if (problem.status() >= 500 && problem.status() != 503) {
      access.warn("export {} {} {} {} {} {} {} {} {}", fields);
    } else if (access.isInfoEnabled()) {
      access.info("export {} {} {} {} {} {} {} {} {}", fields);
    }
  }

  /** The request id the first handler assigned (also used by the token endpoint), or {@code -}. */
  static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    return id != null ? id : "-";
  }

  /**
   * Writes a problem+json response. When the request body was not consumed (refused before reading it) the
   * connection closes after the response, and the paused request is resumed so that what the client still
   * sends is discarded and the request completes (otherwise it would stay "active" in the server metrics).
   */
  static void sendProblem(RoutingContext ctx, ApiProblem problem) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    String path = ctx.request().path();
    String instance = path == null ? "" : (path.length() > 256 ? path.substring(0, 256) : path);
    MultiMap headers = response.headers();
    problem.headers().forEach(headers::set);
    if (!ctx.request().isEnded() && ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
      headers.set("Connection", "close");
    }
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json")
        .end(problem.toJson(instance, requestId(ctx)).toBuffer())
        .onComplete(ar -> {
          // never replace the response's end handler here: the router's end handlers (the in-flight count)
          // hang on it
          if (!ctx.request().isEnded()) {
            ctx.request().handler(null);
            ctx.request().resume();
          }
        });
  }
}
