package org.openspp.gateway.openspp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openspp.gateway.db.PgPools;

/**
 * What the {@code openspp} kind needs of an OpenSPP database, checked with catalog reads only (SOURCE.md §1, §3):
 * the tables and columns {@link OpensppQueries} reads, the indexes that keep its statements fast, and the HS256
 * secret OpenSPP signs its tokens with. Never creates or changes anything: the gateway only reads this database,
 * so it reports missing indexes with the exact statement for the database administrator.
 */
public final class OpensppCatalog {

  /** Every table and column the gateway reads, in the order they are reported when missing. */
  public static final Map<String, List<String>> READS = reads();

  /** Indexes the statements rely on; Odoo creates some of them, not all (and not in every version). */
  public static final List<Index> INDEXES = List.of(
      new Index("spp_registry_id", "value", "identifier look-up by value (Odoo indexes it only in newer versions)"),
      new Index("spp_registry_id", "partner_id", "a registrant's identifiers"),
      new Index("spp_vocabulary_code", "uri", "identifier system to id type"),
      new Index("spp_group_membership", "individual", "an individual's memberships and household consents"),
      new Index("spp_group_membership", "\"group\"", "a group's members"),
      new Index("spp_consent", "signatory_id", "an individual's own consents (Odoo does not index it)"),
      new Index("spp_consent", "group_id", "a group's and a household's consents (Odoo does not index it)"),
      new Index("spp_consent_scope", "consent_id", "a consent's scope rows"),
      new Index("spp_api_client", "client_id", "the client directory and the token endpoint"),
      new Index("spp_api_client_scope", "client_id", "a client's scopes"));

  private static final String COLUMNS = """
      SELECT table_name::text, column_name::text FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY ($1::text[])
      """;

  /** Leading column of every valid index on the tables (any index led by the column serves the statements). */
  private static final String LEADING_COLUMNS = """
      SELECT t.relname::text, a.attname::text
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
       WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY ($1::text[]) AND i.indisvalid
      """;

  private OpensppCatalog() {
  }

  /** One read-only connection for the catalog reads, bounded at 10 s (connect, wait and statement). */
  public static Pool inspectionPool(Vertx vertx, String url, String name) {
    return PgPools.create(vertx, url, 1, 8, 10_000, 10_000, name, Map.of("default_transaction_read_only", "on"));
  }

  /**
   * A recommended index.
   *
   * @param column the leading column, quoted when it is a reserved word
   * @param why    what it serves
   */
  public record Index(String table, String column, String why) {

    /** The unquoted column name, as the catalog spells it. */
    public String columnName() {
      return column.replace("\"", "");
    }

    /** The statement for the database administrator (never run by the gateway). */
    public String createStatement() {
      return "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + table + "__" + columnName() + "_spp_gateway_index ON "
          + table + " (" + column + ");";
    }
  }

  /**
   * What an inspection found missing: tables and columns ({@link #missing}), and, only when none is missing,
   * recommended indexes ({@link #missingIndexes}).
   */
  public record Inspection(List<String> missingColumns, List<Index> missingIndexes) {
  }

  /** Both checks, the index check only on a database the gateway can serve. Fails when it cannot be read. */
  public static Future<Inspection> inspect(SqlClient db) {
    return missing(db).compose(columns -> columns.isEmpty()
        ? missingIndexes(db).map(indexes -> new Inspection(columns, indexes))
        : Future.succeededFuture(new Inspection(columns, List.of())));
  }

  /**
   * What the database lacks of {@link #READS}: {@code table X} for a missing table, {@code column X.Y} for a
   * missing column; empty when it is an OpenSPP database the gateway can serve.
   */
  public static Future<List<String>> missing(SqlClient db) {
    return db.preparedQuery(COLUMNS).execute(Tuple.of(READS.keySet().toArray(String[]::new))).map(rows -> {
      Map<String, Set<String>> present = new LinkedHashMap<>();
      for (Row row : rows) {
        present.computeIfAbsent(row.getString(0), t -> new HashSet<>()).add(row.getString(1));
      }
      List<String> missing = new ArrayList<>();
      for (Map.Entry<String, List<String>> table : READS.entrySet()) {
        Set<String> columns = present.get(table.getKey());
        if (columns == null) {
          missing.add("table " + table.getKey());
          continue;
        }
        for (String column : table.getValue()) {
          if (!columns.contains(column)) {
            missing.add("column " + table.getKey() + "." + column);
          }
        }
      }
      return missing;
    });
  }

  /** The recommended indexes the database lacks (none led by the column exists). */
  public static Future<List<Index>> missingIndexes(SqlClient db) {
    String[] tables = INDEXES.stream().map(Index::table).distinct().toArray(String[]::new);
    return db.preparedQuery(LEADING_COLUMNS).execute(Tuple.of(tables)).map(rows -> {
      Set<String> led = new HashSet<>();
      for (Row row : rows) {
        led.add(row.getString(0) + "." + row.getString(1));
      }
      return INDEXES.stream().filter(i -> !led.contains(i.table() + "." + i.columnName())).toList();
    });
  }

  /** OpenSPP's HS256 secret ({@code ir_config_parameter} {@code spp_api_v2.jwt_secret}), or {@code null}. */
  public static Future<String> jwtSecret(SqlClient db) {
    return db.query(OpensppQueries.JWT_SECRET).execute().map(rows -> {
      for (Row row : rows) {
        String value = row.getString(0);
        return value == null || value.isBlank() ? null : value.strip();
      }
      return null;
    });
  }

  /** One line per missing object, for an error message. */
  public static String describe(List<String> missing) {
    return String.join(", ", missing);
  }

  private static Map<String, List<String>> reads() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("res_partner", List.of("id", "name", "active", "street", "zip", "city", "state_id", "country_id", "email",
        "phone", "mobile", "is_registrant", "is_group", "family_name", "given_name", "addl_name", "birthdate",
        "birthdate_not_exact", "gender_id", "group_type_id", "source_system", "write_date"));
    m.put("res_country", List.of("id", "code"));
    m.put("res_country_state", List.of("id", "name"));
    m.put("spp_vocabulary_code", List.of("id", "namespace_uri", "code", "display", "sequence", "uri", "active"));
    m.put("spp_registry_id", List.of("id", "partner_id", "id_type_id", "value", "status"));
    m.put("spp_group_membership", List.of("id", "group", "individual", "ended_date", "active"));
    m.put("spp_group_membership_spp_vocabulary_code_rel", List.of("spp_group_membership_id", "spp_vocabulary_code_id"));
    m.put("spp_consent", List.of("id", "external_id", "signatory_id", "group_id", "recipient_mode", "status",
        "effective_date", "expiry"));
    m.put("spp_consent_recipient_rel", List.of("consent_id", "partner_id"));
    m.put("spp_consent_spp_consent_org_type_rel", List.of("spp_consent_id", "spp_consent_org_type_id"));
    m.put("spp_consent_org_type", List.of("id", "code"));
    m.put("spp_consent_scope", List.of("id", "consent_id", "resource_type", "field_access", "custom_fields", "purpose",
        "include_extensions", "allowed_extensions"));
    m.put("spp_api_client", List.of("id", "client_id", "client_secret_hash", "partner_id", "organization_type_id",
        "rate_limit_per_minute", "legal_basis", "active"));
    m.put("spp_api_client_scope", List.of("id", "client_id", "resource", "action"));
    m.put("ir_config_parameter", List.of("key", "value"));
    return java.util.Collections.unmodifiableMap(m);
  }
}
