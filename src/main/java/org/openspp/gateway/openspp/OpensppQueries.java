package org.openspp.gateway.openspp;

import org.openspp.gateway.bus.ResourceType;

/**
 * The SQL of the {@code openspp} registry kind: plain {@code SELECT}s on the tables of a live OpenSPP 2 (Odoo 19)
 * database ({@code shared/openspp/SOURCE.md} §2 is the mapping). The statements return the same columns, under the
 * same names, as the gateway schema's ({@code db.RegistryQueries}), so one row reader ({@code db.RegistrantRows})
 * serves both kinds.
 *
 * <p>Rules that differ from the gateway schema, all decided here:
 * <ul>
 *   <li>an identifier {@code system|value} matches {@code spp_vocabulary_code.uri} of its type (read, never
 *       derived: an admin may override it) and {@code spp_registry_id.value} exactly; live = {@code status IS
 *       DISTINCT FROM 'invalid'} (NULL and {@code valid} are live); identifiers newest first ({@code id DESC});
 *       the primary identifier of a reference is the newest live one;</li>
 *   <li>only {@code is_registrant IS TRUE} partners; {@code is_group IS TRUE} is a Group, anything else (NULL
 *       included) an Individual; {@code active} NULL is false;</li>
 *   <li>a membership counts when {@code active IS TRUE} and {@code ended_date} is NULL or in the future (UTC); the
 *       stored {@code is_ended} and {@code status} go stale and are never read; a Group lists only members with a
 *       live identifier; the role is the first active membership type by (sequence, code, id);</li>
 *   <li>translated labels ({@code display} jsonb) in the configured language, falling back to {@code en_US};</li>
 *   <li>{@code meta.versionId} is {@code write_date} in microseconds since the epoch, {@code meta.lastUpdated}
 *       {@code write_date} read as UTC; {@code groupType} the group type code, else {@code household};</li>
 *   <li>an address only when street, city or state is set (Odoo sets a country on most partners);</li>
 *   <li>consent subject: {@code group_id} when set (a group's consent, household consent for its members), else
 *       {@code signatory_id}; {@code recipient_mode} NULL is {@code specific}; the dates decide validity, not a
 *       stale {@code given} status; a {@code spp_consent_scope} with no {@code field_access} is {@code basic};
 *       an Individual's own consent ({@code signatory_id}, no {@code group_id}) that is {@code withdrawn} or
 *       {@code refused}, in effect on the day whatever its {@code expiry}, is fetched too: it rules out the
 *       household's consent (bulk-export spec §5.4).</li>
 * </ul>
 *
 * <p>Two statements per resource type, so that each keeps one cached generic plan (one statement with a
 * {@code CASE WHEN consent-filtered} was planned afresh on every call: measured 2.85 vs 0.75 ms per 1-identifier
 * statement). Parameters of both: {@code $1 text[]} key systems, {@code $2 text[]} key values (pairwise),
 * {@code $3 boolean} true for Groups, {@code $4 text} the label language; of the consent-filtered ones also
 * {@code $5 date} the request's day (UTC), {@code $6 int4} the client's organisation ({@code res_partner} id),
 * {@code $7 text} its organisation type code. {@code client_secret} is never selected: it may
 * hold the plain secret.
 */
public final class OpensppQueries {

  /** Naive UTC "now", as Odoo stores datetimes. */
  private static final String NOW_UTC = "(now() AT TIME ZONE 'UTC')";

  /** A live identifier row {@code %s}: NULL and {@code valid} are live, {@code invalid} is soft-removed. */
  private static final String LIVE = "%1$s.status IS DISTINCT FROM 'invalid'";

