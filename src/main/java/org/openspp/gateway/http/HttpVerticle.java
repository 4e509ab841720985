package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openspp.gateway.auth.TokenVerifier;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.GatewayMeters;

/**
 * The public API edge; one instance per event loop. Consumes HTTP on {@code http.host:http.port}; sends
 * {@code ExportRequest}s to the aggregators and credential/client lookups to the client directory over the event
 * bus; owns the HTTP server and its router. Knows nothing about SQL or consent rules.
 *
 * <p>The router is a vert.x-web handler chain:
 * <ul>
 *   <li>every route: {@link EdgeContext#stamp} (arrival, request id, client address, version headers, and the
 *       answer's {@link AccessLog} line when the response ends, whoever answers);</li>
 *   <li>{@code POST /api/v2/spp/$bulk/export} (and {@code %24bulk}): {@link ExportRoute};</li>
 *   <li>{@code POST /api/v2/spp/oauth/token}: {@link TokenEndpoint};</li>
 *   <li>{@code GET} and {@code HEAD /api/v2/spp/openapi.json}: the OpenAPI contract;</li>
 *   <li>every failure, of every route and of the router itself (404, 405, 413): {@link ProblemHandler}.</li>
 * </ul>
 * Each connection's request decoder is {@link RequestFraming}'s: {@code Content-Length} with
 * {@code Transfer-Encoding}, and any {@code Transfer-Encoding} but one {@code chunked}, are refused (400, connection
 * closed), and a request head must arrive within {@code http.headerTimeoutMs}. Requests the decoder refuses (those,
 * a request line over 4 KiB: 414, a head over 16 KiB: 431) are answered with problem+json by
 * {@link InvalidRequests}. HTTP/1.1
 * only (no h2c: TLS and HTTP/2 end at the ingress). On undeploy the listener stops accepting and in-flight
 * requests complete (bounded by the request deadline).
 */
public final class HttpVerticle extends VerticleBase {

  public static final String EXPORT_PATH = "/api/v2/spp/$bulk/export";
  static final String EXPORT_PATH_ENCODED = "/api/v2/spp/%24bulk/export";
  public static final String API_VERSION = EdgeContext.API_VERSION;
  public static final String OPENAPI_PATH = "/api/v2/spp/openapi.json";
  static final String OPENAPI_RESOURCE = "openapi/openapi.json";

  /** Statuses vert.x-web or a handler may fail a request with; all go to the one problem handler. */
  private static final List<Integer> FAILURE_STATUSES = List.of(400, 401, 403, 404, 405, 408, 413, 415, 422, 429, 500,
      501, 503, 504);

  private final GatewayConfig config;
  private final RateLimiter rateLimiter;
  private final GatewayMeters meters;
  private final TokenVerifier verifier;
  private HttpServer server;

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
  }

  @Override
  public Future<?> start() {
    return vertx.fileSystem().readFile(OPENAPI_RESOURCE).compose(this::listen);
  }

  private Future<HttpServer> listen(Buffer openApi) {
    GatewayConfig.Http http = config.http();
    ClientAddresses addresses = new ClientAddresses(http.trustedProxies());
    RefusalAudit refusals = new RefusalAudit(vertx, config.audit().timeoutMs());
    ProblemHandler problems = new ProblemHandler(meters, refusals, config.export().maxIdentifiers(),
        http.maxBodyBytes(), http.bodyTimeoutMs());

    Router router = Router.router(vertx);
    router.route().handler(ctx -> EdgeContext.stamp(ctx, addresses));
    router.route().handler(ServerSpans::name);
    ExportRoute export = new ExportRoute(vertx, config, rateLimiter, meters, verifier);
    export.mount(router, EXPORT_PATH, problems::auditRefusal);
    export.mount(router, EXPORT_PATH_ENCODED, problems::auditRefusal);
    TokenEndpoint.mount(vertx, router, config, meters, addresses);
    // HEAD too: Vert.x sends the headers without the body; Content-Length is set so that HEAD announces it as well
    String openApiLength = String.valueOf(openApi.length());
    router.route(OPENAPI_PATH).method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> {
          EdgeContext.route(ctx, OPENAPI_PATH);
          ctx.response().putHeader("Content-Type", "application/json")
              .putHeader("Content-Length", openApiLength).end(openApi);
        });
    FAILURE_STATUSES.forEach(status -> router.errorHandler(status, problems));

    HttpServerOptions options = new HttpServerOptions()
        .setHost(http.host())
        .setMaxHeaderSize(InvalidRequests.MAX_HEAD)
        .setMaxInitialLineLength(InvalidRequests.MAX_REQUEST_LINE)
        // HTTP/1.1 only: no h2c upgrade on the plain-text port (TLS and HTTP/2 end at the ingress)
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
    server = vertx.createHttpServer(options)
        .connectionHandler(connection -> RequestFraming.install(connection, options, http.headerTimeoutMs()))
        .invalidRequestHandler(request -> InvalidRequests.answer(request, addresses))
        .requestHandler(router);
    // listen(port) alone binds 0.0.0.0 whatever the options' host says
    return server.listen(http.port(), http.host());
  }

  /** Stops accepting connections and waits for in-flight requests, at most one request deadline. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(config.http().requestTimeoutMs(), TimeUnit.MILLISECONDS);
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
}
