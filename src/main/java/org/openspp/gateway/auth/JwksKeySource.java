package org.openspp.gateway.auth;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openspp.gateway.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JWKS key source (spec §4.1): RS256, PS256 and ES256 public keys fetched from a URL with the non-blocking
 * Vert.x HTTP client, with the issuer and audience its tokens must carry.
 *
 * <ul>
 *   <li>The first fetch starts at creation; {@link #ready()} completes when it succeeds. It is tried
 *       {@value #FIRST_FETCH_ATTEMPTS} times ({@code timeoutMs} each, 0.5 s then 1 s apart); if all fail,
 *       {@link #ready()} fails with a message naming {@code auth.jwks.url}, which fails start-up.</li>
 *   <li>The set is fetched again {@code refreshSeconds} after each successful fetch; after a failed one, again
 *       after {@code min(refreshSeconds, minRefetchSeconds)}.</li>
 *   <li>A token whose {@code kid} is not in the set causes a fetch at most once per {@code minRefetchSeconds}
 *       ({@link #refetchForUnknownKid()}); a fetch in flight is joined, never duplicated.</li>
 *   <li>A failed fetch (IdP down, HTTP error, timeout, not a JWKS, no usable key, over 1 MiB) keeps the last
 *       good set. Failures are logged once per failure streak; key-set changes (kids added, removed) are
 *       logged; token contents never are.</li>
 *   <li>{@code gateway.jwks.key.age{source="jwks"}}: seconds since the last successful fetch.</li>
 * </ul>
 *
 * <p>Threading: the key set is an immutable {@link JwksSnapshot} (keys parsed by Nimbus JOSE+JWT, with the
 * processor that verifies against them) published through a volatile field, so verifying on
 * any event loop needs no lock. Fetch state (in-flight fetch, refetch window, failure streak, timer) is
 * confined to the one {@link Context} captured at creation; requests from other threads reach it with
 * {@link Context#runOnContext}. Futures this class returns may complete on that context: callers that need
 * their own context back hop there themselves (see {@link TokenVerifier}).
 */
final class JwksKeySource {

  private static final Logger log = LoggerFactory.getLogger(JwksKeySource.class);

  /** Largest JWKS document accepted. */
  static final int MAX_DOCUMENT_BYTES = 1 << 20;
  /** Attempts of the first fetch before start-up fails. */
  static final int FIRST_FETCH_ATTEMPTS = 3;
  private static final long FIRST_FETCH_BACKOFF_MS = 500;

  /** The meter name (Prometheus: {@code gateway_jwks_key_age_seconds}). */
  static final String KEY_AGE_METER = "gateway.jwks.key.age";

  private final Vertx vertx;
  private final Context context;
  private final GatewayConfig.Jwks config;
  private final String where;
  private final HttpClient client;
  private final long refreshMs;
  private final long retryMs;
  private final long minRefetchNanos;
  private final Promise<Void> ready = Promise.promise();

  private volatile JwksSnapshot keys;
  private volatile long fetchedAtMillis;
  private volatile boolean fetching;
  private volatile long unknownKidQuietUntilNanos;

  // confined to context
  private Future<JwksSnapshot> inFlight;
  private int failureStreak;
  private long timerId = -1;
  private boolean closed;

  private JwksKeySource(Vertx vertx, GatewayConfig.Jwks config) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.where = describe(config.url());
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) config.timeoutMs())
        .setMaxRedirects(0)
        .setKeepAlive(true));
    this.refreshMs = config.refreshSeconds() * 1000L;
    this.retryMs = Math.min(refreshMs, config.minRefetchSeconds() * 1000L);
    this.minRefetchNanos = TimeUnit.SECONDS.toNanos(config.minRefetchSeconds());
    this.unknownKidQuietUntilNanos = System.nanoTime() - 1;
  }

  /**
   * Creates the source and starts its first fetch.
   *
   * @param meters where the key-age gauge is registered, or {@code null}
   */
  static JwksKeySource start(Vertx vertx, GatewayConfig.Jwks config, MeterRegistry meters) {
    JwksKeySource source = new JwksKeySource(vertx, config);
    if (meters != null) {
      Gauge.builder(KEY_AGE_METER, source, JwksKeySource::keyAgeSeconds)
          .description("Seconds since the JWKS keys were last fetched successfully")
          .baseUnit("seconds")
          .tag("source", "jwks")
          .strongReference(true)
          .register(meters);
    }
    if (config.url().regionMatches(true, 0, "http:", 0, 5) && !loopback(config.url())) {
      log.warn("JWKS {}: fetched over plain http; use https outside a trusted network", source.where);
    }
    source.context.runOnContext(v -> source.firstFetch(1));
    return source;
  }

  String issuer() {
    return config.issuer();
  }

  String audience() {
    return config.audience();
  }

  /** The current key set, or {@code null} before the first successful fetch. */
  JwksSnapshot keys() {
    return keys;
  }

  /** Completes after the first successful fetch; fails if the first fetch cannot succeed. */
  Future<Void> ready() {
    return ready.future();
  }

  /** Seconds since the last successful fetch; NaN before the first. */
  double keyAgeSeconds() {
    long at = fetchedAtMillis;
    return at == 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - at) / 1000.0;
  }

  /**
   * Asks for a fetch because a token named an unknown {@code kid}: joins a fetch in flight, else starts one
   * unless one was started for an unknown kid less than {@code minRefetchSeconds} ago. Always succeeds, once
   * the fetch (if any) has ended; the caller then looks its kid up again in {@link #keys()}.
   */
  Future<Void> refetchForUnknownKid() {
    if (!fetching && System.nanoTime() - unknownKidQuietUntilNanos < 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      Future<JwksSnapshot> f = inFlight;
      if (f == null) {
        long now = System.nanoTime();
        if (closed || now - unknownKidQuietUntilNanos < 0) {
          done.complete();
          return;
        }
        unknownKidQuietUntilNanos = now + minRefetchNanos;
        f = fetch();
      }
      f.onComplete(ar -> done.complete());
    });
    return done.future();
  }

  /** Stops refreshing and closes the HTTP client. */
  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      closed = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
      ready.tryFail("the JWKS key source was closed before its first fetch");
      client.close().onComplete(ar -> done.complete());
    });
    return done.future();
  }

  private void firstFetch(int attempt) {
    fetch().onComplete(ar -> {
      if (ar.succeeded()) {
        ready.tryComplete();
        scheduleRefresh(refreshMs);
      } else if (!closed && attempt < FIRST_FETCH_ATTEMPTS) {
        timerId = vertx.setTimer(FIRST_FETCH_BACKOFF_MS * attempt, id -> firstFetch(attempt + 1));
      } else {
        ready.tryFail(new IllegalStateException("auth.jwks.url: could not fetch the JWKS from " + where + " ("
            + attempt + " attempts): " + reason(ar.cause())));
      }
    });
  }

  private void scheduleRefresh(long delayMs) {
    if (closed) {
      return;
    }
    timerId = vertx.setTimer(delayMs, id -> fetch().onComplete(ar -> scheduleRefresh(ar.succeeded() ? refreshMs : retryMs)));
  }

  /** On the context: the fetch in flight, or a new one; its outcome is already applied when it completes. */
  private Future<JwksSnapshot> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    if (closed) {
      return Future.failedFuture("closed");
    }
    fetching = true;
    Future<JwksSnapshot> f = download().transform(ar -> {
      inFlight = null;
      fetching = false;
      return ar.succeeded() ? Future.succeededFuture(install(ar.result())) : Future.failedFuture(failed(ar.cause()));
    });
    if (!f.isComplete()) {
      inFlight = f;
    }
    return f;
  }

  private Future<JwksSnapshot> download() {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(config.url())
        .setConnectTimeout(config.timeoutMs())
        .setIdleTimeout(config.timeoutMs())
        .setFollowRedirects(false)
        .putHeader(HttpHeaders.ACCEPT, "application/jwk-set+json, application/json");
    HttpClientRequest[] sent = new HttpClientRequest[1];
    return client.request(options)
        .compose(request -> {
          sent[0] = request;
          return request.send();
        })
        .compose(JwksKeySource::readBody)
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .onFailure(err -> {
          if (sent[0] != null) {
            sent[0].reset();
          }
        })
        .map(body -> JwksSnapshot.parse(new JsonObject(body)));
  }

  private static Future<Buffer> readBody(HttpClientResponse response) {
    Promise<Buffer> body = Promise.promise();
    // installed first: a refused answer is reset by download(), and the reset must not surface as an error log
    response.exceptionHandler(body::tryFail);
    if (response.statusCode() != 200) {
      return Future.failedFuture(new IllegalStateException("HTTP " + response.statusCode()));
    }
    String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > MAX_DOCUMENT_BYTES) {
          return Future.failedFuture(new IllegalStateException("document larger than " + MAX_DOCUMENT_BYTES + " bytes"));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new IllegalStateException("bad Content-Length"));
      }
    }
    Buffer collected = Buffer.buffer();
    response.handler(chunk -> {
      if (collected.length() + chunk.length() > MAX_DOCUMENT_BYTES) {
        body.tryFail(new IllegalStateException("document larger than " + MAX_DOCUMENT_BYTES + " bytes"));
      } else {
        collected.appendBuffer(chunk);
      }
    });
    response.endHandler(v -> body.tryComplete(collected));
    return body.future();
  }

  private JwksSnapshot install(JwksSnapshot set) {
    JwksSnapshot previous = keys;
    keys = set;
    fetchedAtMillis = System.currentTimeMillis();
    if (previous == null) {
      log.info("JWKS {}: {} signing keys loaded, kids {}", where, set.size(), set.kids());
    } else {
      Set<String> added = new TreeSet<>(set.kids());
      added.removeAll(previous.kids());
      Set<String> removed = new TreeSet<>(previous.kids());
      removed.removeAll(set.kids());
      if (!added.isEmpty() || !removed.isEmpty()) {
        log.info("JWKS {}: key set changed, kids added {}, removed {}; now {} keys", where, added, removed,
            set.size());
      }
    }
    if (!set.skipped().isEmpty() && (previous == null || !previous.skipped().equals(set.skipped()))) {
      log.info("JWKS {}: {} keys not usable to verify tokens, ignored: {}", where, set.skipped().size(),
          set.skipped());
    }
    if (failureStreak > 0) {
      log.info("JWKS {}: fetched again after {} failed attempts", where, failureStreak);
      failureStreak = 0;
    }
    return set;
  }

  private Throwable failed(Throwable err) {
    if (failureStreak++ == 0) {
      JwksSnapshot current = keys;
      if (current == null) {
        log.warn("JWKS {}: fetch failed: {}", where, reason(err));
      } else {
        log.warn("JWKS {}: fetch failed: {}; keeping the {} keys fetched {} s ago; further failures are not logged "
            + "until a fetch succeeds", where, reason(err), current.size(), Math.round(keyAgeSeconds()));
      }
    }
    return err;
  }

  private static String reason(Throwable err) {
    if (err == null) {
      return "unknown error";
    }
    String message = err.getMessage();
    return message == null || message.isBlank() ? err.getClass().getSimpleName() : message;
  }

  /** The URL for logs: scheme, host, port and path; no user info, query or fragment. */
  private static String describe(String url) {
    try {
      URI uri = URI.create(url);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
          + (uri.getRawPath() == null ? "" : uri.getRawPath());
    } catch (IllegalArgumentException e) {
      return "(invalid URL)";
    }
  }

  /** Literal loopback hosts only: no name resolution here (this runs on an event loop). */
  private static boolean loopback(String url) {
    try {
      String host = URI.create(url).getHost();
      return host != null && (host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
