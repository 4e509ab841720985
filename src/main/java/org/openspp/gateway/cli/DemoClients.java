package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.OwnerOnlyFile;
import org.openspp.gateway.db.PgPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded demo's API clients: their secrets, generated at random when the demo registry is first loaded (the
 * hashes in {@code demo/registry.ndjson} are of published example strings and never reach a demo database), and
 * which of them are active now, so that tokens are printed only for clients the operator left active. Also replaces
 * a demo client's secret that is still the published example string (data created by older versions, which loaded
 * those hashes): that secret was never the operator's choice and anyone could read it. Runs on the main thread.
 */
final class DemoClients {

  private static final Logger log = LoggerFactory.getLogger(DemoClients.class);

  /** The demo clients, in printing order, with what each one shows. */
  static final Map<String, String> DESCRIPTIONS = Map.of(
      "demo-programme", "legal basis public_task: sees every record",
      "demo-ngo", "legal basis consent: sees consented records only");
  static final List<String> IDS = List.of("demo-programme", "demo-ngo");

  private DemoClients() {
  }

  /** Demo registry lines whose API clients carry new random plain secrets (hashed by the loader), and those secrets. */
  record Fresh(List<String> lines, Map<String, String> secrets) {
  }

  static Fresh withRandomSecrets(List<String> lines) {
    List<String> out = new ArrayList<>(lines.size());
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.isBlank()) {
        out.add(line);
        continue;
      }
      JsonObject record = new JsonObject(line);
      if ("ApiClient".equals(record.getString("kind"))) {
        String secret = OwnerOnlyFile.randomSecret(24);
        secrets.put(record.getString("clientId"), secret);
        out.add(record.put("secret", secret).encode());
      } else {
        out.add(line);
      }
    }
    return new Fresh(out, secrets);
  }

  /**
   * Gives each demo client whose stored hash is of its published example secret ({@code <client id>-secret}) a new
   * random secret, leaving everything else (active or not, scopes) as it is. Returns the new secrets.
   *
   * @param url  a login that may update the client table
   * @param kind {@code gateway} ({@code api_client.secret_hash}) or {@code openspp}
   *             ({@code spp_api_client.client_secret_hash})
   */
  static Map<String, String> replacePublishedSecrets(Vertx vertx, String url, RegistryKind kind) {
    String table = kind == RegistryKind.OPENSPP ? "spp_api_client" : "api_client";
    String column = kind == RegistryKind.OPENSPP ? "client_secret_hash" : "secret_hash";
    Pool pool = PgPools.create(vertx, url, 1, 8, 0, "demo-secrets");
    try {
      Map<String, String> replaced = new LinkedHashMap<>();
      for (Row row : pool.preparedQuery("SELECT DISTINCT client_id, " + column + " FROM " + table
          + " WHERE client_id = ANY($1) AND " + column + " IS NOT NULL")
          .execute(Tuple.of(IDS.toArray(new String[0]))).await()) {
        String client = row.getString(0);
        String hash = row.getString(1);
        // scrypt on the main thread: blocking is fine here, never on an event loop
        if (SecretHasher.verify(client + "-secret", hash)) {
          String secret = OwnerOnlyFile.randomSecret(24);
          pool.preparedQuery("UPDATE " + table + " SET " + column + " = $2 WHERE client_id = $1 AND " + column + " = $3")
              .execute(Tuple.of(client, SecretHasher.hash(secret), hash)).await();
          replaced.put(client, secret);
          log.warn("demo client {} still had the published example secret (set by an older version): replaced by "
              + "a new random secret, printed below once", client);
        }
      }
      return replaced;
    } finally {
      pool.close().await();
    }
  }

  /** The demo clients that are active in the served registry ({@code config.db().url()}, either kind). */
  static List<String> active(Vertx vertx, GatewayConfig config) {
    String table = config.kind() == RegistryKind.OPENSPP ? "spp_api_client" : "api_client";
    Pool pool = PgPools.create(vertx, config.db().url(), 1, 8, 0, "demo-clients");
    try {
      List<String> active = new ArrayList<>();
      for (Row row : pool.preparedQuery("SELECT DISTINCT client_id FROM " + table
          + " WHERE active IS TRUE AND client_id = ANY($1)").execute(Tuple.of(IDS.toArray(new String[0]))).await()) {
        active.add(row.getString(0));
      }
      return IDS.stream().filter(active::contains).toList();
    } finally {
      pool.close().await();
    }
  }
}
