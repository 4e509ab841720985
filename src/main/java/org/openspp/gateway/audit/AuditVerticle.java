package org.openspp.gateway.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.AuditRecord;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.logging.RequestLogContext;
import org.openspp.gateway.tracing.StatementSpans;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit writer. Consumes {@link AuditRecord}s on {@link Addresses#AUDIT} from every aggregator (answered
 * exports) and every HTTP verticle (requests refused after the client was known) and commits them by group commit: while fewer commits than pool connections are running a record is written at once;
 * records that arrive while all connections commit wait and go together in the next commit (one statement,
 * one round trip, whatever the batch size). Each message is answered only after its rows are committed, or failed with
 * {@link Failure#AUDIT_UNAVAILABLE} so that nothing is exported unaudited. Owns its pool to the audit store.
 *
 * <p>Meters: {@code gateway.audit.commit} (timer, per group commit), {@code gateway.audit.failures}
 * (records that could not be committed), {@code gateway.audit.batch} (requests per commit). Each commit is traced
 * as {@code audit commit} ({@link StatementSpans}): the child of the first record's trace, linked from the others'.
 */
public final class AuditVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AuditVerticle.class);


  private final String url;
  private final GatewayConfig.Audit config;
  private final MeterRegistry meters;
  private final StatementSpans spans;
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int committing;
  private Pool pool;
  private Timer commitTimer;
  private Counter failures;
  private DistributionSummary batchSize;

  public AuditVerticle(String url, GatewayConfig.Audit config, MeterRegistry meters) {
    this(url, config, meters, StatementSpans.OFF);
  }

  public AuditVerticle(String url, GatewayConfig.Audit config, MeterRegistry meters, StatementSpans spans) {
    this.spans = spans;
    this.url = url;
    this.config = config;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    // waits for a connection (and TCP connects) end at the audit deadline: a caller stops waiting for its commit
    // then, and a silent audit store must not hold a commit slot for the pool's 30-second default meanwhile
    pool = PgPools.create(vertx, url, config.poolSize(), 1024, config.statementTimeoutMs(), config.timeoutMs(),
        "audit-db");
    commitTimer = Timer.builder("gateway.audit.commit").description("Audit group commit latency")
        .publishPercentileHistogram().register(meters);
    failures = Counter.builder("gateway.audit.failures").description("Audit records that could not be committed")
        .register(meters);
    batchSize = DistributionSummary.builder("gateway.audit.batch").description("Audited requests per audit commit")
        .register(meters);
    return vertx.eventBus().<AuditRecord>localConsumer(Addresses.AUDIT, this::onRecord).completion();
  }

  /** Commits everything still waiting before the pool closes. */
  @Override
  public Future<?> stop() {
    Promise<Void> flushed = Promise.promise();
    awaitFlush(flushed, System.currentTimeMillis() + 2 * config.timeoutMs());
    return flushed.future().eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  private void awaitFlush(Promise<Void> flushed, long deadline) {
    if ((waiting.isEmpty() && committing == 0) || System.currentTimeMillis() > deadline) {
      if (!waiting.isEmpty() || committing > 0) {
        log.error("audit writer stopped with {} records uncommitted", waiting.size());
      }
      flushed.tryComplete();
      return;
    }
    commitWaiting();
    vertx.setTimer(10, t -> awaitFlush(flushed, deadline));
  }

  private void onRecord(Message<AuditRecord> msg) {
    RequestLogContext.bind(msg);
    waiting.add(new Pending(msg, spans.current()));
    commitWaiting();
  }

  private void commitWaiting() {
    while (committing < config.poolSize() && !waiting.isEmpty()) {
      List<Message<AuditRecord>> batch = new ArrayList<>(Math.min(waiting.size(), config.maxBatchRequests()));
      List<Context> traces = new ArrayList<>(batch.size());
      while (!waiting.isEmpty() && batch.size() < config.maxBatchRequests()) {
        Pending next = waiting.poll();
        batch.add(next.msg());
        traces.add(next.trace());
      }
      committing++;
      long started = System.nanoTime();
      write(batch, traces).onComplete(ar -> {
        if (ar.succeeded()) {
          commitTimer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
          batchSize.record(batch.size());
          batch.forEach(m -> m.reply(null));
          committing--;
          commitWaiting();
        } else if (batch.size() > 1 && isDataException(ar.cause())) {
          // one request's data (text PostgreSQL cannot store) must not fail the others: commit one by one
          List<Future<Void>> alone = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            alone.add(commitAlone(batch.get(i), traces.get(i)));
          }
          Future.join(alone).onComplete(v -> {
            committing--;
            commitWaiting();
          });
        } else {
          fail(batch, ar.cause());
          committing--;
          commitWaiting();
        }
      });
    }
  }

  private Future<Void> commitAlone(Message<AuditRecord> msg, Context trace) {
    return write(List.of(msg), List.of(trace))
        .onSuccess(v -> msg.reply(null))
        .onFailure(err -> fail(List.of(msg), err));
  }

  private void fail(List<Message<AuditRecord>> batch, Throwable cause) {
    failures.increment(batch.size());
    log.error("audit commit of {} requests failed: {}", batch.size(), cause.toString());
    batch.forEach(m -> m.fail(Failure.AUDIT_UNAVAILABLE.code(), "audit store unavailable"));
  }

  private static boolean isDataException(Throwable err) {
    return err instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null
        && pg.getSqlState().startsWith("22");
  }

  /**
   * PostgreSQL text cannot hold NUL or an unpaired surrogate: a client-supplied string with one would fail the
   * commit. Such characters are recorded as their six-character Java escape (backslash, u, four hex digits).
   */
  static String text(String s) {
    if (s == null || ParsedIdentifier.storable(s)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        out.append(c).append(s.charAt(++i));
      } else if (c == 0 || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** One group commit: a single INSERT statement (autocommit) traced as {@code audit commit}. */
  private Future<Void> write(List<Message<AuditRecord>> batch, List<Context> traces) {
    int n = batch.size();
    UUID[] ids = new UUID[n];
    String[] requestIds = new String[n];
    String[] clients = new String[n];
    String[] bases = new String[n];
    String[] types = new String[n];
    Integer[] totals = new Integer[n];
    Integer[] successes = new Integer[n];
    Integer[] failed = new Integer[n];
    java.time.OffsetDateTime[] times = new java.time.OffsetDateTime[n];
    String[] addresses = new String[n];
    String[] agents = new String[n];
    Integer[] statuses = new Integer[n];
    String[] reasons = new String[n];
    int items = 0;
    for (int i = 0; i < n; i++) {
      AuditRecord r = batch.get(i).body();
      ids[i] = r.id();
      requestIds[i] = r.requestId();
      clients[i] = r.clientId();
      bases[i] = r.legalBasis();
      types[i] = r.resourceType();
      totals[i] = r.total();
      successes[i] = r.successful();
      failed[i] = r.failed();
      times[i] = r.requestedAt().atOffset(ZoneOffset.UTC);
      addresses[i] = r.remoteAddress();
      agents[i] = text(r.userAgent());
      statuses[i] = r.httpStatus();
      reasons[i] = r.reason();
      items += r.items().size();
    }
    UUID[] itemRequest = new UUID[items];
    Integer[] positions = new Integer[items];
    String[] identifiers = new String[items];
    String[] itemStatuses = new String[items];
    Long[] registrants = new Long[items];
    Long[] consents = new Long[items];
    String[] purposes = new String[items];
    String[] fields = new String[items];
    String[] consentRefs = new String[items];
    String[] holders = new String[items];
    int k = 0;
    for (Message<AuditRecord> m : batch) {
      for (AuditRecord.Item item : m.body().items()) {
        itemRequest[k] = m.body().id();
        positions[k] = item.position();
        identifiers[k] = text(item.identifier());
        itemStatuses[k] = item.status();
        registrants[k] = item.registrantId();
        consents[k] = item.consentId();
        purposes[k] = item.purpose();
        fields[k] = item.fields() == null ? null : String.join(",", item.fields());
        consentRefs[k] = text(item.consentRef());
        holders[k] = item.holderIds() == null ? null
            : item.holderIds().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        k++;
      }
    }
    Tuple params = Tuple.of(ids, requestIds, clients, bases, types, totals, successes, failed, times, addresses)
        .addValue(agents)
        .addValue(itemRequest).addValue(positions).addValue(identifiers).addValue(itemStatuses).addValue(registrants)
        .addValue(consents).addValue(purposes).addValue(fields).addValue(consentRefs)
        .addValue(statuses).addValue(reasons).addValue(holders);
    return spans.run("audit commit", "INSERT", traces,
        () -> pool.preparedQuery(AuditQueries.INSERT_BATCH).execute(params).mapEmpty());
  }

  /** A record waiting for its commit, with the trace context it arrived in. */
  private record Pending(Message<AuditRecord> msg, Context trace) {
  }
}
