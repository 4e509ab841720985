package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The per-client token bucket (spec §7), driven by a fake nanosecond clock. */
@DisplayName("Rate limiter")
class RateLimiterTest {

  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  final AtomicLong clock = new AtomicLong(123_456_789L);
  final RateLimiter limiter = new RateLimiter(clock::get);

  void advance(long nanos) {
    clock.addAndGet(nanos);
  }

  int drain(String client, int limit) {
    return drain(limiter, client, limit);
  }

  static int drain(RateLimiter on, String client, int limit) {
    int admitted = 0;
    while (on.tryAcquire(client, limit).allowed()) {
      admitted++;
    }
    return admitted;
  }

  @Test
  @DisplayName("a null or non-positive limit is unlimited: always allowed and without headers")
  void unlimited() {
    for (int i = 0; i < 10_000; i++) {
      RateLimiter.Decision nullLimit = limiter.tryAcquire("free", null);
      RateLimiter.Decision zeroLimit = limiter.tryAcquire("free", 0);
      RateLimiter.Decision negativeLimit = limiter.tryAcquire("free", -5);
      for (RateLimiter.Decision d : List.of(nullLimit, zeroLimit, negativeLimit)) {
        assertThat(d.allowed()).isTrue();
        assertThat(d.limited()).isFalse();
        assertThat(d.headers()).isEmpty();
      }
    }
    assertThat(limiter.size()).isZero();
  }

