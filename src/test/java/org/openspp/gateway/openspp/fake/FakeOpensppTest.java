package org.openspp.gateway.openspp.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.openspp.fake.FakeOpenspp.Report;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.TestRegistry;

@ExtendWith(VertxExtension.class)
@Timeout(120)
class FakeOpensppTest {

  private static final String FIXTURE = "fixtures/openspp-differential.ndjson";
  private static final String NID = "urn:openspp:vocab:id-type#national_id";
  private static final String FOREIGN_KEYS = """
      SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE contype = 'f' ORDER BY 1""";

  private final List<Pool> pools = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void remember(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void closePools() {
    pools.forEach(pool -> pool.close().await());
  }

  @Test
  @DisplayName("the differential fixture copies with every record counted, on both sides")
  void copiesTheDifferentialRegistry() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();

    Report report = FakeOpenspp.copyFrom(gateway, openspp).await();

    assertThat(report).isEqualTo(new Report(13, 3, 22, 10, 4, 9));
    assertThat(strings(gateway, """
        SELECT concat_ws(' ', (SELECT count(*) FROM registrant WHERE kind = 'Individual'),
            (SELECT count(*) FROM registrant WHERE kind = 'Group'), (SELECT count(*) FROM registrant_identifier),
            (SELECT count(*) FROM group_membership), (SELECT count(*) FROM api_client),
            (SELECT count(*) FROM consent))""")).containsExactly("13 3 22 10 4 9");
    assertThat(strings(openspp, """
        SELECT concat_ws(' ', (SELECT count(*) FROM res_partner WHERE is_registrant AND NOT is_group),
            (SELECT count(*) FROM res_partner WHERE is_registrant AND is_group), (SELECT count(*) FROM spp_registry_id),
            (SELECT count(*) FROM spp_group_membership), (SELECT count(*) FROM spp_api_client),
            (SELECT count(*) FROM spp_consent))""")).containsExactly("13 3 22 10 4 9");
    // the registrants keep their ids; organisations and the client placeholder come after them
    assertThat(strings(gateway, "SELECT id || ' ' || ref FROM registrant ORDER BY id"))
        .isEqualTo(strings(openspp, """
            SELECT p.id || ' ' || r.ref FROM res_partner p
            JOIN (VALUES %s) AS r(id, ref) ON r.id = p.id WHERE p.is_registrant ORDER BY p.id"""
            .formatted(values(gateway, "SELECT id, ref FROM registrant"))));
    assertThat(strings(openspp, "SELECT name FROM res_partner WHERE NOT is_registrant ORDER BY id"))
        .containsExactly("org-dswd", "org-ngo", "org-retired", "client individual-only");
    assertThat(strings(openspp, """
        SELECT count(*) FROM res_partner
        WHERE NOT is_registrant AND id <= (SELECT max(id) FROM res_partner WHERE is_registrant)""")).containsExactly("0");
    // sequences continue after the explicit ids
    assertThat(strings(openspp, "SELECT nextval(pg_get_serial_sequence('res_partner', 'id')) > max(id) FROM res_partner"))
        .containsExactly("true");
    // the foreign keys dropped for the bulk load are back, exactly as schema.sql made them
    assertThat(strings(openspp, FOREIGN_KEYS)).hasSizeGreaterThan(40).isEqualTo(strings(fakeOpenspp(), FOREIGN_KEYS));
  }

  @Test
  @DisplayName("OpenSPP's newest-first identifier order (id DESC) is the gateway's position order")
  void identifierOrder() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();
    FakeOpenspp.copyFrom(gateway, openspp).await();

