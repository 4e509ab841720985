package org.openspp.gateway.db;

/**
 * SQL of the registry loader. Bulk rows travel as array parameters expanded with {@code unnest}, so one
 * statement writes a whole chunk; rows with array-valued columns go through {@code executeBatch}.
 */
final class LoadQueries {

  /** Children first, so no cascade has work left; audit tables and {@code schema_version} are kept. */
  static final String[] EMPTY_REGISTRY = {
      "DELETE FROM consent_scope",
      "DELETE FROM consent",
      "DELETE FROM group_membership",
      "DELETE FROM registrant_identifier",
      "DELETE FROM registrant",
      "DELETE FROM api_client",
  };

  /**
   * Defers the registrants' read model to the end of the load's transaction: the triggers note the registrants
   * they would refresh in a temporary table instead ({@code V4__resource_read_model.sql}).
   */
  static final String[] DEFER_READ_MODEL = {
      "SELECT set_config('spp.read_model', 'deferred', true)",
      "CREATE TEMP TABLE IF NOT EXISTS spp_read_model_pending (id bigint) ON COMMIT DROP",
  };

  /** Refreshes the read model of every registrant noted since {@link #DEFER_READ_MODEL}, once each. */
  static final String REFRESH_READ_MODEL = "SELECT registrant_read_model_refresh_pending()";

  /** The registry tables whose planner statistics a load changes; {@link #vacuumAnalyze()} and the start-up check. */
  static final java.util.List<String> REGISTRY_TABLES = java.util.List.of(
      "registrant", "registrant_identifier", "group_membership", "consent", "consent_scope", "api_client");

  /**
   * Leaves the registry tables ready to serve once a load committed: planner statistics of what was written, and
   * the dead row versions the load leaves behind (replaced registrants, and each registrant's row rewritten once
   * by its read model) removed, with the visibility map set so that the live-identifier index is read without heap
   * visits. Without statistics a freshly loaded registry is planned as if empty until autovacuum gets to it:
   * measured, every export of the first ~55 s after loading 200,000 individuals ran into the statement timeout.
   */
  static String vacuumAnalyze() {
    return "VACUUM (ANALYZE) " + String.join(", ", REGISTRY_TABLES);
  }

  /**
   * The registry tables holding rows that were never analysed (neither by ANALYZE nor by autovacuum), by name;
   * {@code $1 text[]} the table names.
   */
  static final String NEVER_ANALYSED = """
      SELECT relname FROM pg_stat_user_tables
       WHERE relname = ANY($1::text[]) AND schemaname = current_schema()
         AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0
       ORDER BY relname
      """;

  /** Ids for registrants without {@code ref}, reserved up front so each row's id is known in file order. */
  static final String RESERVE_REGISTRANT_IDS =
      "SELECT nextval(pg_get_serial_sequence('registrant', 'id')) AS id FROM generate_series(1, $1)";

  /**
   * Inserts a chunk of registrants; a row whose {@code ref} exists replaces that registrant (same id, version
   * bumped) unless it is of the other kind, in which case no row is returned for it.
   */
  static final String UPSERT_REGISTRANTS = """
      INSERT INTO registrant AS r (id, ref, kind, active, family_name, given_name, middle_name, name, birth_date,
          birth_date_estimated, gender_code, gender_display, phone, mobile, email, street, city, state, country,
          postal_code, group_type, extension, source, last_updated)
      SELECT coalesce(u.id, nextval(pg_get_serial_sequence('registrant', 'id'))), u.ref, u.kind, u.active,
          u.family_name, u.given_name, u.middle_name, u.name, u.birth_date, u.birth_date_estimated, u.gender_code,
          u.gender_display, u.phone, u.mobile, u.email, u.street, u.city, u.state, u.country, u.postal_code,
          u.group_type, u.extension::jsonb, u.source, coalesce(u.last_updated, now())
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[],
          $8::text[], $9::date[], $10::boolean[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
          $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[],
          $24::timestamptz[])
        AS u(id, ref, kind, active, family_name, given_name, middle_name, name, birth_date, birth_date_estimated,
          gender_code, gender_display, phone, mobile, email, street, city, state, country, postal_code, group_type,
          extension, source, last_updated)
      ON CONFLICT (ref) DO UPDATE SET
          active = EXCLUDED.active, family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name,
          middle_name = EXCLUDED.middle_name, name = EXCLUDED.name, birth_date = EXCLUDED.birth_date,
          birth_date_estimated = EXCLUDED.birth_date_estimated, gender_code = EXCLUDED.gender_code,
          gender_display = EXCLUDED.gender_display, phone = EXCLUDED.phone, mobile = EXCLUDED.mobile,
          email = EXCLUDED.email, street = EXCLUDED.street, city = EXCLUDED.city, state = EXCLUDED.state,
          country = EXCLUDED.country, postal_code = EXCLUDED.postal_code, group_type = EXCLUDED.group_type,
          extension = EXCLUDED.extension, source = EXCLUDED.source, last_updated = EXCLUDED.last_updated,
          version_id = r.version_id + 1
        WHERE r.kind = EXCLUDED.kind
      RETURNING r.id, r.ref""";

