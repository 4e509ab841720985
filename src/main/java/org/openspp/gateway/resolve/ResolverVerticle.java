package org.openspp.gateway.resolve;

import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ResolveRequest;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.logging.RequestLogContext;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.metrics.GatewayMeters;
import org.openspp.gateway.tracing.StatementSpans;

/**
 * Resolves identifiers of one resource type against its registry. Consumes {@link ResolveRequest} on
 * {@code gateway.resolve.<type>} and replies with a {@link ResolveResult}, or fails the message with a
 * {@link Failure} code. Owns its pool and the circuit breaker {@code <type>-db} around each registry statement.
 * The SQL and the reading of its rows come from the registry kind's {@link RegistrySource}; everything else here is
 * the same for every kind. Knows nothing about HTTP or the response format. Each statement is traced as
 * {@code resolve <type>} ({@link StatementSpans}), the child of the first request it answers.
 *
 * <p>Coalescing: at most {@code poolSize} statements run at once. A request that arrives while they all run
 * waits (at most {@code maxWaitQueue} requests, past it 503 at once; at most the breaker timeout, past it 504),
 * and each finishing statement takes the oldest waiting request together with every other waiting request that
 * can share its statement (same day, same consent parameters; up to {@value #MAX_KEYS_PER_STATEMENT} keys). One
 * statement then answers them all and each gets only the matches of its own keys. At low load every request
 * runs alone, with no added delay; under load PostgreSQL pays its per-statement costs (bind, executor start-up,
 * round trip, wake-up) once per batch instead of once per request.
 */
public final class ResolverVerticle extends VerticleBase {

  /** Keys one coalesced statement may carry (ten full 100-identifier requests). */
  static final int MAX_KEYS_PER_STATEMENT = 1000;

  private final ResourceType type;
  private final RegistrySource source;
  private final String url;
  private final GatewayConfig.Registry config;
  private final BreakerStates breakerStates;
  private final GatewayMeters meters;
  private final StatementSpans spans;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private int running;
  private Pool pool;
  private RegistryBreaker breaker;
  private MessageConsumer<ResolveRequest> consumer;
  private boolean leaving;

  public ResolverVerticle(ResourceType type, RegistrySource source, String url, GatewayConfig.Registry config,
      BreakerStates breakerStates, GatewayMeters meters) {
    this(type, source, url, config, breakerStates, meters, StatementSpans.OFF);
  }

  public ResolverVerticle(ResourceType type, RegistrySource source, String url, GatewayConfig.Registry config,
      BreakerStates breakerStates, GatewayMeters meters, StatementSpans spans) {
    this.spans = spans;
    this.type = type;
    this.source = source;
    this.url = url;
    this.config = config;
    this.breakerStates = breakerStates;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    String name = type.scopeName() + "-db";
    pool = PgPools.create(vertx, url, config.poolSize(), config.maxWaitQueue(), config.statementTimeoutMs(),
        config.breaker().timeoutMs(), name, source.sessionSettings());
    breaker = new RegistryBreaker(vertx, name, config.breaker(), breakerStates);
    // a cluster-wide consumer: on a clustered event bus every resolver process of this type shares the load
    consumer = vertx.eventBus().consumer(Addresses.resolve(type), this::onResolve);
    return consumer.completion();
  }

  /**
   * Leaves gracefully: unregisters from the event bus (on a clustered bus the other resolvers take over), refuses
   * with {@link Failure#RESOLVER_LEAVING} what is still delivered to it (the sender asks another resolver),
   * answers what it holds (bounded by the breaker timeout), then closes the pool.
   */
  @Override
  public Future<?> stop() {
    leaving = true;
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    long deadline = System.currentTimeMillis() + config.breaker().timeoutMs();
    return unregistered.recover(err -> Future.succeededFuture())
        .compose(v -> idle(deadline))
        .eventually(() -> {
          if (breaker != null) {
            breaker.close();
          }
          return pool == null ? Future.succeededFuture() : pool.close();
        });
  }

