package org.openspp.gateway.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.GatewayMeters;
import org.openspp.gateway.bus.Credentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v2/spp/oauth/token} (spec §4.4): the OAuth 2.0 client-credentials grant, OpenSPP-compatible.
 *
 * <p>Evaluation order: method (405); at most {@value #ATTEMPTS_PER_MINUTE} attempts per minute per remote IP
 * address, every attempt counted, before the body is read (429 with {@code Retry-After}); token issuing configured
 * (500 {@code Token issuing is not configured} when no HS256 secret is set); content type
 * {@code application/x-www-form-urlencoded}, {@code application/json} or {@code application/*+json} (415; a
 * request without a content type is accepted only with an empty body); body at most {@value #MAX_BODY_BYTES} bytes
 * (413); form or JSON syntax (400); {@code grant_type} exactly {@code client_credentials} (400, also when
 * missing); the client credentials, from HTTP Basic (both parts form-decoded, RFC 6749 §2.3.1) or from the body,
 * never both (400); then the credential check (401 {@code Invalid client credentials}).
 *
 * <p>The credential check looks the client up on {@link Addresses#CREDENTIALS_LOOKUP} (the HTTP edge never touches
 * SQL) and always runs one scrypt verification, on a small dedicated worker pool, never on an event loop: against
 * the stored hash, or against a random dummy hash when the client is unknown, has no usable hash or no secret was
 * presented, so that the answer time does not tell whether a client exists. Unknown, inactive, wrong secret and
 * missing credentials share one answer. At most {@value #MAX_PENDING_VERIFICATIONS} verifications wait or run at
 * once per process; past that the request is answered 503 with {@code Retry-After: 1} at once.
 *
 * <p>A success answers {@code access_token}, {@code token_type} {@code Bearer}, {@code expires_in} and
 * {@code scope} (the registry's scopes, space separated) with {@code Cache-Control: no-store} and
 * {@code Pragma: no-cache}; the token is an HS256 JWT from {@link TokenMinter} valid for {@link #TOKEN_LIFETIME}.
 *
 * <p>The IP limiter, the verification counter and the worker pool are shared by every HTTP verticle of one Vert.x
 * instance. The remote address is the TCP peer: behind a proxy or ingress all clients share its address, so the
 * limit is then per proxy. Secrets are never logged or echoed. Every refused credential check and every throttled
 * attempt is a security event ({@link SecurityEvents}: a {@code spp.security} line with the remote address and
 * user agent, and the {@code gateway.auth.failures} counter).
 */
public final class TokenEndpoint {

  private static final Logger log = LoggerFactory.getLogger(TokenEndpoint.class);
  private static final Logger access = LoggerFactory.getLogger("spp.access");

  public static final String PATH = "/api/v2/spp/oauth/token";

  /** The lifetime of an issued token. */
  public static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  static final String GRANT_CLIENT_CREDENTIALS = "client_credentials";
  static final String UNSUPPORTED_GRANT = "Unsupported grant_type. Only 'client_credentials' is supported.";
  static final String INVALID_CLIENT = "Invalid client credentials";
  static final String NOT_CONFIGURED = "Token issuing is not configured";

  static final int MAX_BODY_BYTES = 8 * 1024;
  static final int ATTEMPTS_PER_MINUTE = 5;
  static final int MAX_PENDING_VERIFICATIONS = 64;
  /** A longer client id is not looked up (it names no client); it still costs one verification. */
  static final int MAX_CLIENT_ID_LENGTH = 256;
  static final String WWW_AUTHENTICATE = "Basic realm=\"openspp\"";

  private static final String SHARED_MAP = "spp.gateway.token-endpoint";
  private static final String HASH_POOL = "spp-token-verify";
  /** Routing-context key: the id of the registered client a request named, for the access log. */
  private static final String KNOWN_CLIENT = "tokenClient";

  /** A well-formed hash of no known secret: verified when there is nothing real to verify against. */
  private static final String DUMMY_HASH = dummyHash();

  private final Vertx vertx;
  private final GatewayConfig config;
  private final TokenMinter minter;
  private final Shared shared;
  private final WorkerExecutor verifier;
  private final SecurityEvents security;

  private TokenEndpoint(Vertx vertx, GatewayConfig config, GatewayMeters meters) {
    this.vertx = vertx;
    this.config = config;
    this.security = new SecurityEvents(meters);
    this.shared = vertx.sharedData().<String, Shared>getLocalMap(SHARED_MAP).computeIfAbsent("state", k -> new Shared());
    GatewayConfig.Auth auth = config.auth();
    if (auth.jwtSecret() != null) {
      this.minter = new TokenMinter(auth.jwtSecret(), auth.issuer(), auth.audience());
      // created on the calling verticle's context, so it is released when that verticle is undeployed
      this.verifier = vertx.createSharedWorkerExecutor(HASH_POOL,
          Math.max(2, Runtime.getRuntime().availableProcessors() / 2));
    } else {
      this.minter = null;
      this.verifier = null;
    }
  }

  /** Adds the token route to the API router. */
  public static void mount(Vertx vertx, Router router, GatewayConfig config, GatewayMeters meters) {
    TokenEndpoint endpoint = new TokenEndpoint(vertx, config, meters);
    router.route(PATH).handler(endpoint::handle);
  }

  private void handle(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.POST) {
      ctx.fail(405);
      return;
    }
    long started = System.nanoTime();
    String ip = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
    RateLimiter.Decision decision = shared.attempts.tryAcquire("ip:" + ip, ATTEMPTS_PER_MINUTE);
    if (!decision.allowed()) {
      ApiProblem problem = ApiProblem.of(429, "rate-limited", "Too Many Requests", decision.detail());
      for (Map.Entry<String, String> h : decision.headers().entrySet()) {
        problem = problem.withHeader(h.getKey(), h.getValue());
      }
      security.authenticationFailed(ctx, SecurityEvents.TOKEN, SecurityEvents.Reason.THROTTLED, null);
      fail(ctx, problem, started, null);
      return;
    }
    decision.headers().forEach(ctx.response().headers()::set);
    if (minter == null) {
      log.warn("request {}: token request refused: no HS256 secret is configured (auth.jwt.secret)",
          HttpVerticle.requestId(ctx));
      fail(ctx, ApiProblem.of(500, "server-error", "Internal Server Error", NOT_CONFIGURED), started, null);
      return;
    }
    readParameters(ctx)
        .compose(params -> {
          if (!GRANT_CLIENT_CREDENTIALS.equals(params.grantType())) {
            return Future.failedFuture(ApiProblem.malformed(UNSUPPORTED_GRANT,
                new ApiProblem.FieldError(TokenRequest.GRANT_TYPE, "unsupported", "must be 'client_credentials'")));
          }
          return authenticate(ctx, presented(ctx, params));
        })
        .onSuccess(client -> issue(ctx, client, started))
        .onFailure(err -> fail(ctx, err, started, ctx.get(KNOWN_CLIENT)));
  }

  /** Reads the body by its content type; the request is still paused here. */
  private Future<TokenRequest> readParameters(RoutingContext ctx) {
    String media = TokenRequest.mediaType(ctx.request().getHeader("Content-Type"));
    boolean form = "application/x-www-form-urlencoded".equals(media);
    boolean json = media != null && HttpVerticle.isJson(media);
    if (media != null && !form && !json) {
      return Future.failedFuture(unsupportedMediaType());
    }
    return BodyReader.read(ctx.request(), MAX_BODY_BYTES).map(body -> {
      if (form) {
        return TokenRequest.fromForm(body);
      }
      if (json) {
        return TokenRequest.fromJson(body);
      }
      if (body.length() > 0) {
        throw unsupportedMediaType();
      }
      return TokenRequest.EMPTY;
    });
  }

  private static ApiProblem unsupportedMediaType() {
    return ApiProblem.of(415, "unsupported-media-type", "Unsupported Media Type",
        "Content-Type must be application/x-www-form-urlencoded or application/json");
  }

  /** The credentials the client presented: HTTP Basic, or the body's; one method only (RFC 6749 §2.3). */
  private static TokenRequest.Basic presented(RoutingContext ctx, TokenRequest params) {
    TokenRequest.Basic basic = TokenRequest.Basic.parse(ctx.request().getHeader("Authorization"));
    if (basic == null) {
      return new TokenRequest.Basic(params.clientId(), params.clientSecret());
    }
    if (params.clientSecret() != null
        || (params.clientId() != null && !params.clientId().equals(basic.clientId()))) {
      throw ApiProblem.malformed(
          "Send the client credentials either with HTTP Basic authentication or in the request body, not both",
          new ApiProblem.FieldError(TokenRequest.CLIENT_SECRET, "conflict",
              "client credentials were also sent with HTTP Basic authentication"));
    }
    return basic;
  }

  /** Looks the client up and verifies the secret: the client's credentials, or 401. Always one scrypt run. */
  private Future<Credentials> authenticate(RoutingContext ctx, TokenRequest.Basic presented) {
    if (shared.pendingVerifications.incrementAndGet() > MAX_PENDING_VERIFICATIONS) {
      shared.pendingVerifications.decrementAndGet();
      return Future.failedFuture(ApiProblem.of(503, "registry-unavailable", "Service Unavailable",
          "The gateway is at capacity. Retry after 1 seconds.").withHeader("Retry-After", "1"));
    }
    String secret = presented.clientSecret();
    return lookup(ctx, presented.clientId())
        .compose(client -> {
          if (client != null) {
            ctx.put(KNOWN_CLIENT, client.clientId());
          }
          boolean usable = client != null && SecretHasher.isHashed(client.secretHash());
          String stored = usable ? client.secretHash() : DUMMY_HASH;
          String candidate = secret == null ? "" : secret;
          return verifier.executeBlocking(() -> SecretHasher.verify(candidate, stored), false)
              .map(match -> match && usable && secret != null && client.active() ? client : null);
        })
        .andThen(ar -> shared.pendingVerifications.decrementAndGet())
        .compose(client -> {
          if (client != null) {
            return Future.succeededFuture(client);
          }
          security.authenticationFailed(ctx, SecurityEvents.TOKEN, SecurityEvents.Reason.INVALID_CREDENTIALS, null);
          return Future.failedFuture(invalidClient());
        });
  }

  private Future<Credentials> lookup(RoutingContext ctx, String clientId) {
    // a NUL cannot be stored in PostgreSQL text: such an id names no client, and sending it would fail the query
    if (clientId == null || clientId.length() > MAX_CLIENT_ID_LENGTH || clientId.indexOf('\0') >= 0) {
      return Future.succeededFuture(null);
    }
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(config.export().busTimeoutMs())
        .addHeader(Addresses.REQUEST_ID_HEADER, HttpVerticle.requestId(ctx));
    return vertx.eventBus().<Credentials>request(Addresses.CREDENTIALS_LOOKUP, clientId, options)
        .map(Message::body)
        .recover(err -> err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
            && re.failureCode() == Failure.NOT_FOUND.code()
            ? Future.succeededFuture(null) : Future.failedFuture(err));
  }

  private static ApiProblem invalidClient() {
    return ApiProblem.of(401, "authentication", "Unauthorized", INVALID_CLIENT)
        .withHeader("WWW-Authenticate", WWW_AUTHENTICATE);
  }

  private void issue(RoutingContext ctx, Credentials client, long started) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    String token = minter.mint(client.clientId(), client.scopes(), TOKEN_LIFETIME);
    JsonObject body = new JsonObject()
        .put("access_token", token)
        .put("token_type", "Bearer")
        .put("expires_in", TOKEN_LIFETIME.toSeconds())
        .put("scope", String.join(" ", client.scopes()));
    response.putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Pragma", "no-cache")
        .end(body.toBuffer());
    logAccess(ctx, client.clientId(), 200, null, started, null);
  }

  private void fail(RoutingContext ctx, Throwable err, long started, String knownClient) {
    ApiProblem problem = FailureMapper.toProblem(err);
    HttpVerticle.sendProblem(ctx, problem);
    logAccess(ctx, knownClient, problem.status(), problem.category(), started,
        problem.status() >= 500 && !(err instanceof ApiProblem) ? err.toString() : null);
  }

  /** One line per token request on {@code spp.access}; the client id only when it names a registered client. */
  private static void logAccess(RoutingContext ctx, String clientId, int status, String problem, long started,
      String cause) {
    Object[] fields = {kv("request_id", HttpVerticle.requestId(ctx)), kv("client_id", clientId),
        kv("status", status), kv("problem", problem), kv("duration_ms", (System.nanoTime() - started) / 1_000_000),
        kv("remote_address", HttpVerticle.remoteAddress(ctx)), kv("user_agent", HttpVerticle.userAgent(ctx)),
        kv("cause", cause)};
    if (cause != null) {
      access.warn("token {} {} {} {} {} {} {} {}", fields);
    } else if (access.isInfoEnabled()) {
      access.info("token {} {} {} {} {} {} {} {}", fields);
    }
  }

  private static String dummyHash() {
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[16];
    byte[] key = new byte[64];
    random.nextBytes(salt);
    random.nextBytes(key);
    HexFormat hex = HexFormat.of();
    return SecretHasher.PREFIX + hex.formatHex(salt) + "$" + hex.formatHex(key);
  }

  /** Process-wide state of the endpoint, one per Vert.x instance, shared by every HTTP verticle. */
  private static final class Shared implements Shareable {
    final RateLimiter attempts = RateLimiter.create();
    final AtomicInteger pendingVerifications = new AtomicInteger();
  }
}
