package org.openspp.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.AuditRecord;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.TestRegistry;

/**
 * Issue 14: the audit writer's wait for a connection is bounded by the audit deadline ({@code audit.timeoutMs}).
 * The audit store is a real PostgreSQL behind a {@link FaultProxy}; once it goes silent (connections reset, new
 * connections accepted but never answered) a commit must fail with {@link Failure#AUDIT_UNAVAILABLE} within
 * about the deadline, not after the pool's 30-second default connection timeout.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuditPoolTimeoutTest {

  /** The audit deadline of this test: 1 s (statement timeout 500 ms, pool of one connection). */
  private static final GatewayConfig.Audit AUDIT = new GatewayConfig.Audit(null, 1, 64, 500, 1000);

  private Vertx vertx;
  private FaultProxy proxy;
  private String dbUrl;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Codecs.register(vertx.eventBus());
    dbUrl = TestRegistry.migratedDatabaseUrl(vertx);
    proxy = FaultProxy.forUrl(dbUrl);
    vertx.deployVerticle(new AuditVerticle(proxy.url(dbUrl), AUDIT, new SimpleMeterRegistry()))
        .await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a commit that cannot get a connection from a silent audit store fails within about the audit deadline")
  void commitFailsWithinTheAuditDeadline() throws Exception {
    // the writer works through the proxy
    assertThat(commit("audit-pool-ok").await(20, TimeUnit.SECONDS)).isNull();

    // the store goes silent: its connection is reset and new ones are accepted but never answered
    proxy.blackhole();
    proxy.resetAll();
    // the first commit may still find the dead connection and fail at once; the next one certainly needs a new
    // connection. Each must be answered by the writer itself within about the audit deadline.
    for (String requestId : List.of("audit-pool-silent-1", "audit-pool-silent-2")) {
      long started = System.nanoTime();
      Throwable failure = awaitFailure(commit(requestId));
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(failure).as("%s: the writer's own answer, not the caller giving up", requestId)
          .isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) failure).failureCode()).as("%s after %d ms: %s", requestId, elapsedMs, failure)
          .isEqualTo(Failure.AUDIT_UNAVAILABLE.code());
      assertThat(elapsedMs).as("%s failed after %d ms (audit deadline %d ms)", requestId, elapsedMs, AUDIT.timeoutMs())
          .isLessThan(3 * AUDIT.timeoutMs());
    }

    // and it recovers once the store answers again. The proxy dropped the stalled connection's start-up message
    // for good (a real network would retransmit it), so that connection is reset too; the writer may fail one
    // more commit on it before it connects anew
    proxy.pass();
    proxy.resetAll();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Throwable last = null;
    boolean committed = false;
    while (!committed && System.nanoTime() < deadline) {
      try {
        commit("audit-pool-back").await(20, TimeUnit.SECONDS);
        committed = true;
      } catch (java.util.concurrent.TimeoutException e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
    }
    assertThat(committed).as("a commit succeeds again (last failure: %s)", last).isTrue();
  }

  /** Sends one record to the audit writer; the caller waits up to 15 s (far past the 1 s audit deadline). */
  private Future<Object> commit(String requestId) {
    AuditRecord record = new AuditRecord(UUID.randomUUID(), requestId, "legal-client", "public_task",
        "Individual", 1, 0, 1, Instant.now(), "127.0.0.1", "audit-pool-test",
        List.of(new AuditRecord.Item(0, "urn:test:nid|P-1", "not_found", null, null, null, null)));
    return vertx.eventBus().request(Addresses.AUDIT, record, new DeliveryOptions().setSendTimeout(15_000))
        .map(m -> m.body());
  }

  private static Throwable awaitFailure(Future<Object> future) throws Exception {
    try {
      future.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw e;
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("the commit succeeded through a silent audit store");
  }
}
