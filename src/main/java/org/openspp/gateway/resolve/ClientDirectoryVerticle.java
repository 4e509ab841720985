package org.openspp.gateway.resolve;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Function;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.Credentials;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.logging.RequestLogContext;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.tracing.StatementSpans;

/**
 * The client directory: answers every question about API clients from the client registry in the main database
 * (SQL and row reading from the registry kind's {@link RegistrySource}, so both kinds share this code).
 *
 * <p>Consumes, each with a {@code String} client id:
 * <ul>
 *   <li>{@link Addresses#CLIENT_LOOKUP}, from the export edge: replies with the {@link ClientRecord} (inactive
 *   clients too, as inactive: the caller decides);</li>
 *   <li>{@link Addresses#CREDENTIALS_LOOKUP}, from the token endpoint: replies with the {@link Credentials} (stored
 *   secret hash, active flag, scopes). It never verifies a secret itself: the caller does, off the event loop.</li>
 * </ul>
 * An unknown client fails either message with {@link Failure#NOT_FOUND}; a registry failure with the
 * {@link Failure} of {@link RegistryBreaker#fail} ({@code REGISTRY_UNAVAILABLE}, {@code REGISTRY_TIMEOUT}, with a
 * retry hint while the breaker is open). HTTP verticles cache client records briefly, so this sees a few queries
 * per client per cache period, plus one per token request.
 *
 * <p>Owns one pool ({@code clients-db}) and one circuit breaker ({@code clients-db}) to the client registry, for
 * both addresses: one registry, one view of its health. Each lookup is traced as {@code client lookup} or
 * {@code credentials lookup} ({@link StatementSpans}).
 */
public final class ClientDirectoryVerticle extends VerticleBase {

  /** The connections of the two former lookups' pools together (4 for client records, 2 for credentials). */
  private static final int POOL_SIZE = 6;

  private static final String NAME = "clients-db";

  private final RegistrySource source;
  private final String url;
  private final GatewayConfig.Registry limits;
  private final BreakerStates breakerStates;
  private final StatementSpans spans;
  private Pool pool;
  private RegistryBreaker breaker;

  /** @param limits statement timeout, wait queue and breaker settings (those of the Individual registry) */
  public ClientDirectoryVerticle(RegistrySource source, String url, GatewayConfig.Registry limits,
      BreakerStates breakerStates) {
    this(source, url, limits, breakerStates, StatementSpans.OFF);
  }

  public ClientDirectoryVerticle(RegistrySource source, String url, GatewayConfig.Registry limits,
      BreakerStates breakerStates, StatementSpans spans) {
    this.spans = spans;
    this.source = source;
    this.url = url;
    this.limits = limits;
    this.breakerStates = breakerStates;
  }

  @Override
  public Future<?> start() {
    Codecs.register(vertx.eventBus());
    pool = PgPools.create(vertx, url, POOL_SIZE, limits.maxWaitQueue(), limits.statementTimeoutMs(),
        limits.breaker().timeoutMs(), NAME, source.sessionSettings());
    breaker = new RegistryBreaker(vertx, NAME, limits.breaker(), breakerStates);
    return Future.all(
        vertx.eventBus().<String>localConsumer(Addresses.CLIENT_LOOKUP,
            msg -> lookup(msg, "client lookup", source.clientStatement(), source::toClient)).completion(),
        vertx.eventBus().<String>localConsumer(Addresses.CREDENTIALS_LOOKUP,
            msg -> lookup(msg, "credentials lookup", source.credentialsStatement(), source::toCredentials))
            .completion());
  }

  @Override
  public Future<?> stop() {
    if (breaker != null) {
      breaker.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /** Runs {@code statement} for the client id through the breaker; replies with its one row, read by {@code read}. */
  private <T> void lookup(Message<String> msg, String name, String statement, Function<Row, T> read) {
    RequestLogContext.bind(msg);
    spans.run(name, "SELECT", List.of(), () -> breaker.<T>execute(() -> pool.preparedQuery(statement)
            .execute(Tuple.of(msg.body()))
            .map(rows -> {
              for (Row row : rows) {
                return read.apply(row);
              }
              return null;
            })))
        .onSuccess(found -> {
          if (found == null) {
            msg.fail(Failure.NOT_FOUND.code(), "client not found");
          } else {
            msg.reply(found);
          }
        })
        .onFailure(err -> breaker.fail(msg, err, "-"));
  }
}
