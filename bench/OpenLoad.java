import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Open-model HTTP load generator for POST /api/v2/spp/$bulk/export.
 *
 * <p>Requests are offered at a constant rate regardless of how fast the gateway answers: request k is
 * intended to start at t0 + k/rate, and its latency is measured from that intended start, not from the
 * moment it was actually written. Time spent queued in this generator or in the connection pool therefore
 * counts, so the percentiles are free of coordinated omission (a slow server cannot slow the offered load
 * down and hide its own queueing).
 *
 * <p>Run with the single-file source launcher and the gateway's fat jar for the Vert.x classes:
 * {@code java -cp target/spp-gateway.jar bench/OpenLoad.java --token TOKEN --rate 300 ...}. It prints one
 * {@code key=value} line on stdout (see {@link #summary}); diagnostics and error kinds go to stderr.
 */
public class OpenLoad {

  static final String USAGE = "usage: java -cp target/spp-gateway.jar bench/OpenLoad.java --token TOKEN"
      + " [--url URL] [--type Individual|Group] [--ids N] [--population N] [--rate REQ_PER_S]"
      + " [--duration S] [--warmup S] [--connections N]";
  // Per-request timeout: TCP connect, and no response data for this long. It is deliberately not applied
  // to the wait for a pooled connection (RequestOptions.setTimeout/setConnectTimeout would): that wait is
  // the queueing this tool must measure, and its expiry timer races in Vert.x 5 ("Promise already
  // completed", eclipse-vertx/vert.x#6197). Requests still queued at the end are counted as "timeout".
  static final int REQUEST_TIMEOUT_MS = 15_000;
  static final long DRAIN_TIMEOUT_S = 10;         // how long to wait for responses after the last send

  /** Command-line settings; everything but --token has a default. */
  record Config(String url, String token, String type, int ids, int population, double rate,
                double duration, double warmup, int connections) {

    static final Set<String> OPTIONS = Set.of("url", "token", "type", "ids", "population", "rate", "duration",
        "warmup", "connections");

    static Config parse(String[] args) {
      Map<String, String> opts = new HashMap<>();
      for (int i = 0; i < args.length; i += 2) {
        String name = args[i].startsWith("--") ? args[i].substring(2) : "";
        if (!OPTIONS.contains(name) || i + 1 >= args.length) {
          throw new IllegalArgumentException("unknown option or missing value: " + args[i]);
        }
        opts.put(name, args[i + 1]);
      }
      Config c = new Config(opts.getOrDefault("url", "http://127.0.0.1:18080/api/v2/spp/$bulk/export"),
          opts.get("token"), opts.getOrDefault("type", "Individual"),
          (int) number(opts, "ids", 100), (int) number(opts, "population", 1_000_000),
          number(opts, "rate", 100), number(opts, "duration", 30), number(opts, "warmup", 5),
          (int) number(opts, "connections", 64));
      if (c.token == null || c.token.isBlank()) throw new IllegalArgumentException("--token is required");
      if (!c.type.equals("Individual") && !c.type.equals("Group")) {
        throw new IllegalArgumentException("--type must be Individual or Group");
      }
      URI uri = URI.create(c.url);  // IllegalArgumentException on a malformed URL
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("--url must be an absolute http(s) URL");
      }
      // written as !(x > 0) so that NaN is rejected too
      if (c.ids < 1 || c.population < 1 || !(c.rate > 0) || !(c.duration > 0) || !(c.warmup >= 0)
          || c.connections < 1 || Double.isInfinite(c.rate + c.duration + c.warmup)) {
        throw new IllegalArgumentException("--ids, --population, --rate, --duration and --connections must be"
            + " positive, --warmup must not be negative");
      }
      if (c.ids > 100_000 || c.rate * (c.duration + c.warmup) > 50_000_000) {
        throw new IllegalArgumentException("--ids or rate * (warmup + duration) is too large");
      }
      return c;
    }

    private static double number(Map<String, String> opts, String name, double fallback) {
      String value = opts.get(name);
      try {
        return value == null ? fallback : Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " is not a number: " + value);
      }
    }
  }

  /**
   * Thread-safe result collector. Responses may complete on any event loop, and the main thread closes the
   * collector when it stops waiting; a single lock keeps that hand-over exact (no sample lands after the
   * snapshot) and costs nothing noticeable at a few thousand requests per second.
   */
  static final class Stats {
    private final long[] latenciesMicros;  // measured ok responses only, preallocated
    private final long windowStart, windowEnd;
    private final Map<String, Long> errors = new TreeMap<>();
    private final Map<String, String> firstMessage = new HashMap<>();
    private int ok, errorCount;
    private long okInWindow;  // ok responses (warm-up or measured) completed inside the measurement window
    private boolean closed;

    Stats(int capacity, long windowStart, long windowEnd) {
      this.latenciesMicros = new long[capacity];
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
    }

    synchronized void ok(boolean measured, long intendedNanos, long nowNanos) {
      if (closed) return;
      if (nowNanos >= windowStart && nowNanos < windowEnd) okInWindow++;
      if (measured) latenciesMicros[ok++] = (nowNanos - intendedNanos) / 1_000;
    }

    synchronized void error(String kind, String message) {
      if (closed) return;
      errorCount++;
      errors.merge(kind, 1L, Long::sum);
      if (message != null) firstMessage.putIfAbsent(kind, message);
    }

    synchronized void close() {
      closed = true;
    }
  }

  private final Config cfg;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client;
  private final int warmupCount, measuredCount;
  private final long t0;
  private final Stats stats;
  private final CountDownLatch allSent = new CountDownLatch(1);
  private final CountDownLatch allMeasuredDone;
  private int next;  // next request index to issue; touched only by the scheduling timer's event loop

  OpenLoad(Config cfg) {
    this.cfg = cfg;
    // The pool's wait queue is unbounded: requests beyond `connections` in flight queue here, and that
    // queueing shows up in their latency.
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(REQUEST_TIMEOUT_MS),
        new PoolOptions().setHttp1MaxSize(cfg.connections));
    this.warmupCount = (int) Math.round(cfg.rate * cfg.warmup);
    this.measuredCount = Math.max(1, (int) Math.round(cfg.rate * cfg.duration));
    this.allMeasuredDone = new CountDownLatch(measuredCount);
    this.t0 = System.nanoTime() + 10_000_000;  // small lead so request 0 is not already late
    this.stats = new Stats(measuredCount, intended(warmupCount), intended(warmupCount + measuredCount));
  }

  /** Intended start of request k on the nanoTime clock. */
  private long intended(long k) {
    return t0 + Math.round(k * 1e9 / cfg.rate);
  }

  public static void main(String[] args) throws Exception {
    Config cfg;
    try {
      if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
        System.out.println(USAGE);
        System.exit(0);
      }
      cfg = Config.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("OpenLoad: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    new OpenLoad(cfg).run();
    System.exit(0);
  }

  void run() throws InterruptedException {
    System.err.printf(Locale.ROOT, "OpenLoad: %.1f req/s, warm-up %.0f s, measuring %.0f s, %d connections%n",
        cfg.rate, cfg.warmup, cfg.duration, cfg.connections);
    int total = warmupCount + measuredCount;
    // Every millisecond, issue all requests whose intended start has passed. If the timer is late (GC,
    // a busy event loop) the backlog goes out in one burst, as an open-model client must.
    vertx.setPeriodic(1, timerId -> {
      long now = System.nanoTime();
      while (next < total && intended(next) <= now) issue(next++);
      if (next == total) {
        vertx.cancelTimer(timerId);
        allSent.countDown();
      }
    });
    allSent.await();
    allMeasuredDone.await(DRAIN_TIMEOUT_S, TimeUnit.SECONDS);
    stats.close();  // from here on late responses are ignored
    String line = summary();
    try {
      client.close().await(5, TimeUnit.SECONDS);
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (TimeoutException | RuntimeException e) {
      System.err.println("OpenLoad: shutdown did not complete cleanly: " + e);
    }
    System.out.println(line);
  }

  /** Sends request k; the outcome is recorded against its intended start. Never blocks. */
  private void issue(int k) {
    long intendedStart = intended(k);
    boolean measured = k >= warmupCount;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(cfg.url)
        .setIdleTimeout(REQUEST_TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + cfg.token);
    client.request(options)
        .compose(req -> req.send(body()))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          long now = System.nanoTime();
          if (ar.succeeded() && ar.result() == 200) {
            stats.ok(measured, intendedStart, now);
          } else if (measured) {
            if (ar.succeeded()) {
              stats.error("status " + ar.result(), null);
            } else {
              Throwable cause = ar.cause();
              stats.error(cause instanceof TimeoutException ? "timeout" : "connection", String.valueOf(cause));
            }
          }
          if (measured) allMeasuredDone.countDown();
        });
  }

  /** {"type":...,"identifiers":[...]} with identifiers drawn uniformly from the population. */
  private Buffer body() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String prefix = cfg.type.equals("Individual") ? "urn:bench:national-id|" : "urn:bench:household-id|";
    long base = cfg.type.equals("Individual") ? 1_000_000_000L : 2_000_000_000L;
    StringBuilder json = new StringBuilder(64 + cfg.ids * 40)
        .append("{\"type\":\"").append(cfg.type).append("\",\"identifiers\":[");
    for (int i = 0; i < cfg.ids; i++) {
      if (i > 0) json.append(',');
      json.append('"').append(prefix).append(base + random.nextInt(cfg.population)).append('"');
    }
    return Buffer.buffer(json.append("]}").toString());
  }

  /**
   * The stdout line. achieved_rps counts ok responses (of any request) completed inside the measurement
   * window, divided by its length: the throughput the gateway actually delivered while offered the rate.
   * Percentiles use the nearest-rank method over the exact, sorted latencies of measured ok responses;
   * they are NaN when none succeeded (e.g. far past capacity, where everything queues beyond the drain).
   */
  private String summary() {
    // The collector is closed, so its fields can be read and amended here without the lock.
    int missing = measuredCount - stats.ok - stats.errorCount;
    if (missing > 0) {
      System.err.println("OpenLoad: " + missing + " responses still missing " + DRAIN_TIMEOUT_S
          + " s after the last send; counted as timeout");
      stats.errors.merge("timeout", (long) missing, Long::sum);
    }
    long errorCount = stats.errorCount + Math.max(0, missing);
    stats.errors.forEach((kind, n) -> System.err.println("OpenLoad: error " + kind + " = " + n
        + (stats.firstMessage.containsKey(kind) ? " (first: " + stats.firstMessage.get(kind) + ")" : "")));
    long[] sorted = Arrays.copyOf(stats.latenciesMicros, stats.ok);
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "offered_rps=%.1f achieved_rps=%.1f ok=%d errors=%d p50_ms=%s"
            + " p90_ms=%s p99_ms=%s p999_ms=%s max_ms=%s", cfg.rate, stats.okInWindow / cfg.duration,
        stats.ok, errorCount, pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), pct(sorted, 0.999),
        pct(sorted, 1.0));
  }

  private static String pct(long[] sorted, double p) {
    if (sorted.length == 0) return "NaN";
    int rank = (int) Math.ceil(p * sorted.length);
    return String.format(Locale.ROOT, "%.2f", sorted[Math.max(0, rank - 1)] / 1000.0);
  }
}