  private static final String HEAD = """
      WITH keys AS (
        SELECT DISTINCT u.system, u.value FROM unnest($1::text[], $2::text[]) AS u(system, value)
      ), hits AS (
        SELECT DISTINCT k.system, k.value, i.partner_id
          FROM keys k
          JOIN spp_vocabulary_code t ON t.uri = k.system
          JOIN spp_registry_id i ON i.value = k.value AND i.id_type_id = t.id AND %1$s
      )
      SELECT h.system AS key_system, h.value AS key_value,
             p.id, p.active IS TRUE AS active, p.family_name, p.given_name, p.addl_name AS middle_name, p.name,
             p.birthdate AS birth_date, p.birthdate_not_exact AS birth_date_estimated,
             gc.code AS gender_code, COALESCE(gc.display ->> $4, gc.display ->> 'en_US') AS gender_display,
             p.phone, p.mobile, p.email,
             CASE WHEN ad.present THEN p.street END AS street, CASE WHEN ad.present THEN p.city END AS city,
             CASE WHEN ad.present THEN st.name END AS state, CASE WHEN ad.present THEN co.code END AS country,
             CASE WHEN ad.present THEN p.zip END AS postal_code,
             CASE WHEN p.is_group IS TRUE THEN COALESCE(NULLIF(gt.code, ''), 'household') END AS group_type,
             NULL::text AS extension,
             p.source_system AS source,
             (EXTRACT(EPOCH FROM p.write_date) * 1000000)::int8::text AS version_id,
             p.write_date AT TIME ZONE 'UTC' AS last_updated,
             ids.id_systems, ids.id_values,
      """.formatted(LIVE.formatted("i"));

  /** The newest live identifier of the partner whose id is {@code partner} (a reference's target). */
  private static String primaryId(String partner) {
    return """
        SELECT c.uri, y.value FROM spp_registry_id y JOIN spp_vocabulary_code c ON c.id = y.id_type_id
         WHERE y.partner_id = %s AND %s AND y.value <> '' AND c.uri <> ''
         ORDER BY y.id DESC LIMIT 1""".formatted(partner, LIVE.formatted("y"));
  }

  /** The role of membership {@code m}: its first active membership type. */
  private static final String ROLE = """
      SELECT vc.namespace_uri, vc.code, COALESCE(vc.display ->> $4, vc.display ->> 'en_US') AS display
        FROM spp_group_membership_spp_vocabulary_code_rel rr
        JOIN spp_vocabulary_code vc ON vc.id = rr.spp_vocabulary_code_id
       WHERE rr.spp_group_membership_id = m.id AND vc.active IS TRUE
       ORDER BY vc.sequence, vc.code, vc.id LIMIT 1""";

  private static final String COUNTING = "m.active IS TRUE AND (m.ended_date IS NULL OR m.ended_date > " + NOW_UTC + ")";

  /** An Individual's counting memberships, each with the group's primary identifier and name. */
  private static final String INDIVIDUAL_LINKS = """
             (SELECT json_agg(json_build_array(gi.uri, gi.value, g.name, rl.namespace_uri, rl.code, rl.display, false)
                              ORDER BY m."group", m.id)
                FROM spp_group_membership m
                JOIN res_partner g ON g.id = m."group" AND g.is_registrant IS TRUE
                LEFT JOIN LATERAL (%s) gi ON true
                LEFT JOIN LATERAL (%s) rl ON true
               WHERE m.individual = p.id AND %s) AS links,
      """.formatted(primaryId("g.id"), ROLE, COUNTING);

  /** A Group's counting memberships whose individual has a live identifier. */
  private static final String GROUP_LINKS = """
             (SELECT json_agg(json_build_array(ii.uri, ii.value, ind.name, rl.namespace_uri, rl.code, rl.display,
                                               NOT (ind.active IS TRUE))
                              ORDER BY m.id)
                FROM spp_group_membership m
                JOIN res_partner ind ON ind.id = m.individual AND ind.is_registrant IS TRUE
                JOIN LATERAL (%s) ii ON true
                LEFT JOIN LATERAL (%s) rl ON true
               WHERE m."group" = p.id AND %s) AS links,
      """.formatted(primaryId("ind.id"), ROLE, COUNTING);

