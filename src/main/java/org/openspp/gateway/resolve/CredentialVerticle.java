package org.openspp.gateway.resolve;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.LocalCodec;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.metrics.BreakerStates;

/**
 * Answers credential lookups for the token endpoint from the client registry in the main database (SQL from the
 * registry kind's {@link RegistrySource}). Consumes a {@code String} client id on {@link #ADDRESS}; replies with
 * the client's {@link Credentials} (stored secret hash, active flag, scopes), or fails with
 * {@link Failure#NOT_FOUND}. It never verifies a secret itself: the
 * caller does, off the event loop. Owns a small pool ({@code credentials-db}) and a breaker reported under
 * {@code clients-db}, the registry it reads.
 */
public final class CredentialVerticle extends VerticleBase {

  /** {@code String} client id in, {@link Credentials} out (or failure {@link Failure#NOT_FOUND}). */
  public static final String ADDRESS = "gateway.clients.credentials";

  private static final int POOL_SIZE = 2;

  private final RegistrySource source;
  private final String url;
  private final GatewayConfig.Registry limits;
  private final BreakerStates breakerStates;
  private Pool pool;
  private RegistryBreaker breaker;

  /**
   * A client's stored credentials. {@code secretHash} is the stored value, normally {@code $scrypt$<salt>$<hash>},
   * or {@code null} when the client has no secret; {@code scopes} keeps the registry's order. {@link #toString()}
   * never shows the hash.
   */
  public record Credentials(String clientId, String secretHash, boolean active, List<String> scopes) {

    public Credentials {
      scopes = List.copyOf(scopes);
    }

    @Override
    public String toString() {
      return "Credentials[clientId=" + clientId + ", active=" + active + ", scopes=" + scopes + "]";
    }
  }

  /** @param limits statement timeout, wait queue and breaker settings (those of the Individual registry) */
  public CredentialVerticle(RegistrySource source, String url, GatewayConfig.Registry limits,
      BreakerStates breakerStates) {
    this.source = source;
    this.url = url;
    this.limits = limits;
    this.breakerStates = breakerStates;
  }

  @Override
  public Future<?> start() {
    registerCodec(vertx.eventBus());
    pool = PgPools.create(vertx, url, POOL_SIZE, limits.maxWaitQueue(), limits.statementTimeoutMs(),
        limits.breaker().timeoutMs(), "credentials-db", source.sessionSettings());
    breaker = new RegistryBreaker(vertx, "clients-db", limits.breaker(), breakerStates);
    return vertx.eventBus().<String>localConsumer(ADDRESS, this::onLookup).completion();
  }

  @Override
  public Future<?> stop() {
    if (breaker != null) {
      breaker.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private static void registerCodec(EventBus bus) {
    try {
      bus.registerDefaultCodec(Credentials.class, new LocalCodec<>(Credentials.class));
    } catch (IllegalStateException alreadyRegistered) {
      // another deployment in this Vert.x instance registered it
    }
  }

  private void onLookup(Message<String> msg) {
    breaker.<Credentials>execute(() -> pool.preparedQuery(source.credentialsStatement())
            .execute(Tuple.of(msg.body()))
            .map(rows -> {
              for (Row row : rows) {
                return source.toCredentials(row);
              }
              return null;
            }))
        .onSuccess(credentials -> {
          if (credentials == null) {
            msg.fail(Failure.NOT_FOUND.code(), "client not found");
          } else {
            msg.reply(credentials);
          }
        })
        .onFailure(err -> breaker.fail(msg, err, "-"));
  }

}
