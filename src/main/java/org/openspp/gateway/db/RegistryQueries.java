package org.openspp.gateway.db;

import org.openspp.gateway.bus.ResourceType;

/**
 * The SQL the resolvers run. Each export costs one prepared statement per resource type: the requested keys
 * travel as two {@code text[]} parameters and are joined against the partial index on live identifiers; each
 * matched registrant's row carries its read model ({@code V4__resource_read_model.sql}): its live identifiers
 * (registry order) and all its memberships with their dates, which {@link RegistrantRows} narrows to the request's
 * day (Individual: memberships in force; Group: members whose membership has not ended). One index probe and one
 * row per identifier, planned once: the gateway kind's connections use generic plans
 * ({@link GatewayRegistrySource#sessionSettings()}).
 *
 * <p>For consent-filtered clients the same statement also returns, per registrant, the calling client's
 * candidate consents, all with the client's organisation (specific) or organisation type (category) among the
 * recipients and an effective date empty or on or before the request's day: status {@code given}/{@code renewed}
 * and not expired, on the registrant itself or (Individuals) on a group it actively belongs to; and, for
 * Individuals, the registrant's own {@code withdrawn}/{@code refused} consents whatever their expiry, which rule
 * out the household's consent (spec §5.4). The aggregator re-checks every rule in plain Java.
 *
 * <p>Parameters: {@code $1 text[]} key systems, {@code $2 text[]} key values (pairwise), {@code $3} the
 * registrant kind, {@code $4 date} the request's day (UTC), {@code $5 boolean} consent-filtered client,
 * {@code $6} its organisation, {@code $7} its organisation type. One row per (key, registrant).
 */
public final class RegistryQueries {

  private static final String HEAD = """
      WITH keys AS (
        SELECT DISTINCT u.system, u.value FROM unnest($1::text[], $2::text[]) AS u(system, value)
      ), hits AS (
        SELECT DISTINCT k.system, k.value, i.registrant_id
          FROM keys k
          JOIN registrant_identifier i ON i.system = k.system AND i.value = k.value AND i.status = 'valid'
      )
      SELECT h.system AS key_system, h.value AS key_value,
             r.id, r.active, r.family_name, r.given_name, r.middle_name, r.name, r.birth_date,
             r.birth_date_estimated, r.gender_code, r.gender_display, r.phone, r.mobile, r.email,
             r.street, r.city, r.state, r.country, r.postal_code, r.group_type, r.extension::text AS extension,
             r.source, r.version_id, r.last_updated, r.id_systems, r.id_values, r.links,
      """;

  /**
   * Candidate consents of the calling client; {@code %1$s} is the subject condition, {@code %2$s} the status
   * condition.
   */
  private static final String CONSENTS = """
             CASE WHEN $5 THEN (
               SELECT json_agg(json_build_array(c.id, c.subject_id <> r.id, c.status, c.recipient_mode,
                                                c.recipient_organizations, c.recipient_organization_types,
                                                c.effective_date, c.expiry_date,
                                                (SELECT json_agg(json_build_array(s.resource_type, s.field_access,
                                                                                  s.custom_fields, s.purpose,
                                                                                  s.include_extensions,
                                                                                  s.allowed_extensions)
                                                                 ORDER BY s.position)
                                                   FROM consent_scope s WHERE s.consent_id = c.id),
                                                c.ref)
                               ORDER BY c.id)
                 FROM consent c
                WHERE (%1$s)
                  AND (%2$s)
                  AND (c.effective_date IS NULL OR c.effective_date <= $4)
                  AND ((c.recipient_mode = 'specific' AND $6::text = ANY (c.recipient_organizations))
                    OR (c.recipient_mode = 'category' AND $7::text = ANY (c.recipient_organization_types)))
             ) END AS consents
      """;

  private static final String OWN_SUBJECT = "c.subject_id = r.id";

  /** A valid status, not expired on the request's day. */
  private static final String IN_FORCE =
      "c.status IN ('given', 'renewed') AND (c.expiry_date IS NULL OR c.expiry_date >= $4)";

  /** {@link #IN_FORCE}, or the Individual's own refusal or withdrawal (never ended by its expiry date). */
  private static final String IN_FORCE_OR_OWN_REFUSAL =
      "(" + IN_FORCE + ") OR (c.status IN ('withdrawn', 'refused') AND c.subject_id = r.id)";

  /**
   * One {@code = ANY(array)} probe of the consent_subject index. Written as {@code subject = r.id OR subject IN
   * (households)} the planner cannot use the index for the OR and scans the whole consent table per registrant
   * (measured: 4 ms per registrant at 10,000 consents, growing with the table).
   */
  private static final String OWN_OR_HOUSEHOLD_SUBJECT = """
      c.subject_id = ANY (ARRAY(SELECT r.id
                                   UNION ALL
                                   SELECT m.group_id FROM group_membership m
                                    WHERE m.individual_id = r.id
                                      AND (m.start_date IS NULL OR m.start_date <= $4)
                                      AND (m.end_date IS NULL OR m.end_date >= $4)))""";

  private static final String FROM = """
        FROM hits h
        JOIN registrant r ON r.id = h.registrant_id AND r.kind = $3
      """;

  public static final String RESOLVE_INDIVIDUALS =
      HEAD + CONSENTS.formatted(OWN_OR_HOUSEHOLD_SUBJECT, IN_FORCE_OR_OWN_REFUSAL) + FROM;
  public static final String RESOLVE_GROUPS = HEAD + CONSENTS.formatted(OWN_SUBJECT, IN_FORCE) + FROM;

  /** {@code $1} client id. */
  public static final String CLIENT_BY_ID = """
      SELECT client_id, active, legal_basis, organization, organization_type, scopes, rate_limit_per_minute
        FROM api_client WHERE client_id = $1
      """;

  /** {@code $1} client id: what the token endpoint checks a secret against. */
  public static final String CREDENTIALS_BY_ID =
      "SELECT client_id, secret_hash, active, scopes FROM api_client WHERE client_id = $1";

  private RegistryQueries() {
  }

  public static String resolve(ResourceType type) {
    return type == ResourceType.INDIVIDUAL ? RESOLVE_INDIVIDUALS : RESOLVE_GROUPS;
  }
}