  @Test
  @DisplayName("a limit of 60 per minute admits a burst of 60, then refuses with Retry-After 1 and the exact detail")
  void burstThenRefuse() {
    for (int i = 0; i < 60; i++) {
      assertThat(limiter.tryAcquire("c", 60).allowed()).as("request %d", i + 1).isTrue();
    }
    RateLimiter.Decision refused = limiter.tryAcquire("c", 60);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.limited()).isTrue();
    assertThat(refused.remaining()).isZero();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    assertThat(refused.resetSeconds()).isEqualTo(60);
    assertThat(refused.headers()).containsEntry("Retry-After", "1");
    assertThat(refused.detail()).isEqualTo("Rate limit exceeded. Retry after 1 seconds.");
  }

  @Test
  @DisplayName("tokens refill over time: one more request after 1 s, a full burst again after 60 s")
  void refill() {
    clock.set(Long.MAX_VALUE - 5 * SECOND);
    assertThat(drain("c", 60)).isEqualTo(60);

    advance(SECOND - 1);
    assertThat(limiter.tryAcquire("c", 60).allowed()).as("just before one second").isFalse();
    advance(1);
    RateLimiter.Decision oneMore = limiter.tryAcquire("c", 60);
    assertThat(oneMore.allowed()).isTrue();
    assertThat(oneMore.remaining()).isZero();
    assertThat(limiter.tryAcquire("c", 60).allowed()).isFalse();

    // The clock wraps past Long.MAX_VALUE here, as System.nanoTime may.
    advance(60 * SECOND);
    RateLimiter.Decision afterMinute = limiter.tryAcquire("c", 60);
    assertThat(afterMinute.allowed()).isTrue();
    assertThat(afterMinute.remaining()).isEqualTo(59);
    assertThat(afterMinute.resetSeconds()).as("only the token just spent is missing").isEqualTo(1);
    assertThat(drain("c", 60)).isEqualTo(59);
  }

  @Test
  @DisplayName("a bucket that is full again is evictable without changing the next decision")
  void fullBucketIsEvictable() {
    RateLimiter small = new RateLimiter(clock::get, 1);
    assertThat(small.tryAcquire("a", 60).resetSeconds()).isEqualTo(1);
    advance(60 * SECOND);
    // Admitting "b" overflows the bound of 1: "a" is full again, so the sweep may drop it without effect.
    small.tryAcquire("b", 60);
    assertThat(small.size()).isEqualTo(1);
    RateLimiter.Decision a = small.tryAcquire("a", 60);
    assertThat(a.remaining()).isEqualTo(59);
    assertThat(a.resetSeconds()).isEqualTo(1);
  }

  @Test
  @DisplayName("remaining counts down with each request and the reset time grows")
  void remainingCountsDown() {
    for (int expected = 59; expected >= 0; expected--) {
      RateLimiter.Decision d = limiter.tryAcquire("c", 60);
      assertThat(d.allowed()).isTrue();
      assertThat(d.remaining()).isEqualTo(expected);
      assertThat(d.resetSeconds()).isEqualTo(60 - expected);
    }
    assertThat(limiter.tryAcquire("c", 60).remaining()).isZero();

    RateLimiter.Decision first = limiter.tryAcquire("fast", 600);
    assertThat(first.remaining()).isEqualTo(599);
    assertThat(first.resetSeconds()).as("0.1 s, rounded up").isEqualTo(1);
  }

  @Test
  @DisplayName("headers carry the exact names and values, in order, with Retry-After only when refused")
  void headers() {
    assertThat(limiter.tryAcquire("c", 2).headers()).containsExactly(
        entry("RateLimit-Limit", "2"),
        entry("RateLimit-Remaining", "1"),
        entry("RateLimit-Reset", "30"),
        entry("X-RateLimit-Limit", "2"),
        entry("X-RateLimit-Remaining", "1"),
        entry("X-RateLimit-Reset", "30"));
    limiter.tryAcquire("c", 2);
    advance(SECOND / 2);
    RateLimiter.Decision refused = limiter.tryAcquire("c", 2);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.headers()).containsExactly(
        entry("RateLimit-Limit", "2"),
        entry("RateLimit-Remaining", "0"),
        entry("RateLimit-Reset", "60"),
        entry("X-RateLimit-Limit", "2"),
        entry("X-RateLimit-Remaining", "0"),
        entry("X-RateLimit-Reset", "60"),
        entry("Retry-After", "30"));
    assertThat(refused.detail()).isEqualTo("Rate limit exceeded. Retry after 30 seconds.");
  }

  @Test
  @DisplayName("separate clients have separate buckets")
  void separateClients() {
    assertThat(drain("alice", 3)).isEqualTo(3);
    RateLimiter.Decision bob = limiter.tryAcquire("bob", 3);
    assertThat(bob.allowed()).isTrue();
    assertThat(bob.remaining()).isEqualTo(2);
    assertThat(limiter.tryAcquire("alice", 3).allowed()).isFalse();
    assertThat(drain("bob", 3)).isEqualTo(2);
  }

  @Test
  @DisplayName("a changed limit is adopted, clamping the current tokens to the new capacity")
  void changedLimit() {
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("c", 60);
    }
    RateLimiter.Decision lowered = limiter.tryAcquire("c", 20);
    assertThat(lowered.limit()).isEqualTo(20);
    assertThat(lowered.remaining()).as("50 tokens clamped to 20, one spent").isEqualTo(19);
    assertThat(lowered.headers()).containsEntry("RateLimit-Limit", "20");

    RateLimiter.Decision raised = limiter.tryAcquire("c", 100);
    assertThat(raised.limit()).isEqualTo(100);
    assertThat(raised.remaining()).as("tokens are kept, not topped up").isEqualTo(18);
    assertThat(raised.resetSeconds()).as("82 tokens at 100/60 per second").isEqualTo(50);
    assertThat(drain("c", 100)).isEqualTo(18);

    RateLimiter.Decision unlimited = limiter.tryAcquire("c", null);
    assertThat(unlimited.allowed()).isTrue();
    assertThat(unlimited.headers()).isEmpty();
    assertThat(limiter.tryAcquire("c", 100).remaining()).as("a limit set again starts from a full bucket")
        .isEqualTo(99);
  }

  @Test
  @DisplayName("8 threads making 1000 attempts each on a limit of 100 per minute are admitted exactly 100 times")
  void concurrentAcquisition() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger admitted = new AtomicInteger();
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        tasks.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 1000; i++) {
            if (limiter.tryAcquire("shared", 100).allowed()) {
              admitted.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> task : tasks) {
        task.get(30, TimeUnit.SECONDS);
      }
      assertThat(admitted.get()).isEqualTo(100);
      assertThat(limiter.tryAcquire("shared", 100).remaining()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("eviction keeps the map bounded, dropping full buckets before active ones")
  void evictionBoundsTheMap() {
    RateLimiter bounded = new RateLimiter(clock::get, 100);
    for (int i = 0; i < 60; i++) {
      bounded.tryAcquire("idle-" + i, 60);
    }
    advance(10 * SECOND);
    assertThat(drain(bounded, "hot", 60)).isEqualTo(60);
    for (int i = 0; i < 40; i++) {
      bounded.tryAcquire("new-" + i, 60);
    }
    assertThat(bounded.size()).as("the 60 idle, full buckets were dropped").isEqualTo(41);
    assertThat(bounded.tryAcquire("hot", 60).allowed()).as("the active bucket survived").isFalse();

    for (int i = 0; i < 10_000; i++) {
      bounded.tryAcquire("burst-" + i, 60);
      assertThat(bounded.size()).isLessThanOrEqualTo(100);
    }

    RateLimiter defaults = new RateLimiter(clock::get);
    for (int i = 0; i < 250_000; i++) {
      defaults.tryAcquire("client-" + i, 60);
      if (i % 1000 == 0) {
        advance(SECOND);
      }
    }
    assertThat(defaults.size()).isLessThanOrEqualTo(RateLimiter.MAX_ENTRIES);
  }
}
