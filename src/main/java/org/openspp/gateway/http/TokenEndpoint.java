package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.core.buffer.Buffer;
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
 * <p>A vert.x-web chain on the edge's shared pieces ({@link EdgeContext}, {@link BodyDeadline}, {@code BodyHandler},
 * {@link ProblemHandler}). Evaluation order: method (405, the router); at most {@value #ATTEMPTS_PER_MINUTE}
 * attempts per minute per client address ({@link ClientAddresses}: the TCP peer, or behind a trusted proxy the
 * forwarded address), every attempt counted, before the body is read (429 with {@code Retry-After}); token issuing
 * configured (500 {@code Token issuing is not configured} when no HS256 secret is set); content type
 * {@code application/x-www-form-urlencoded}, {@code application/json} or {@code application/*+json} (415; a
 * request without a content type is accepted only with an empty body); body at most {@value #MAX_BODY_BYTES} bytes
 * (413) within {@code http.bodyTimeoutMs} (408); form or JSON syntax (400); {@code grant_type} exactly
 * {@code client_credentials} (400, also when missing); the client credentials, from HTTP Basic (both parts
 * form-decoded, RFC 6749 §2.3.1) or from the body, never both (400); the client id's failure budget: after
 * {@value #FAILURES_PER_CLIENT_PER_MINUTE} failed checks in a minute, from any addresses together, that client id
 * is answered 429 without a check until its budget refills (a distributed guess of one client's secret is bounded,
 * at the price that a stranger can hold that one client's token requests for a minute); then the credential check
 * (401 {@code Invalid client credentials}, spending from that budget).
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
 * <p>The limiters, the verification counter and the worker pool are shared by every HTTP verticle of one Vert.x
 * instance. Secrets are never logged or echoed. Every refused credential check and every throttled
 * attempt is a security event ({@link SecurityEvents}: a {@code spp.security} line with the remote address and
 * user agent, and the {@code gateway.auth.failures} counter).
 */
public final class TokenEndpoint {

  private static final Logger log = LoggerFactory.getLogger(TokenEndpoint.class);

  public static final String PATH = "/api/v2/spp/oauth/token";

  /** The lifetime of an issued token. */
  public static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  static final String GRANT_CLIENT_CREDENTIALS = "client_credentials";
  static final String UNSUPPORTED_GRANT = "Unsupported grant_type. Only 'client_credentials' is supported.";
  static final String INVALID_CLIENT = "Invalid client credentials";
  static final String NOT_CONFIGURED = "Token issuing is not configured";

  static final int MAX_BODY_BYTES = 8 * 1024;
  static final int ATTEMPTS_PER_MINUTE = 5;
  /** Failed credential checks per minute for one client id, from every address together. */
  static final int FAILURES_PER_CLIENT_PER_MINUTE = 10;
  private static final String FORM = "application/x-www-form-urlencoded";
  static final int MAX_PENDING_VERIFICATIONS = 64;
  /** A longer client id is not looked up (it names no client); it still costs one verification. */
  static final int MAX_CLIENT_ID_LENGTH = 256;
  static final String WWW_AUTHENTICATE = "Basic realm=\"openspp\"";

  private static final String SHARED_MAP = "spp.gateway.token-endpoint";
  private static final String HASH_POOL = "spp-token-verify";

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
  public static void mount(Vertx vertx, Router router, GatewayConfig config, GatewayMeters meters,
      ClientAddresses addresses) {
    TokenEndpoint endpoint = new TokenEndpoint(vertx, config, meters);
    // vert.x-web's body handler as a step of the chain: the attempt limit comes before the body is read
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
    router.post(PATH)
        .handler(endpoint::admit)
        .handler(BodyDeadline.arm(vertx, config.http().bodyTimeoutMs(), MAX_BODY_BYTES))
        .handler(body::handle)
        .handler(endpoint::handle);
  }

  /**
   * Before the body: the attempt limit of the client address (every attempt counts), token issuing configured,
   * and a content type the endpoint reads.
   */
  private void admit(RoutingContext ctx) {
    EdgeContext.endpoint(ctx, EdgeContext.TOKEN);
    EdgeContext.route(ctx, PATH);
    String address = EdgeContext.clientAddress(ctx);
    RateLimiter.Decision decision = shared.attempts.tryAcquire("ip:" + (address == null ? "unknown" : address),
        ATTEMPTS_PER_MINUTE);
    if (!decision.allowed()) {
      security.authenticationFailed(ctx, SecurityEvents.Reason.THROTTLED, null);
      ctx.fail(throttled(decision));
      return;
    }
    decision.headers().forEach(ctx.response().headers()::set);
    if (minter == null) {
      log.warn("request {}: token request refused: no HS256 secret is configured (auth.jwt.secret)",
          EdgeContext.requestId(ctx));
      ctx.fail(ApiProblem.of(500, "server-error", "Internal Server Error", NOT_CONFIGURED));
      return;
    }
    String media = TokenRequest.mediaType(ctx.request().getHeader("Content-Type"));
    if (media != null && !FORM.equals(media) && !HttpVerticle.isJson(media)) {
      ctx.fail(unsupportedMediaType());
      return;
    }
    ctx.next();
  }

  private static ApiProblem throttled(RateLimiter.Decision decision) {
    ApiProblem problem = ApiProblem.of(429, "rate-limited", "Too Many Requests", decision.detail());
    for (Map.Entry<String, String> h : decision.headers().entrySet()) {
      problem = problem.withHeader(h.getKey(), h.getValue());
    }
    return problem;
  }

  private void handle(RoutingContext ctx) {
    BodyDeadline.disarm(vertx, ctx);
    TokenRequest.Basic presented;
    try {
      Buffer read = ctx.body().buffer();
      TokenRequest params = parameters(ctx, read == null ? Buffer.buffer() : read);
      if (!GRANT_CLIENT_CREDENTIALS.equals(params.grantType())) {
        throw ApiProblem.malformed(UNSUPPORTED_GRANT,
            new ApiProblem.FieldError(TokenRequest.GRANT_TYPE, "unsupported", "must be 'client_credentials'"));
      }
      presented = presented(ctx, params);
    } catch (ApiProblem problem) {
      ctx.fail(problem);
      return;
    }
    String failureKey = presented.clientId() == null || presented.clientId().length() > MAX_CLIENT_ID_LENGTH
        ? null : "client:" + presented.clientId();
    if (failureKey != null && !shared.failures.hasToken(failureKey, FAILURES_PER_CLIENT_PER_MINUTE)) {
      // this client id had too many failed attempts (from any address): no verification until its budget refills
      security.authenticationFailed(ctx, SecurityEvents.Reason.THROTTLED, null);
      ctx.fail(throttled(shared.failures.tryAcquire(failureKey, FAILURES_PER_CLIENT_PER_MINUTE)));
      return;
    }
    authenticate(ctx, presented)
        .onSuccess(client -> issue(ctx, client))
        .onFailure(err -> {
          if (failureKey != null && err instanceof ApiProblem p && p.status() == 401) {
            shared.failures.tryAcquire(failureKey, FAILURES_PER_CLIENT_PER_MINUTE);
          }
          ctx.fail(err);
        });
  }

  /** The parameters of the body, by its content type. */
  private static TokenRequest parameters(RoutingContext ctx, Buffer body) {
    String media = TokenRequest.mediaType(ctx.request().getHeader("Content-Type"));
    if (FORM.equals(media)) {
      return TokenRequest.fromForm(body);
    }
    if (media != null) {
      return TokenRequest.fromJson(body);
    }
    if (body != null && body.length() > 0) {
      throw unsupportedMediaType();
    }
    return TokenRequest.EMPTY;
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
          security.authenticationFailed(ctx, SecurityEvents.Reason.INVALID_CREDENTIALS, null);
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
        .addHeader(Addresses.REQUEST_ID_HEADER, EdgeContext.requestId(ctx));
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

  private void issue(RoutingContext ctx, Credentials client) {
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
    AccessLog.principal(ctx, client.clientId());
    response.putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Pragma", "no-cache")
        .end(body.toBuffer());
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
    final RateLimiter failures = RateLimiter.create();
    final AtomicInteger pendingVerifications = new AtomicInteger();
  }
}