  private Future<Void> idle(long deadline) {
    if ((running == 0 && waiting.isEmpty()) || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(10).compose(t -> idle(deadline));
  }

  private void refuseLeaving(Message<ResolveRequest> msg) {
    msg.fail(Failure.REGISTRY_UNAVAILABLE.code(), Failure.RESOLVER_LEAVING);
  }

  private void onResolve(Message<ResolveRequest> msg) {
    RequestLogContext.bind(msg);
    if (leaving) {
      refuseLeaving(msg);
      return;
    }
    if (running >= config.poolSize() && waiting.size() >= config.maxWaitQueue()) {
      // local saturation: refused at once, and not counted against the registry by the breaker
      msg.fail(Failure.REGISTRY_UNAVAILABLE.code(), Failure.RETRY_AFTER_PREFIX + 1);
      return;
    }
    waiting.add(new Waiting(msg, System.nanoTime(), spans.current()));
    runWaiting();
  }

  /** Starts statements while connections are free, each for the oldest waiting request and its sharers. */
  private void runWaiting() {
    long expired = System.nanoTime() - config.breaker().timeoutMs() * 1_000_000L;
    while (running < config.poolSize() && !waiting.isEmpty()) {
      Waiting first = waiting.poll();
      if (first.since() - expired < 0) {
        first.msg().fail(Failure.REGISTRY_TIMEOUT.code(), Failure.REGISTRY_TIMEOUT.name());
        continue;
      }
      List<Message<ResolveRequest>> batch = new ArrayList<>();
      List<Context> traces = new ArrayList<>();
      batch.add(first.msg());
      traces.add(first.trace());
      Shared shared = Shared.of(first.msg().body());
      int keys = first.msg().body().systems().size();
      for (Iterator<Waiting> it = waiting.iterator(); it.hasNext() && keys < MAX_KEYS_PER_STATEMENT; ) {
        Waiting w = it.next();
        ResolveRequest other = w.msg().body();
        if (keys + other.systems().size() <= MAX_KEYS_PER_STATEMENT && shared.equals(Shared.of(other))) {
          it.remove();
          batch.add(w.msg());
          traces.add(w.trace());
          keys += other.systems().size();
        }
      }
      run(shared, batch, traces, keys);
    }
  }

  private void run(Shared shared, List<Message<ResolveRequest>> batch, List<Context> traces, int keys) {
    String[] systems = new String[keys];
    String[] values = new String[keys];
    int k = 0;
    for (Message<ResolveRequest> m : batch) {
      for (int i = 0; i < m.body().systems().size(); i++, k++) {
        systems[k] = m.body().systems().get(i);
        values[k] = m.body().values().get(i);
      }
    }
    Tuple params = source.resolveParameters(type, systems, values, shared.day(), shared.consentFiltered(),
        shared.organization(), shared.organizationType());
    running++;
    meters.resolverBatch(type.wireName(), batch.size());
    long started = System.nanoTime();
    spans.run("resolve " + type.wireName(), "SELECT", traces, () -> breaker.<ResolveResult>execute(
            () -> pool.preparedQuery(source.resolveStatement(type, shared.consentFiltered()))
                .execute(params)
                .map(rows -> {
                  meters.resolverLatency(type.wireName(), System.nanoTime() - started);
                  return source.toResult(type, rows, shared.day());
                })))
        .onComplete(ar -> {
          running--;
          if (ar.succeeded()) {
            reply(batch, ar.result());
          } else {
            batch.forEach(m -> breaker.fail(m, ar.cause(), m.body().requestId()));
          }
          runWaiting();
        });
  }

  /** Each request of a batch gets exactly the matches of its own keys, never another request's. */
  private static void reply(List<Message<ResolveRequest>> batch, ResolveResult result) {
    if (batch.size() == 1) {
      batch.get(0).reply(result);
      return;
    }
    Map<Key, List<ResolveResult.Match>> byKey = new HashMap<>();
    for (ResolveResult.Match match : result.matches()) {
      byKey.computeIfAbsent(new Key(match.system(), match.value()), x -> new ArrayList<>(1)).add(match);
    }
    for (Message<ResolveRequest> m : batch) {
      ResolveRequest req = m.body();
      List<ResolveResult.Match> own = new ArrayList<>();
      Set<Key> seen = new HashSet<>();
      for (int i = 0; i < req.systems().size(); i++) {
        Key key = new Key(req.systems().get(i), req.values().get(i));
        if (seen.add(key)) {
          own.addAll(byKey.getOrDefault(key, List.of()));
        }
      }
      m.reply(new ResolveResult(own));
    }
  }

  private record Waiting(Message<ResolveRequest> msg, long since, Context trace) {
  }

  private record Key(String system, String value) {
  }

  /**
   * What makes two requests share one statement: the statement's parameters other than the keys. Clients that
   * are not consent-filtered read no consents, so their organisation does not enter the statement.
   */
  record Shared(LocalDate day, boolean consentFiltered, String organization, String organizationType) {
    static Shared of(ResolveRequest req) {
      ClientRecord c = req.client();
      return c.consentFiltered()
          ? new Shared(req.today(), true, c.organization(), c.organizationType())
          : new Shared(req.today(), false, null, null);
    }
  }
}
