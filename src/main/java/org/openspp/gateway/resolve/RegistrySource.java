package org.openspp.gateway.resolve;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.Map;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.Credentials;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.GatewayRegistrySource;
import org.openspp.gateway.db.RegistrantRows;
import org.openspp.gateway.openspp.OpensppRegistrySource;

/**
 * The one seam between registry kinds ({@code registry.kind}): the SQL the resolvers and the client directory run
 * and the reading of its rows into the bus records ({@link ResolveResult}, {@link ClientRecord},
 * {@link Credentials}). Every kind's statements return the columns of the gateway schema's
 * under the same names, so the rows are read by one reader ({@link RegistrantRows}, the default methods); a kind
 * whose rows cannot be shaped so overrides them. Everything else — pools, breakers, coalescing, the aggregator, consent
 * rules, mapping, {@code _elements}, audit — is one code path for every kind. Implementations are stateless and
 * safe to share across event loops.
 *
 * <ul>
 *   <li>{@link GatewayRegistrySource}: the gateway's own schema ({@code db} package).</li>
 *   <li>{@link OpensppRegistrySource}: a live OpenSPP 2 database, read-only ({@code openspp} package).</li>
 * </ul>
 */
public interface RegistrySource {

  /** The source for the configured kind of the main database. */
  static RegistrySource of(GatewayConfig.Db db) {
    return switch (db.kind()) {
      case GATEWAY -> GatewayRegistrySource.INSTANCE;
      case OPENSPP -> new OpensppRegistrySource(db.language());
    };
  }

  /**
   * PostgreSQL run-time parameters set on every connection to this registry (e.g. read-only transactions for a
   * database the gateway must never write); empty for none.
   */
  Map<String, String> sessionSettings();

  /**
   * The resolver statement for {@code type}: one row per (requested key, matching registrant), columns read by
   * {@link #toResult}, with the client's candidate consents when it is consent-filtered. One statement answers a
   * whole request (or a coalesced batch of requests).
   */
  String resolveStatement(ResourceType type, boolean consentFiltered);

  /**
   * The parameters of {@link #resolveStatement}: the keys (pairwise arrays), the request's day (UTC) and, for a
   * consent-filtered client, its organisation and organisation type (else {@code null}s).
   */
  Tuple resolveParameters(ResourceType type, String[] systems, String[] values, LocalDate day,
      boolean consentFiltered, String organization, String organizationType);

  /**
   * Reads the rows of {@link #resolveStatement}; nothing of {@link Row} escapes. {@code day} is the request's day
   * (UTC), the one the statement was run for: links that carry membership dates are kept only if in force on it.
   */
  default ResolveResult toResult(ResourceType type, RowSet<Row> rows, LocalDate day) {
    return RegistrantRows.toResult(type, rows, day);
  }

  /** The client-directory statement: {@code $1} the client id; at most one row, read by {@link #toClient}. */
  String clientStatement();

  default ClientRecord toClient(Row row) {
    return RegistrantRows.toClient(row);
  }

  /** The token endpoint's statement: {@code $1} the client id; at most one row, read by {@link #toCredentials}. */
  String credentialsStatement();

  default Credentials toCredentials(Row row) {
    return RegistrantRows.toCredentials(row);
  }
}