    Map<String, String> expected = byKey(gateway, """
        SELECT registrant_id, string_agg(system || '|' || value || ' ' || status, ', ' ORDER BY position)
        FROM registrant_identifier GROUP BY registrant_id""");
    Map<String, String> actual = byKey(openspp, """
        SELECT i.partner_id, string_agg(c.uri || '|' || i.value || ' ' || i.status, ', ' ORDER BY i.id DESC)
        FROM spp_registry_id i JOIN spp_vocabulary_code c ON c.id = i.id_type_id GROUP BY i.partner_id""");
    assertThat(actual).isEqualTo(expected).hasSize(16);
    assertThat(actual.get(id(gateway, "ind-ramon")))
        .isEqualTo("urn:gov:ph:psa:philsys|PSN-0002 valid, " + NID + "|NID-0002 valid");
    assertThat(actual.get(id(gateway, "ind-soft-removed")))
        .isEqualTo(NID + "|NID-OLD-0007 invalid, urn:openspp:vocab:id-type#tax_id|TAX-0007 valid");
    assertThat(actual.get(id(gateway, "ind-pipe"))).isEqualTo(NID + "|NID|0010|X valid");
    assertThat(actual.get(id(gateway, "ind-utf"))).isEqualTo(NID + "|Ñoño-名前-✓ valid");
    assertThat(strings(openspp, "SELECT DISTINCT namespace_uri FROM spp_registry_id"))
        .containsExactly(FakeOpenspp.ID_TYPE_VOCABULARY);
    // the code is the text after the last '#', or the whole system; the uri is the system exactly
    assertThat(strings(openspp, """
        SELECT c.code || ' ' || c.uri FROM spp_vocabulary_code c JOIN spp_vocabulary v ON v.id = c.vocabulary_id
        WHERE v.namespace_uri = 'urn:openspp:vocab:id-type' ORDER BY c.code"""))
        .containsExactly("household_id urn:openspp:vocab:id-type#household_id",
            "national_id urn:openspp:vocab:id-type#national_id",
            "registration_number urn:openspp:vocab:id-type#registration_number",
            "tax_id urn:openspp:vocab:id-type#tax_id", "urn:gov:ph:psa:philsys urn:gov:ph:psa:philsys");
  }

  @Test
  @DisplayName("memberships keep position order, end the day after the inclusive end date and keep their role")
  void memberships() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();
    FakeOpenspp.copyFrom(gateway, openspp).await();

    List<String> expected = strings(gateway, """
        SELECT m.group_id || ' ' || m.individual_id || ' ' || coalesce(m.start_date::text, '-') || ' '
            || coalesce((m.end_date + 1)::timestamp::text, '-') || ' '
            || coalesce(m.role_system || '#' || m.role_code || ' ' || m.role_display, '-')
        FROM group_membership m ORDER BY m.group_id, m.position""");
    List<String> actual = strings(openspp, """
        SELECT m."group" || ' ' || m.individual || ' ' || coalesce(m.start_date::date::text, '-') || ' '
            || coalesce(m.ended_date::text, '-') || ' '
            || coalesce(c.namespace_uri || '#' || c.code || ' ' || (c.display ->> 'en_US'), '-')
        FROM spp_group_membership m
        LEFT JOIN spp_group_membership_spp_vocabulary_code_rel r ON r.spp_group_membership_id = m.id
        LEFT JOIN spp_vocabulary_code c ON c.id = r.spp_vocabulary_code_id
        WHERE m.active AND NOT m.is_ended AND m.status = 'active'
        ORDER BY m."group", m.id""");
    assertThat(actual).isEqualTo(expected).hasSize(10);
    assertThat(strings(openspp, """
        SELECT m.ended_date::text FROM spp_group_membership m JOIN spp_registry_id i ON i.partner_id = m.individual
        WHERE i.value = 'NID-0004'""")).containsExactly("2020-07-01 00:00:00");
    assertThat(strings(openspp, """
        SELECT c.uri || ' ' || c.sequence FROM spp_vocabulary_code c
        JOIN spp_vocabulary v ON v.id = c.vocabulary_id AND v.namespace_uri = c.namespace_uri
        WHERE v.namespace_uri IN ('urn:openspp:membership-type', 'urn:openspp:vocab:cooperative-role')
        ORDER BY c.uri"""))
        .containsExactly("urn:openspp:membership-type#child 10", "urn:openspp:membership-type#head 10",
            "urn:openspp:membership-type#spouse 10", "urn:openspp:vocab:cooperative-role#member 10",
            "urn:openspp:vocab:cooperative-role#treasurer 10");
  }

  @Test
  @DisplayName("registrant fields land in the res_partner columns the export reads")
  void registrantFields() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();
    FakeOpenspp.copyFrom(gateway, openspp).await();

    Row maria = partner(openspp, gateway, "ind-maria");
    assertThat(maria.getString("name")).isEqualTo("Maria Cruz SANTOS");
    assertThat(maria.getString("family_name")).isEqualTo("SANTOS");
    assertThat(maria.getString("given_name")).isEqualTo("Maria");
    assertThat(maria.getString("addl_name")).isEqualTo("Cruz");
    assertThat(maria.getLocalDate("birthdate")).hasToString("1985-03-15");
    assertThat(maria.getBoolean("birthdate_not_exact")).isFalse();
    assertThat(maria.getString("gender")).isEqualTo("urn:iso:std:iso:5218 2 Female");
    assertThat(maria.getString("phone")).isEqualTo("+63-2-555-0101");
    assertThat(maria.getString("mobile")).isEqualTo("+63-917-555-0101");
    assertThat(maria.getString("email")).isEqualTo("maria.santos@example.org");
    assertThat(maria.getString("street")).isEqualTo("12 Rizal Street");
    assertThat(maria.getString("city")).isEqualTo("Quezon City");
    assertThat(maria.getString("zip")).isEqualTo("1100");
    assertThat(maria.getString("state")).isEqualTo("NCR");
    assertThat(maria.getString("country")).isEqualTo("PH");
    assertThat(maria.getString("source_system")).isEqualTo("urn:openspp:registry:main");
    assertThat(maria.getLocalDateTime("write_date")).hasToString("2026-01-05T08:00:00.123456");
    assertThat(maria.getLocalDateTime("create_date")).isEqualTo(maria.getLocalDateTime("write_date"));
    assertThat(maria.getBoolean("active")).isTrue();
    assertThat(maria.getBoolean("is_group")).isFalse();
    assertThat(maria.getInteger("company_id")).isEqualTo(1);

    assertThat(partner(openspp, gateway, "ind-archived").getBoolean("active")).isFalse();
    Row sparse = partner(openspp, gateway, "ind-sparse-given");
    assertThat(sparse.getString("name")).isEqualTo("Lorna");
    assertThat(sparse.getString("family_name")).isNull();
    assertThat(sparse.getString("gender")).isNull();
    assertThat(sparse.getValue("state_id")).isNull();
    // a state without a country hangs on the country row with code NULL; the partner has no country
    Row utf = partner(openspp, gateway, "ind-utf");
    assertThat(utf.getString("state")).isEqualTo("Western Visayas");
    assertThat(utf.getString("state_country")).isEqualTo("Unknown");
    assertThat(utf.getString("country")).isNull();

    Row coop = partner(openspp, gateway, "g-coop");
    assertThat(coop.getBoolean("is_group")).isTrue();
    assertThat(coop.getString("name")).isEqualTo("Rizal farmers cooperative");
    assertThat(coop.getString("group_type")).isEqualTo("urn:openspp:vocab:group-type cooperative");
    assertThat(coop.getString("gender")).isNull();
    assertThat(strings(openspp, "SELECT concat_ws(' ', code, name ->> 'en_US') FROM res_country ORDER BY id"))
        .containsExactly("PH PH", "Unknown");
  }

  @Test
  @DisplayName("clients and consents: organisations, types, scopes, subjects and recipients")
  void clientsAndConsents() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();
    FakeOpenspp.copyFrom(gateway, openspp).await();

    assertThat(strings(openspp, """
        SELECT c.client_id || ' ' || c.auth_type || ' ' || p.name || ' ' || c.organization_type || '=' || t.code
            || ' ' || c.legal_basis || ' ' || c.active || ' ' || coalesce(c.rate_limit_per_minute::text, '-')
            || ' ' || (c.client_secret IS NULL)
        FROM spp_api_client c JOIN res_partner p ON p.id = c.partner_id
        JOIN spp_consent_org_type t ON t.id = c.organization_type_id ORDER BY c.id"""))
        .containsExactly("consent-client oauth2 org-ngo ngo=ngo consent true 600 true",
            "inactive-client oauth2 org-retired government=government public_task false - true",
            "individual-only oauth2 client individual-only unspecified=unspecified legal_obligation true - true",
            "legal-client oauth2 org-dswd government=government public_task true - true");
    assertThat(strings(gateway, "SELECT client_id || ' ' || secret_hash FROM api_client ORDER BY client_id"))
        .isEqualTo(strings(openspp, "SELECT client_id || ' ' || client_secret_hash FROM spp_api_client ORDER BY id"));
    assertThat(strings(openspp, "SELECT legal_basis_reference FROM spp_api_client WHERE client_id = 'legal-client'"))
        .containsExactly("Republic Act No. 11310");
    assertThat(strings(openspp, """
        SELECT c.client_id || ' ' || string_agg(s.resource || ':' || s.action, ',' ORDER BY s.id)
        FROM spp_api_client_scope s JOIN spp_api_client c ON c.id = s.client_id GROUP BY c.client_id
        ORDER BY c.client_id"""))
        .containsExactly("consent-client individual:all,group:read", "inactive-client individual:read,group:read",
            "individual-only individual:read", "legal-client individual:read,group:read");

    assertThat(strings(openspp, """
        SELECT coalesce(c.external_id, '-') || ' ' || c.name || ' ' || coalesce(s.name, '-') || ' '
            || coalesce(g.name, '-') || ' ' || c.recipient_mode || ' ' || c.legal_basis || ' ' || c.status || ' '
            || c.effective_date || ' ' || c.expiry || ' '
            || coalesce((SELECT string_agg(p.name, ',' ORDER BY p.name) FROM spp_consent_recipient_rel r
                JOIN res_partner p ON p.id = r.partner_id WHERE r.consent_id = c.id), '-') || ' '
            || coalesce((SELECT string_agg(t.code, ',' ORDER BY t.code) FROM spp_consent_spp_consent_org_type_rel r
                JOIN spp_consent_org_type t ON t.id = r.spp_consent_org_type_id WHERE r.spp_consent_id = c.id), '-')
        FROM spp_consent c LEFT JOIN res_partner s ON s.id = c.signatory_id LEFT JOIN res_partner g ON g.id = c.group_id
        ORDER BY c.id"""))
        .containsExactly(
            "c-specific-basic consent 1 Maria Cruz SANTOS - specific consent given 2025-01-01 2030-12-31 org-ngo -",
            "c-category-custom consent 2 Ramon Garcia SANTOS - category consent given 2025-01-01 2030-12-31 - ngo",
            "c-expired consent 3 Rosario Dela Cruz BAUTISTA - specific consent given 2020-01-01 2021-12-31 org-ngo -",
            "c-withdrawn consent 4 Ñoño PEÑA - specific consent withdrawn 2024-01-01 2030-12-31 org-ngo -",
            "c-future consent 5 Pia PIPE - specific consent given 2099-01-01 2999-12-31 org-ngo -",
            "c-household consent 6 - Santos household specific consent given 2025-06-01 2030-05-31 org-dswd,org-ngo -",
            "- consent 7 - Reyes household category consent renewed 2025-01-01 2030-12-31 - government,ngo",
            "c-all-plus-individual consent 8 Juana DELA CRUZ - specific consent given 2025-01-01 2030-12-31 org-ngo -",
            "c-own-withdrawn-in-household consent 9 Liza SANTOS - specific consent withdrawn 2025-09-01 2026-03-31 "
                + "org-ngo -");
    assertThat(strings(openspp, """
        SELECT s.consent_id || ' ' || s.resource_type || ' ' || s.field_access || ' '
            || coalesce(s.custom_fields, '-') || ' ' || s.purpose || ' ' || s.include_extensions || ' '
            || coalesce(s.allowed_extensions, '-')
        FROM spp_consent_scope s WHERE s.consent_id IN (2, 8) ORDER BY s.id"""))
        .containsExactly("2 individual custom name,birthDate,gender,address eligibility_verification false -",
            "8 all basic - analytics false -", "8 individual custom name,telecom research true farmer");
  }

  @Test
  @DisplayName("a registrant with two identifiers of one system cannot be copied: its ref is named, nothing is written")
  void twoIdentifiersOfOneSystemFail() {
    Pool gateway = gateway(List.of(
        "{\"kind\":\"Individual\",\"ref\":\"fine\",\"identifier\":[{\"system\":\"" + NID + "\",\"value\":\"N-1\"}]}",
        "{\"kind\":\"Individual\",\"ref\":\"two-of-a-kind\",\"identifier\":[{\"system\":\"" + NID
            + "\",\"value\":\"N-2\"},{\"system\":\"" + NID + "\",\"value\":\"N-OLD\",\"status\":\"invalid\"}]}"));
    Pool openspp = fakeOpenspp();

    Throwable failure = catchThrowable(() -> FakeOpenspp.copyFrom(gateway, openspp).await());

    assertThat(failure).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'two-of-a-kind'").hasMessageContaining(NID);
    assertThat(strings(openspp, "SELECT (SELECT count(*) FROM res_partner) + (SELECT count(*) FROM res_users)"))
        .containsExactly("0");
    assertThat(strings(openspp, FOREIGN_KEYS)).isEqualTo(strings(fakeOpenspp(), FOREIGN_KEYS));
  }

  @Test
  @DisplayName("an identifier system equal to another vocabulary code's URI fails with a clear message")
  void uriCollisionFails() {
    Pool gateway = gateway(List.of("{\"kind\":\"Individual\",\"ref\":\"x\",\"identifier\":[{\"system\":"
        + "\"urn:iso:std:iso:5218#1\",\"value\":\"1\"}],\"gender\":{\"code\":\"1\",\"display\":\"Male\"}}"));
    Pool openspp = fakeOpenspp();

    Throwable failure = catchThrowable(() -> FakeOpenspp.copyFrom(gateway, openspp).await());

    assertThat(failure).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("urn:iso:std:iso:5218#1").hasMessageContaining("gender code '1'");
  }

  @Test
  @DisplayName("copyFrom refuses a fake OpenSPP database that already holds data")
  void refusesNonEmptyTarget() {
    Pool gateway = gateway(GatewayHarness.lines(FIXTURE));
    Pool openspp = fakeOpenspp();
    FakeOpenspp.copyFrom(gateway, openspp).await();

    Throwable failure = catchThrowable(() -> FakeOpenspp.copyFrom(gateway, openspp).await());

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("not empty");
  }

  @Test
  @DisplayName("setJwtSecret inserts, then updates, the spp_api_v2.jwt_secret system parameter")
  void jwtSecretRoundTrips() {
    Pool openspp = fakeOpenspp();

    FakeOpenspp.setJwtSecret(openspp, "first-secret").await();
    assertThat(strings(openspp, "SELECT value FROM ir_config_parameter WHERE key = 'spp_api_v2.jwt_secret'"))
        .containsExactly("first-secret");
    FakeOpenspp.setJwtSecret(openspp, "second-secret").await();
    assertThat(strings(openspp, "SELECT key || '=' || value FROM ir_config_parameter"))
        .containsExactly("spp_api_v2.jwt_secret=second-secret");
    assertThat(catchThrowable(() -> FakeOpenspp.setJwtSecret(openspp, "").await()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ helpers

  private Pool gateway(List<String> lines) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    GatewayHarness.loadLines(vertx, url, lines);
    return pool(url);
  }

  private Pool fakeOpenspp() {
    Pool pool = pool(TestRegistry.freshDatabaseUrl());
    FakeOpenspp.createSchema(pool).await();
    return pool;
  }

  private Pool pool(String url) {
    Pool pool = TestRegistry.pool(vertx, url);
    pools.add(pool);
    return pool;
  }

  private static List<String> strings(Pool pool, String sql) {
    List<String> values = new ArrayList<>();
    for (Row row : pool.query(sql).execute().await()) {
      Object value = row.getValue(0);
      values.add(value == null ? null : value.toString());
    }
    return values;
  }

  private static Map<String, String> byKey(Pool pool, String sql) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Row row : pool.query(sql).execute().await()) {
      values.put(row.getValue(0).toString(), row.getString(1));
    }
    return values;
  }

  private static String id(Pool gateway, String ref) {
    return gateway.preparedQuery("SELECT id FROM registrant WHERE ref = $1").execute(Tuple.of(ref)).await()
        .iterator().next().getValue(0).toString();
  }

  /** {@code (id, 'ref')} pairs of a query, for a VALUES list. */
  private static String values(Pool pool, String sql) {
    List<String> pairs = new ArrayList<>();
    for (Row row : pool.query(sql).execute().await()) {
      pairs.add("(" + row.getLong(0) + ", '" + row.getString(1).replace("'", "''") + "')");
    }
    return String.join(", ", pairs);
  }

  /** The res_partner row of a gateway registrant, with its codes, state and country resolved. */
  private static Row partner(Pool openspp, Pool gateway, String ref) {
    return openspp.preparedQuery("""
            SELECT p.*, g.namespace_uri || ' ' || g.code || ' ' || (g.display ->> 'en_US') AS gender,
                t.namespace_uri || ' ' || t.code AS group_type, s.name AS state,
                sc.name ->> 'en_US' AS state_country, c.code AS country
            FROM res_partner p
            LEFT JOIN spp_vocabulary_code g ON g.id = p.gender_id
            LEFT JOIN spp_vocabulary_code t ON t.id = p.group_type_id
            LEFT JOIN res_country_state s ON s.id = p.state_id
            LEFT JOIN res_country sc ON sc.id = s.country_id
            LEFT JOIN res_country c ON c.id = p.country_id
            WHERE p.id = $1""")
        .execute(Tuple.of(Integer.parseInt(id(gateway, ref)))).await().iterator().next();
  }
}