  /**
   * The calling client's candidate consents; {@code %1$s} selects the consent rows (with a {@code household}
   * column), {@code %2$s} is the status condition (which also checks the expiry of valid consents). Only consents
   * whose effective date has come, with the client among the recipients, are candidates. Recipient lists are
   * returned whole; the aggregator re-checks every rule.
   */
  private static final String CONSENTS = """
             (
               SELECT json_agg(json_build_array(c.id, c.household, c.status, COALESCE(c.recipient_mode, 'specific'),
                                                ARRAY(SELECT rr.partner_id::text FROM spp_consent_recipient_rel rr
                                                       WHERE rr.consent_id = c.id ORDER BY rr.partner_id),
                                                ARRAY(SELECT ot.code FROM spp_consent_spp_consent_org_type_rel tr
                                                        JOIN spp_consent_org_type ot ON ot.id = tr.spp_consent_org_type_id
                                                       WHERE tr.spp_consent_id = c.id ORDER BY ot.code),
                                                c.effective_date, c.expiry,
                                                (SELECT json_agg(json_build_array(
                                                          s.resource_type, COALESCE(NULLIF(s.field_access, ''), 'basic'),
                                                          ARRAY(SELECT btrim(f) FROM unnest(string_to_array(s.custom_fields, ',')) f
                                                                 WHERE btrim(f) <> ''),
                                                          s.purpose, s.include_extensions IS TRUE,
                                                          ARRAY(SELECT btrim(f) FROM unnest(string_to_array(s.allowed_extensions, ',')) f
                                                                 WHERE btrim(f) <> ''))
                                                        ORDER BY s.id)
                                                   FROM spp_consent_scope s WHERE s.consent_id = c.id),
                                                c.external_id)
                               ORDER BY c.id)
                 FROM (%1$s) c
                WHERE (%2$s)
                  AND (c.effective_date IS NULL OR c.effective_date <= $5)
                  AND ((COALESCE(c.recipient_mode, 'specific') = 'specific'
                        AND EXISTS (SELECT 1 FROM spp_consent_recipient_rel rr
                                     WHERE rr.consent_id = c.id AND rr.partner_id = $6::int4))
                    OR (c.recipient_mode = 'category'
                        AND EXISTS (SELECT 1 FROM spp_consent_spp_consent_org_type_rel tr
                                      JOIN spp_consent_org_type ot ON ot.id = tr.spp_consent_org_type_id
                                     WHERE tr.spp_consent_id = c.id AND ot.code = $7::text)))
             ) AS consents
      """;

  /** A valid status, not expired on the request's day. */
  private static final String IN_FORCE = "c.status IN ('given', 'renewed') AND (c.expiry IS NULL OR c.expiry >= $5)";

  /** {@link #IN_FORCE}, or the Individual's own refusal or withdrawal (never ended by its expiry date). */
  private static final String IN_FORCE_OR_OWN_REFUSAL =
      "(" + IN_FORCE + ") OR (c.status IN ('withdrawn', 'refused') AND NOT c.household)";

  private static final String CONSENT_COLUMNS =
      "sc.id, sc.status, sc.recipient_mode, sc.effective_date, sc.expiry, sc.external_id";

  /** An Individual's own consents (signatory, no group) and its households' (groups it counts in). */
  private static final String INDIVIDUAL_CONSENT_ROWS = """
      SELECT %1$s, false AS household FROM spp_consent sc WHERE sc.signatory_id = p.id AND sc.group_id IS NULL
      UNION ALL
      SELECT %1$s, true AS household FROM spp_consent sc
       WHERE sc.group_id = ANY (ARRAY(SELECT m."group" FROM spp_group_membership m
                                       WHERE m.individual = p.id AND %2$s))""".formatted(CONSENT_COLUMNS, COUNTING);

  private static final String GROUP_CONSENT_ROWS =
      "SELECT %s, false AS household FROM spp_consent sc WHERE sc.group_id = p.id".formatted(CONSENT_COLUMNS);