  static final String DELETE_IDENTIFIERS = "DELETE FROM registrant_identifier WHERE registrant_id = ANY($1::bigint[])";

  static final String DELETE_MEMBERSHIPS = "DELETE FROM group_membership WHERE group_id = ANY($1::bigint[])";

  static final String INSERT_IDENTIFIERS = """
      INSERT INTO registrant_identifier (registrant_id, position, system, value, status)
      SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[])""";

  /**
   * For each {@code (kind, system, value)} reference, in input order: how many registrants of that kind hold
   * the live identifier, and one of them.
   */
  static final String RESOLVE_REFERENCES = """
      SELECT m.ord, count(DISTINCT r.id) AS matches, min(r.id) AS registrant_id
      FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS m(kind, system, value, ord)
      LEFT JOIN registrant_identifier ri ON ri.system = m.system AND ri.value = m.value AND ri.status = 'valid'
      LEFT JOIN registrant r ON r.id = ri.registrant_id AND r.kind = m.kind
      GROUP BY m.ord
      ORDER BY m.ord""";

  static final String INSERT_MEMBERSHIPS = """
      INSERT INTO group_membership (group_id, position, individual_id, role_system, role_code, role_display,
          start_date, end_date)
      SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::text[], $5::text[], $6::text[],
          $7::date[], $8::date[])""";

  static final String UPSERT_CLIENT = """
      INSERT INTO api_client (client_id, name, secret_hash, active, legal_basis, legal_basis_reference,
          organization, organization_type, scopes, rate_limit_per_minute, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
      ON CONFLICT (client_id) DO UPDATE SET
          name = EXCLUDED.name, secret_hash = EXCLUDED.secret_hash, active = EXCLUDED.active,
          legal_basis = EXCLUDED.legal_basis, legal_basis_reference = EXCLUDED.legal_basis_reference,
          organization = EXCLUDED.organization, organization_type = EXCLUDED.organization_type,
          scopes = EXCLUDED.scopes, rate_limit_per_minute = EXCLUDED.rate_limit_per_minute,
          updated_at = EXCLUDED.updated_at""";

  /** One consent; with a {@code ref} that exists, replaces it in place. Returns the consent id. */
  static final String UPSERT_CONSENT = """
      INSERT INTO consent (ref, subject_id, recipient_mode, recipient_organizations, recipient_organization_types,
          status, effective_date, expiry_date)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (ref) DO UPDATE SET
          subject_id = EXCLUDED.subject_id, recipient_mode = EXCLUDED.recipient_mode,
          recipient_organizations = EXCLUDED.recipient_organizations,
          recipient_organization_types = EXCLUDED.recipient_organization_types, status = EXCLUDED.status,
          effective_date = EXCLUDED.effective_date, expiry_date = EXCLUDED.expiry_date
      RETURNING id""";

  static final String DELETE_CONSENT_SCOPES = "DELETE FROM consent_scope WHERE consent_id = ANY($1::bigint[])";

  static final String INSERT_CONSENT_SCOPE = """
      INSERT INTO consent_scope (consent_id, position, resource_type, field_access, custom_fields, purpose,
          include_extensions, allowed_extensions)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""";

  private LoadQueries() {
  }
}
