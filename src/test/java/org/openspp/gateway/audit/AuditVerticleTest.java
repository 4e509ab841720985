package org.openspp.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openspp.gateway.support.BusCalls.body;
import static org.openspp.gateway.support.BusCalls.recipientFailure;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.AuditRecord;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.TestRegistry;

/**
 * The audit writer on its own over the event bus: only {@link AuditVerticle} is deployed, on its own Vert.x, with
 * a fresh migrated audit store in a real PostgreSQL; {@link AuditRecord}s are sent with {@code request} and the
 * audit tables are read right after the reply. No aggregator, no HTTP.
 *
 * <p>The group-commit tests make the batches deterministic instead of hoping for timing: the Vert.x has one event
 * loop and the writer one connection; a test transaction holds a lock on {@code audit_request} so that the first
 * commit cannot finish; every record is sent from one task on that event loop and a second task on it marks that
 * they were all delivered; only then is the lock released.
 */
@DisplayName("Audit verticle over the event bus")
class AuditVerticleTest {

  static final String INSTANT = "2026-03-04T05:06:07Z";

  Vertx vertx;
  String url;
  SimpleMeterRegistry meters;
  Pool direct;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Codecs.register(vertx.eventBus());
    url = TestRegistry.migratedDatabaseUrl(vertx);
    meters = new SimpleMeterRegistry();
    direct = TestRegistry.pool(vertx, url);
  }

  @AfterEach
  void close() throws Exception {
    direct.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** One connection, up to 100 requests per commit, statements 5 s, 2 s per record. */
  void deploy(String storeUrl) throws Exception {
    vertx.deployVerticle(new AuditVerticle(storeUrl, new GatewayConfig.Audit(storeUrl, 1, 100, 5_000, 2_000), meters))
        .await(10, TimeUnit.SECONDS);
  }

  static AuditRecord export(String requestId, AuditRecord.Item... items) {
    return new AuditRecord(UUID.randomUUID(), requestId, "legal-client", "public_task", "Individual",
        items.length, items.length, 0, Instant.parse(INSTANT), "127.0.0.1", "test-agent", List.of(items));
  }

  Future<Message<Void>> send(AuditRecord record) {
    return vertx.eventBus().request(Addresses.AUDIT, record);
  }

  RowSet<Row> sql(String sql, Object... params) throws Exception {
    return direct.preparedQuery(sql).execute(Tuple.wrap(params)).await(10, TimeUnit.SECONDS);
  }

  long requestRows(UUID id) throws Exception {
    return sql("SELECT count(*) AS n FROM audit_request WHERE id = $1", id).iterator().next().getLong("n");
  }

  /**
   * Sends {@code records} while the first commit is held back by a lock on {@code audit_request}, so the first
   * record is committed alone and all the others wait and go together in the next commit.
   */
  List<Future<Message<Void>>> sendWhileFirstCommitIsHeld(List<AuditRecord> records) throws Exception {
    SqlConnection locker = direct.getConnection().await(10, TimeUnit.SECONDS);
    Transaction tx = locker.begin().await(10, TimeUnit.SECONDS);
    List<Future<Message<Void>>> replies = new ArrayList<>();
    try {
      locker.query("LOCK TABLE audit_request IN ACCESS EXCLUSIVE MODE").execute().await(10, TimeUnit.SECONDS);
      Promise<Void> sent = Promise.promise();
      vertx.runOnContext(v -> {
        records.forEach(r -> replies.add(send(r)));
        sent.complete();
      });
      sent.future().await(10, TimeUnit.SECONDS);
      // the one event loop runs its tasks in order: once this one has run, every record has been delivered
      Promise<Void> delivered = Promise.promise();
      vertx.runOnContext(v -> delivered.complete());
      delivered.future().await(10, TimeUnit.SECONDS);
      assertThat(replies).as("nothing can commit while the lock is held").noneMatch(Future::isComplete);
    } finally {
      tx.rollback().await(10, TimeUnit.SECONDS);
      locker.close().await(10, TimeUnit.SECONDS);
    }
    return replies;
  }

  @Test
  @DisplayName("a record is committed, request and items, before its reply")
  void recordIsCommittedBeforeItsReply() throws Exception {
    deploy(url);
    AuditRecord record = export("req-1",
        new AuditRecord.Item(0, "urn:test:nid|A-1", "success", 11L, null, null, List.of("name", "identifier")),
        new AuditRecord.Item(1, "urn:test:nid|NOPE", "not_found", null, null, null, null));

    body(send(record));

    Row row = sql("SELECT * FROM audit_request WHERE id = $1", record.id()).iterator().next();
    assertThat(row.getString("request_id")).isEqualTo("req-1");
    assertThat(row.getString("client_id")).isEqualTo("legal-client");
    assertThat(row.getInteger("total")).isEqualTo(2);
    assertThat(row.getInteger("http_status")).isEqualTo(200);
    assertThat(row.getString("reason")).isNull();
    assertThat(row.getString("user_agent")).isEqualTo("test-agent");
    List<String> items = new ArrayList<>();
    for (Row item : sql("SELECT position, identifier, status, registrant_id FROM audit_item "
        + "WHERE audit_request_id = $1 ORDER BY position", record.id())) {
      items.add(item.getInteger("position") + " " + item.getString("identifier") + " " + item.getString("status")
          + " " + item.getLong("registrant_id"));
    }
    assertThat(items).containsExactly("0 urn:test:nid|A-1 success 11", "1 urn:test:nid|NOPE not_found null");
  }

  @Test
  @DisplayName("records that arrive while a commit runs are committed together in one group commit")
  void concurrentRecordsShareOneGroupCommit() throws Exception {
    deploy(url);
    List<AuditRecord> records = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      records.add(export("group-" + i, new AuditRecord.Item(0, "urn:test:nid|A-1", "success", 11L, null, null,
          List.of("name"))));
    }

    List<Future<Message<Void>>> replies = sendWhileFirstCommitIsHeld(records);

    replies.forEach(r -> body(r));
    DistributionSummary batch = meters.get("gateway.audit.batch").summary();
    assertThat(batch.count()).as("commits").isEqualTo(2);
    assertThat(batch.totalAmount()).as("records committed").isEqualTo(21);
    assertThat(batch.max()).as("largest commit").isEqualTo(20);
    assertThat(sql("SELECT count(*) AS n FROM audit_request").iterator().next().getLong("n")).isEqualTo(21);
  }

  @Test
  @DisplayName("a record PostgreSQL cannot store fails alone: the other records of its batch are committed")
  void unstorableRecordDoesNotFailTheOthersInItsBatch() throws Exception {
    deploy(url);
    List<AuditRecord> records = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      // request ids are stored as given: a NUL in one makes PostgreSQL refuse the whole statement (SQLSTATE 22021)
      records.add(export(i == 5 ? "bad\u0000id" : "ok-" + i,
          new AuditRecord.Item(0, "urn:test:nid|A-1", "success", 11L, null, null, List.of("name"))));
    }

    List<Future<Message<Void>>> replies = sendWhileFirstCommitIsHeld(records);

    ReplyException failure = recipientFailure(replies.get(5));
    assertThat(failure.failureCode()).isEqualTo(Failure.AUDIT_UNAVAILABLE.code());
    for (int i = 0; i < records.size(); i++) {
      if (i != 5) {
        body(replies.get(i));
        assertThat(requestRows(records.get(i).id())).as("record " + i).isEqualTo(1);
      }
    }
    assertThat(requestRows(records.get(5).id())).isZero();
    assertThat(meters.get("gateway.audit.failures").counter().count()).isEqualTo(1);
  }

  @Test
  @DisplayName("a NUL in a client-supplied identifier or user agent is stored as its escape, not refused")
  void nulInIdentifierIsStoredEscaped() throws Exception {
    deploy(url);
    AuditRecord record = new AuditRecord(UUID.randomUUID(), "req-nul", "legal-client", "public_task", "Individual",
        1, 0, 1, Instant.parse(INSTANT), "127.0.0.1", "agent\u0000x",
        List.of(new AuditRecord.Item(0, "urn:test:nid|A\u0000B", "not_found", null, null, null, null)));

    body(send(record));

    assertThat(sql("SELECT identifier FROM audit_item WHERE audit_request_id = $1", record.id())
        .iterator().next().getString("identifier")).isEqualTo("urn:test:nid|A\\u0000B");
    assertThat(sql("SELECT user_agent FROM audit_request WHERE id = $1", record.id())
        .iterator().next().getString("user_agent")).isEqualTo("agent\\u0000x");
  }

  @Test
  @DisplayName("a refused request is written with its HTTP status, reason and refused items")
  void refusedRequestIsWrittenWithStatusReasonAndRefusedItems() throws Exception {
    deploy(url);
    AuditRecord record = new AuditRecord(UUID.randomUUID(), "req-429", "legal-client", "public_task", "Individual",
        2, 0, 2, Instant.parse(INSTANT), "127.0.0.1", "test-agent",
        List.of(AuditRecord.Item.refused(0, "urn:test:nid|A-1"), AuditRecord.Item.refused(1, "urn:test:nid|B-1")),
        429, "rate-limited");

    body(send(record));

    Row request = sql("SELECT http_status, reason FROM audit_request WHERE id = $1", record.id()).iterator().next();
    assertThat(request.getInteger("http_status")).isEqualTo(429);
    assertThat(request.getString("reason")).isEqualTo("rate-limited");
    List<String> items = new ArrayList<>();
    for (Row item : sql("SELECT identifier, status, registrant_id FROM audit_item WHERE audit_request_id = $1 "
        + "ORDER BY position", record.id())) {
      items.add(item.getString("identifier") + " " + item.getString("status") + " " + item.getLong("registrant_id"));
    }
    assertThat(items).containsExactly("urn:test:nid|A-1 refused null", "urn:test:nid|B-1 refused null");
  }

  @Test
  @DisplayName("an ambiguous item is written with every holder in holder_ids and no registrant")
  void ambiguousItemIsWrittenWithItsHolders() throws Exception {
    deploy(url);
    AuditRecord record = export("req-dup", new AuditRecord.Item(0, "urn:test:nid|DUP-1", "error", null, null, null,
        null, null, List.of(4L, 5L)));

    body(send(record));

    Row item = sql("SELECT registrant_id, holder_ids FROM audit_item WHERE audit_request_id = $1", record.id())
        .iterator().next();
    assertThat(item.getLong("registrant_id")).isNull();
    assertThat(Arrays.asList(item.getArrayOfLongs("holder_ids"))).containsExactly(4L, 5L);
  }

  @Test
  @DisplayName("audit store down: the record fails AUDIT_UNAVAILABLE")
  void storeDownFailsAuditUnavailable() throws Exception {
    try (FaultProxy proxy = FaultProxy.forUrl(url)) {
      proxy.refuse();
      deploy(proxy.url(url));
      AuditRecord record = export("req-down");

      ReplyException failure = recipientFailure(send(record));

      assertThat(failure.failureCode()).isEqualTo(Failure.AUDIT_UNAVAILABLE.code());
      assertThat(meters.get("gateway.audit.failures").counter().count()).isEqualTo(1);
    }
    assertThat(sql("SELECT count(*) AS n FROM audit_request").iterator().next().getLong("n")).isZero();
  }
}