  private static final String FROM = """
        FROM hits h
        JOIN res_partner p ON p.id = h.partner_id AND p.is_registrant IS TRUE AND (p.is_group IS TRUE) = $3
        LEFT JOIN spp_vocabulary_code gc ON gc.id = p.gender_id
        LEFT JOIN spp_vocabulary_code gt ON gt.id = p.group_type_id
        LEFT JOIN res_country_state st ON st.id = p.state_id
        LEFT JOIN res_country co ON co.id = p.country_id
        CROSS JOIN LATERAL (SELECT COALESCE(p.street, '') <> '' OR COALESCE(p.city, '') <> ''
                                   OR COALESCE(st.name, '') <> '' AS present) ad
        CROSS JOIN LATERAL (SELECT COALESCE(array_agg(c.uri ORDER BY x.id DESC), '{}') AS id_systems,
                                   COALESCE(array_agg(x.value ORDER BY x.id DESC), '{}') AS id_values
                              FROM spp_registry_id x JOIN spp_vocabulary_code c ON c.id = x.id_type_id
                             WHERE x.partner_id = p.id AND %s AND x.value <> '' AND c.uri <> '') ids
      """.formatted(LIVE.formatted("x"));

  /** Clients that are not consent-filtered read no consents. */
  private static final String NO_CONSENTS = "             NULL::json AS consents\n";

  public static final String RESOLVE_INDIVIDUALS = HEAD + INDIVIDUAL_LINKS + NO_CONSENTS + FROM;
  public static final String RESOLVE_GROUPS = HEAD + GROUP_LINKS + NO_CONSENTS + FROM;
  public static final String RESOLVE_INDIVIDUALS_WITH_CONSENTS =
      HEAD + INDIVIDUAL_LINKS + CONSENTS.formatted(INDIVIDUAL_CONSENT_ROWS, IN_FORCE_OR_OWN_REFUSAL) + FROM;
  public static final String RESOLVE_GROUPS_WITH_CONSENTS =
      HEAD + GROUP_LINKS + CONSENTS.formatted(GROUP_CONSENT_ROWS, IN_FORCE) + FROM;

  private static final String SCOPES = """
      ARRAY(SELECT s.resource || ':' || s.action FROM spp_api_client_scope s
             WHERE s.client_id = c.id ORDER BY s.id) AS scopes""";

  /** Several rows may share a {@code client_id} (OpenSPP does not forbid it): the active one, oldest first. */
  private static final String ONE_CLIENT = "WHERE c.client_id = $1 ORDER BY c.active IS TRUE DESC, c.id LIMIT 1";

  /** {@code $1} client id. Organisation = the client's {@code partner_id}; a rate limit of 0 or less is none. */
  public static final String CLIENT_BY_ID = """
      SELECT c.client_id, c.active IS TRUE AS active, c.legal_basis, c.partner_id::text AS organization,
             ot.code AS organization_type, %s,
             CASE WHEN c.rate_limit_per_minute > 0 THEN c.rate_limit_per_minute END AS rate_limit_per_minute
        FROM spp_api_client c LEFT JOIN spp_consent_org_type ot ON ot.id = c.organization_type_id
       %s
      """.formatted(SCOPES, ONE_CLIENT);

  /** {@code $1} client id: the stored hash only, never {@code client_secret}. */
  public static final String CREDENTIALS_BY_ID = """
      SELECT c.client_id, c.client_secret_hash AS secret_hash, c.active IS TRUE AS active, %s
        FROM spp_api_client c
       %s
      """.formatted(SCOPES, ONE_CLIENT);

  /** The HS256 secret OpenSPP's own {@code /oauth/token} signs with. */
  public static final String JWT_SECRET =
      "SELECT value FROM ir_config_parameter WHERE key = 'spp_api_v2.jwt_secret'";

  private OpensppQueries() {
  }

  /** The statement for {@code type}, with the client's candidate consents when it is consent-filtered. */
  public static String resolve(ResourceType type, boolean consentFiltered) {
    if (type == ResourceType.INDIVIDUAL) {
      return consentFiltered ? RESOLVE_INDIVIDUALS_WITH_CONSENTS : RESOLVE_INDIVIDUALS;
    }
    return consentFiltered ? RESOLVE_GROUPS_WITH_CONSENTS : RESOLVE_GROUPS;
  }
}
