package org.openspp.gateway.http;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Per-client token-bucket rate limit (spec §7), checked after authentication and before the body is read
 * (spec §2 step 3). Buckets are keyed by client id, never by token, so every token of one client shares
 * one bucket.
 *
 * <p>A client limited to {@code n} requests per minute owns a bucket of capacity {@code n} that starts full,
 * refills continuously at {@code n / 60} tokens per second (an empty bucket is full again after 60 seconds)
 * and spends one token per request. A {@code null} or non-positive limit means unlimited: nothing is tracked
 * and the {@link Decision} carries no headers. When a client's configured limit changes, its bucket adopts
 * the new capacity on the next request, keeping its current tokens clamped to that capacity.
 *
 * <p>One instance is shared by all HTTP verticle instances of a JVM. It is thread-safe and non-blocking:
 * each bucket is an immutable state replaced atomically through {@link ConcurrentHashMap#compute}, whose
 * remapping does constant-time arithmetic only. It starts no timers or threads; time comes from the
 * injected monotonic nanosecond clock.
 *
 * <p>Memory is bounded. A bucket that is full again behaves exactly like a new one, so it can be dropped
 * without changing any decision. When the map grows past {@value #MAX_ENTRIES} entries, the calling thread
 * (one at a time; others skip) sweeps it and drops full buckets. If more than 90% of the bound is still in
 * use, arbitrary buckets are then dropped down to 90%, and those clients restart with a full bucket. Each
 * sweep is linear in the map size and is followed by at least a tenth of the bound of new clients before the
 * next one.
 *
 * <p>Limits are enforced per gateway process, so per replica: with {@code r} replicas behind a load
 * balancer a client may get up to {@code r} times its limit. A cluster-wide limit would need shared state
 * (for example a shared counter store), which this class deliberately does not use.
 */
public final class RateLimiter {

  /** Default bound on tracked clients. */
  public static final int MAX_ENTRIES = 100_000;

  /** Fixed point: one token is this many units; a bucket of limit {@code n} refills {@code n} units per microsecond. */
  private static final long UNITS_PER_TOKEN = 60_000_000L;
  private static final long MICROS_PER_SECOND = 1_000_000L;
  private static final long NANOS_PER_MICRO = 1_000L;

  private final LongSupplier nanoClock;
  private final int maxEntries;
  private final int lowWater;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  /** A limiter reading time from {@code nanoClock}, a monotonic nanosecond source such as {@link System#nanoTime}. */
  public RateLimiter(LongSupplier nanoClock) {
    this(nanoClock, MAX_ENTRIES);
  }

  RateLimiter(LongSupplier nanoClock, int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive");
    }
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.maxEntries = maxEntries;
    this.lowWater = maxEntries - maxEntries / 10;
  }

  /** A limiter on {@link System#nanoTime}. */
  public static RateLimiter create() {
    return new RateLimiter(System::nanoTime);
  }

  /**
   * Spends one token of the bucket of {@code clientId} (the authenticated client id, never a token) if one is
   * available, and says whether the request may proceed and which headers to send. {@code limitPerMinute} is
   * the client's configured limit; {@code null} or non-positive is unlimited.
   */
  public Decision tryAcquire(String clientId, Integer limitPerMinute) {
    Objects.requireNonNull(clientId, "clientId");
    if (limitPerMinute == null || limitPerMinute <= 0) {
      buckets.remove(clientId);
      return Decision.UNLIMITED;
    }
    int limit = limitPerMinute;
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.compute(clientId, (id, current) -> Bucket.acquire(current, limit, now));
    if (buckets.size() > maxEntries) {
      sweep(now);
    }
    return bucket.decision();
  }

  /**
   * Whether the bucket of {@code key} has a token left, without spending one: for budgets spent only by some
   * outcomes (the token endpoint's failures per client id), checked before the attempt and spent after it with
   * {@link #tryAcquire}. An untracked key has a full bucket.
   */
  public boolean hasToken(String key, int limitPerMinute) {
    Bucket bucket = buckets.get(Objects.requireNonNull(key, "key"));
    return bucket == null || bucket.limit != limitPerMinute
        || bucket.refill(nanoClock.getAsLong()).units >= UNITS_PER_TOKEN;
  }

  int size() {
    return buckets.size();
  }

  private void sweep(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      // remove(key, value) only drops a bucket nobody replaced meanwhile; a full one is equivalent to a new one.
      for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
        if (e.getValue().isFullAt(now)) {
          buckets.remove(e.getKey(), e.getValue());
        }
      }
      if (buckets.size() > lowWater) {
        Iterator<String> keys = buckets.keySet().iterator();
        while (buckets.size() > lowWater && keys.hasNext()) {
          keys.next();
          keys.remove();
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  /**
   * One bucket state. {@code units} is the token count scaled by {@link #UNITS_PER_TOKEN}; {@code stamp} is the
   * clock reading up to which refill has been credited; {@code allowed} is the outcome of the acquisition that
   * produced this state.
   */
  private record Bucket(int limit, long units, long stamp, boolean allowed) {

    static Bucket acquire(Bucket current, int limit, long now) {
      long capacity = limit * UNITS_PER_TOKEN;
      long units;
      long stamp;
      if (current == null) {
        units = capacity;
        stamp = now;
      } else {
        Bucket refilled = current.refill(now);
        units = Math.min(refilled.units, capacity);
        stamp = refilled.stamp;
      }
      if (units >= UNITS_PER_TOKEN) {
        return new Bucket(limit, units - UNITS_PER_TOKEN, stamp, true);
      }
      return new Bucket(limit, units, stamp, false);
    }

    long capacity() {
      return limit * UNITS_PER_TOKEN;
    }

    /** This bucket credited with the refill due up to {@code now}, at its own rate. */
    Bucket refill(long now) {
      long capacity = capacity();
      if (units >= capacity) {
        return new Bucket(limit, capacity, now, allowed);
      }
      long elapsedMicros = (now - stamp) / NANOS_PER_MICRO;
      if (elapsedMicros <= 0) {
        return this;
      }
      // Any bucket refills from empty in 60 s (UNITS_PER_TOKEN microseconds), which also bounds the product.
      if (elapsedMicros >= UNITS_PER_TOKEN) {
        return new Bucket(limit, capacity, now, allowed);
      }
      long refilled = Math.min(capacity, units + elapsedMicros * limit);
      // The stamp advances by whole microseconds only, so sub-microsecond remainders are not lost.
      long newStamp = refilled == capacity ? now : stamp + elapsedMicros * NANOS_PER_MICRO;
      return new Bucket(limit, refilled, newStamp, allowed);
    }

    boolean isFullAt(long now) {
      long capacity = capacity();
      if (units >= capacity) {
        return true;
      }
      long elapsedMicros = (now - stamp) / NANOS_PER_MICRO;
      return elapsedMicros >= UNITS_PER_TOKEN || (elapsedMicros > 0 && units + elapsedMicros * limit >= capacity);
    }

    Decision decision() {
      long perSecond = limit * MICROS_PER_SECOND;
      int remaining = (int) (units / UNITS_PER_TOKEN);
      long reset = ceilDiv(capacity() - units, perSecond);
      long retryAfter = allowed ? 0 : Math.max(1, ceilDiv(UNITS_PER_TOKEN - units, perSecond));
      return new Decision(allowed, limit, remaining, reset, retryAfter);
    }

    private static long ceilDiv(long x, long y) {
      return x <= 0 ? 0 : (x + y - 1) / y;
    }
  }

  /**
   * The outcome of one {@link #tryAcquire}. For an unlimited client {@code limit} is 0, the request is
   * allowed and {@link #headers()} is empty.
   *
   * @param allowed whether the request may proceed
   * @param limit the client's requests per minute, 0 when unlimited
   * @param remaining whole tokens left after this request
   * @param resetSeconds whole seconds, rounded up, until the bucket is full again
   * @param retryAfterSeconds seconds, rounded up and at least 1, until a token is available; 0 when allowed
   */
  public record Decision(boolean allowed, int limit, int remaining, long resetSeconds, long retryAfterSeconds) {

    static final Decision UNLIMITED = new Decision(true, 0, 0, 0, 0);

    /** Whether the client is rate limited at all; false for unlimited clients. */
    public boolean limited() {
      return limit > 0;
    }

    /**
     * The response headers: {@code RateLimit-Limit}, {@code RateLimit-Remaining}, {@code RateLimit-Reset}, the
     * same three as {@code X-RateLimit-*}, and {@code Retry-After} when refused. Empty when unlimited.
     */
    public Map<String, String> headers() {
      if (!limited()) {
        return Map.of();
      }
      Map<String, String> h = new LinkedHashMap<>();
      h.put("RateLimit-Limit", Integer.toString(limit));
      h.put("RateLimit-Remaining", Integer.toString(remaining));
      h.put("RateLimit-Reset", Long.toString(resetSeconds));
      h.put("X-RateLimit-Limit", Integer.toString(limit));
      h.put("X-RateLimit-Remaining", Integer.toString(remaining));
      h.put("X-RateLimit-Reset", Long.toString(resetSeconds));
      if (!allowed) {
        h.put("Retry-After", Long.toString(retryAfterSeconds));
      }
      return Collections.unmodifiableMap(h);
    }

    /** The 429 problem detail. */
    public String detail() {
      return "Rate limit exceeded. Retry after " + retryAfterSeconds + " seconds.";
    }
  }
}
