package org.openspp.gateway.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.db.RegistryFile.Client;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads registry NDJSON (operations spec §3) into the registry database, all or nothing per file.
 *
 * <p>A load first parses and validates every line and hashes plain client secrets, on a worker thread and
 * without touching the database; the first invalid line fails the load with a {@link LoadException}. It then
 * writes the whole file in one transaction:
 * <ul>
 *   <li>with {@code replace}, registrants (with identifiers and memberships), consents and API clients are
 *       deleted first; {@code schema_version} and the audit tables are kept. Rows are deleted rather than
 *       truncated so concurrent readers keep seeing the previous registry until the load commits;</li>
 *   <li>registrants with a {@code ref} replace the registrant with that ref (same id, {@code version_id}
 *       incremented, identifiers and memberships replaced); registrants without one are inserted;</li>
 *   <li>group members and consent subjects are then resolved against the live identifiers of registrants of
 *       the referenced kind; a reference matching no registrant or several fails the load with a
 *       {@link LoadException} carrying the referencing line;</li>
 *   <li>API clients are upserted by {@code clientId}; consents are upserted by {@code ref} (scope rows
 *       replaced) or inserted.</li>
 * </ul>
 * Any failure rolls the transaction back, so nothing from the file is written. After the commit the registry
 * tables are vacuumed and analysed ({@code VACUUM (ANALYZE)}), so that exports right after a load are planned on real
 * statistics and read pages without dead rows.
 *
 * <p>Rows are written in chunks with array parameters, not one statement per record, so large files load in
 * few round trips. The whole input is held in memory.
 */
public final class RegistryLoader {

  private static final Logger log = LoggerFactory.getLogger(RegistryLoader.class);

  private final Vertx vertx;
  private final Pool pool;

  /**
   * @param vertx runs the validation and secret hashing off the event loop
   * @param pool  the registry database
   */
  public RegistryLoader(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /**
   * Loads one file.
   *
   * @param sourceName names the input in errors and logs, typically the file name
   * @param lines      the file's lines, without line terminators; blank lines are skipped
   * @param replace    empty the registry tables first, in the same transaction
   * @return the record counts of the file; fails with {@link LoadException} on invalid input, or with the
   *     database error
   */
  public Future<LoadReport> load(String sourceName, List<String> lines, boolean replace) {
    long started = System.nanoTime();
    return vertx.executeBlocking(() -> hashSecrets(RegistryFileParser.parse(sourceName, lines)), false)
        .compose(file -> pool
            .withTransaction(conn -> new RegistryWriter(conn, sourceName, file).write(replace))
            .map(done -> file.report()))
        // once committed: statistics of what was just written and no dead rows, so the first export after a load
        // is planned right and reads clean pages
        .compose(report -> pool.query(LoadQueries.vacuumAnalyze()).execute().map(report))
        .onSuccess(report -> log.info("Loaded {}{}: {} individuals, {} groups, {} clients, {} consents in {} ms",
            sourceName, replace ? " (replacing the registry)" : "", report.individuals(), report.groups(),
            report.clients(), report.consents(), (System.nanoTime() - started) / 1_000_000));
  }

  /**
   * The registry tables that hold rows but were never analysed, by name: a registry loaded by other means
   * (a restore, a bulk copy) is planned as if empty until autovacuum gets to it. Empty when all is well.
   */
  public static Future<List<String>> neverAnalysed(Pool pool) {
    return pool.preparedQuery(LoadQueries.NEVER_ANALYSED)
        .execute(io.vertx.sqlclient.Tuple.of(LoadQueries.REGISTRY_TABLES.toArray(new String[0])))
        .map(rows -> {
          List<String> names = new ArrayList<>();
          rows.forEach(row -> names.add(row.getString(0)));
          return names;
        });
  }

  private static RegistryFile hashSecrets(RegistryFile file) {
    List<Client> clients = new ArrayList<>(file.clients().size());
    for (Client client : file.clients()) {
      String secret = client.secret();
      clients.add(secret == null || SecretHasher.isHashed(secret) ? client : client.withSecret(SecretHasher.hash(secret)));
    }
    return file.withClients(clients);
  }
}
