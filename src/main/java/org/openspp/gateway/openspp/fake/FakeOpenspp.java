package org.openspp.gateway.openspp.fake;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds <b>fake</b> OpenSPP 2 (Odoo 19) databases for the embedded demo ({@code serve --demo openspp}), tests
 * and benchmarks: the tables and columns the bulk export reads (classpath {@code openspp/schema.sql} and
 * {@code openspp/odoo-base.sql}), filled with a registry copied from a database in the gateway's own schema.
 *
 * <p><b>Never point this class at a real OpenSPP database.</b> {@link #createSchema} creates tables,
 * {@link #copyFrom} writes rows with explicit ids and resets sequences, and {@link #setJwtSecret} overwrites
 * the token signing secret of the Odoo instance. The gateway itself only ever reads an OpenSPP database; this
 * class exists so that there is something to read without an Odoo server.
 *
 * <p>The mapping follows {@code SOURCE.md} (how an OpenSPP database maps to the export) in reverse, chosen so
 * that the gateway serving the copy in {@code openspp} mode gives the same export as serving the source in
 * {@code gateway} mode:
 * <ul>
 *   <li>registrants keep their ids ({@code res_partner.id = registrant.id}); {@code write_date} and
 *       {@code create_date} are {@code last_updated} as naive UTC; countries and states become
 *       {@code res_country}/{@code res_country_state} rows (a state without a country hangs on one country
 *       row with code NULL named "Unknown");</li>
 *   <li>identifier systems, genders, group types and membership roles become vocabulary codes: identifier
 *       systems in {@value #ID_TYPE_VOCABULARY} with {@code uri} = the system, every other code with
 *       {@code uri = namespace#code};</li>
 *   <li>a registrant's identifiers are inserted in descending position order, so OpenSPP's newest-first order
 *       ({@code id DESC}) is the gateway's position order; memberships in {@code (group, position)} order with
 *       {@code ended_date} = the day after the gateway's inclusive {@code end_date};</li>
 *   <li>organisations become company partners (ids after the registrants), organisation types
 *       {@code spp_consent_org_type} rows; a client without organisation gets a placeholder partner named
 *       {@code client <client_id>}, one without type the placeholder type {@code unspecified}; the plain
 *       {@code client_secret} column stays NULL, the stored hash is copied as is;</li>
 *   <li>consents keep their ids; a Group subject goes to {@code group_id}, an Individual one to
 *       {@code signatory_id}; a missing expiry becomes 2999-12-31 and a missing scope purpose
 *       {@code service_delivery} (both columns are NOT NULL in OpenSPP).</li>
 * </ul>
 * Extensions and photos are not copied (the {@code openspp} mode serves neither).
 *
 * <p>What OpenSPP cannot store fails the copy with an {@link IllegalStateException} naming the record, and
 * nothing is written: two identifiers of one system on one registrant ({@code UNIQUE(partner_id, id_type_id)}),
 * an identifier value longer than 100 characters, an identifier system whose URI equals another vocabulary
 * code's URI, a membership role code without a system, a country code longer than two characters. Differences
 * OpenSPP can store but serves differently are copied as they are (documented, not checked): a group without
 * group type (OpenSPP serves {@code household}), a member without live identifier, a membership starting in the
 * future (OpenSPP ignores start dates), a role or gender display without code (dropped), several displays for
 * one gender or role code (the smallest wins).
 *
 * <p>Everything is asynchronous (Vert.x futures on the pools' connections). {@link #copyFrom} reads the
 * gateway database in one repeatable-read, read-only transaction, in id-ordered pages of {@value #PAGE} rows
 * (keyset), and writes each page with one multi-row {@code INSERT ... SELECT FROM unnest(...)} per table inside
 * one transaction on the OpenSPP side; the next page is read while the current one is written. Within that
 * transaction the schema's foreign keys are dropped before the first insert and added back, with their
 * original names and definitions, after the last one (PostgreSQL's bulk-load advice: one validating join per
 * key instead of a trigger call per row); the copy therefore locks the fake database's tables until it commits.
 */
public final class FakeOpenspp {

  /** The {@code ir_config_parameter} key of the HS256 secret that OpenSPP's {@code /oauth/token} signs with. */
  public static final String JWT_SECRET_KEY = "spp_api_v2.jwt_secret";
  /** Vocabulary of identifier types; {@code spp_registry_id.namespace_uri} of every copied identifier. */
  public static final String ID_TYPE_VOCABULARY = "urn:openspp:vocab:id-type";
  /** Vocabulary of genders (ISO/IEC 5218). */
  public static final String GENDER_VOCABULARY = "urn:iso:std:iso:5218";
  /** Vocabulary of group types. */
  public static final String GROUP_TYPE_VOCABULARY = "urn:openspp:vocab:group-type";
  /** Organisation type of clients that have none in the gateway database. */
  public static final String UNSPECIFIED_ORGANIZATION_TYPE = "unspecified";

  static final int PAGE = 20_000;

  private static final Logger log = LoggerFactory.getLogger(FakeOpenspp.class);
  private static final List<String> SCRIPTS = List.of("openspp/schema.sql", "openspp/odoo-base.sql");
  private static final int ADMIN = 1;
  private static final int COMPANY = 1;
  private static final int CODE_SEQUENCE = 10;
  private static final LocalDate NO_EXPIRY = LocalDate.of(2999, 12, 31);
  private static final String KEY_SEPARATOR = "\u0001";

  /** Tables whose rows get explicit ids; their sequences are moved past the largest id at the end. */
  private static final List<String> EXPLICIT_ID_TABLES = List.of("res_users", "res_company", "res_country",
      "res_country_state", "spp_vocabulary", "spp_vocabulary_code", "res_partner", "spp_registry_id",
      "spp_group_membership", "spp_consent_org_type", "spp_api_client", "spp_api_client_scope", "spp_consent",
      "spp_consent_scope");

  // ------------------------------------------------------------------ OpenSPP side (writes)

  private static final String SET_JWT_SECRET = """
      INSERT INTO ir_config_parameter AS p (key, value, create_uid, create_date, write_uid, write_date)
      VALUES ($1, $2, (SELECT id FROM res_users WHERE id = 1), now() AT TIME ZONE 'UTC',
          (SELECT id FROM res_users WHERE id = 1), now() AT TIME ZONE 'UTC')
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_uid = EXCLUDED.write_uid,
          write_date = EXCLUDED.write_date""";

  private static final String IN_USE = """
      SELECT EXISTS (SELECT 1 FROM res_users) OR EXISTS (SELECT 1 FROM res_partner)
          OR EXISTS (SELECT 1 FROM spp_vocabulary) OR EXISTS (SELECT 1 FROM spp_api_client)
          OR EXISTS (SELECT 1 FROM spp_consent) AS in_use""";

  /**
   * The foreign keys of the fake schema, as statements that drop them and that add them back exactly as they
   * were (same names, same definitions). Bulk-loading without them and adding them back validates each in one
   * join instead of one trigger call per inserted row, which is most of the cost at a million registrants.
   */
  private static final String FOREIGN_KEYS = """
      SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_sql,
          format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)) AS add_sql
      FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
      ORDER BY c.conrelid::regclass::text, c.conname""";

  private static final String INSERT_ADMIN = """
      INSERT INTO res_users (id, login) VALUES (1, 'admin');
      INSERT INTO res_company (id, name) VALUES (1, 'OpenSPP (fake)')""";

  private static final String INSERT_VOCABULARIES = """
      INSERT INTO spp_vocabulary (id, name, namespace_uri, is_system, is_hierarchical, domain, active, create_uid,
          create_date, write_uid, write_date)
      SELECT u.id, jsonb_build_object('en_US', u.name), u.namespace_uri, true, false, u.domain, true, 1,
          now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[]) AS u(id, name, namespace_uri, domain)""";

  private static final String INSERT_CODES = """
      INSERT INTO spp_vocabulary_code (id, vocabulary_id, namespace_uri, code, display, sequence, uri, is_local,
          level, active, deprecated, create_uid, create_date, write_uid, write_date)
      SELECT u.id, u.vocabulary_id, u.namespace_uri, u.code, jsonb_build_object('en_US', u.display), $7, u.uri,
          false, 0, true, false, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[])
        AS u(id, vocabulary_id, namespace_uri, code, display, uri)""";

  private static final String INSERT_COUNTRIES = """
      INSERT INTO res_country (id, name, code, create_uid, create_date, write_uid, write_date)
      SELECT u.id, jsonb_build_object('en_US', u.name), u.code, 1, now() AT TIME ZONE 'UTC', 1,
          now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::text[], $3::text[]) AS u(id, name, code)""";

  private static final String INSERT_STATES = """
      INSERT INTO res_country_state (id, country_id, name, code, create_uid, create_date, write_uid, write_date)
      SELECT u.id, u.country_id, u.name, u.name, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::text[]) AS u(id, country_id, name)""";

  private static final String INSERT_REGISTRANTS = """
      INSERT INTO res_partner (id, name, active, street, zip, city, state_id, country_id, email, phone, mobile,
          is_company, company_id, is_registrant, is_group, family_name, given_name, addl_name, birthdate,
          birthdate_not_exact, gender_id, group_type_id, source_system, create_uid, create_date, write_uid,
          write_date)
      SELECT u.id, u.name, u.active, u.street, u.zip, u.city, u.state_id, u.country_id, u.email, u.phone,
          u.mobile, false, 1, true, u.is_group, u.family_name, u.given_name, u.addl_name, u.birthdate,
          u.birthdate_not_exact, u.gender_id, u.group_type_id, u.source_system, 1, u.written, 1, u.written
      FROM unnest($1::int4[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::int4[], $8::int4[],
          $9::text[], $10::text[], $11::text[], $12::bool[], $13::text[], $14::text[], $15::text[], $16::date[],
          $17::bool[], $18::int4[], $19::int4[], $20::text[], $21::timestamp[])
        AS u(id, name, active, street, zip, city, state_id, country_id, email, phone, mobile, is_group,
          family_name, given_name, addl_name, birthdate, birthdate_not_exact, gender_id, group_type_id,
          source_system, written)""";

  private static final String INSERT_IDENTIFIERS = """
      INSERT INTO spp_registry_id (id, partner_id, id_type_id, value, namespace_uri, status, create_uid,
          create_date, write_uid, write_date)
      SELECT u.id, u.partner_id, u.id_type_id, u.value, $6, u.status, 1, now() AT TIME ZONE 'UTC', 1,
          now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::text[], $5::text[])
        AS u(id, partner_id, id_type_id, value, status)""";

  private static final String INSERT_MEMBERSHIPS = """
      INSERT INTO spp_group_membership (id, "group", individual, start_date, ended_date, status, is_ended, active,
          create_uid, create_date, write_uid, write_date)
      SELECT u.id, u.group_id, u.individual, u.start_date, u.ended_date, 'active', false, true, 1,
          now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::timestamp[], $5::timestamp[])
        AS u(id, group_id, individual, start_date, ended_date)""";

  private static final String INSERT_MEMBERSHIP_ROLES = """
      INSERT INTO spp_group_membership_spp_vocabulary_code_rel (spp_group_membership_id, spp_vocabulary_code_id)
      SELECT * FROM unnest($1::int4[], $2::int4[])""";

  private static final String INSERT_ORGANIZATIONS = """
      INSERT INTO res_partner (id, name, active, is_company, company_id, is_registrant, is_group, create_uid,
          create_date, write_uid, write_date)
      SELECT u.id, u.name, true, true, 1, false, false, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::text[]) AS u(id, name)""";

  private static final String INSERT_ORGANIZATION_TYPES = """
      INSERT INTO spp_consent_org_type (id, name, code, sequence, active, create_uid, create_date, write_uid,
          write_date)
      SELECT u.id, jsonb_build_object('en_US', u.code), u.code, 10, true, 1, now() AT TIME ZONE 'UTC', 1,
          now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::text[]) AS u(id, code)""";

  private static final String INSERT_CLIENTS = """
      INSERT INTO spp_api_client (id, name, auth_type, client_id, client_secret, client_secret_hash, partner_id,
          organization_type_id, organization_type, rate_limit_per_minute, legal_basis, legal_basis_reference,
          active, create_uid, create_date, write_uid, write_date)
      SELECT u.id, u.name, 'oauth2', u.client_id, NULL, u.secret_hash, u.partner_id, u.type_id, u.type_code,
          u.rate_limit, u.legal_basis, u.legal_basis_reference, u.active, 1, u.written, 1, u.written
      FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::int4[], $7::text[], $8::int4[],
          $9::text[], $10::text[], $11::bool[], $12::timestamp[])
        AS u(id, name, client_id, secret_hash, partner_id, type_id, type_code, rate_limit, legal_basis,
          legal_basis_reference, active, written)""";

  private static final String INSERT_CLIENT_SCOPES = """
      INSERT INTO spp_api_client_scope (id, client_id, resource, action, create_uid, create_date, write_uid,
          write_date)
      SELECT u.id, u.client_id, u.resource, u.action, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[]) AS u(id, client_id, resource, action)""";

  private static final String INSERT_CONSENTS = """
      INSERT INTO spp_consent (id, name, external_id, signatory_id, group_id, recipient_mode, legal_basis, status,
          effective_date, expiry, create_uid, create_date, write_uid, write_date)
      SELECT u.id, 'consent ' || u.id, u.external_id, u.signatory_id, u.group_id, u.recipient_mode, 'consent',
          u.status, u.effective_date, u.expiry, 1, u.written, 1, u.written
      FROM unnest($1::int4[], $2::text[], $3::int4[], $4::int4[], $5::text[], $6::text[], $7::date[], $8::date[],
          $9::timestamp[])
        AS u(id, external_id, signatory_id, group_id, recipient_mode, status, effective_date, expiry, written)""";

  private static final String INSERT_CONSENT_RECIPIENTS = """
      INSERT INTO spp_consent_recipient_rel (consent_id, partner_id) SELECT * FROM unnest($1::int4[], $2::int4[])""";

  private static final String INSERT_CONSENT_TYPES = """
      INSERT INTO spp_consent_spp_consent_org_type_rel (spp_consent_id, spp_consent_org_type_id)
      SELECT * FROM unnest($1::int4[], $2::int4[])""";

  private static final String INSERT_CONSENT_SCOPES = """
      INSERT INTO spp_consent_scope (id, consent_id, resource_type, field_access, custom_fields, purpose,
          include_extensions, allowed_extensions, create_uid, create_date, write_uid, write_date)
      SELECT u.id, u.consent_id, u.resource_type, u.field_access, u.custom_fields, u.purpose, u.include_extensions,
          u.allowed_extensions, 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
      FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[])
        AS u(id, consent_id, resource_type, field_access, custom_fields, purpose, include_extensions,
          allowed_extensions)""";

  private static final String ANALYZE = "ANALYZE res_partner, spp_registry_id, spp_group_membership,"
      + " spp_group_membership_spp_vocabulary_code_rel, spp_vocabulary_code, spp_consent, spp_consent_scope,"
      + " spp_consent_recipient_rel, spp_consent_spp_consent_org_type_rel, spp_api_client, spp_api_client_scope";

  // ------------------------------------------------------------------ gateway side (reads)

  private static final String SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

  private static final String ID_SYSTEMS = "SELECT DISTINCT system FROM registrant_identifier";

  private static final String GENDERS = """
      SELECT gender_code AS code, array_agg(DISTINCT gender_display) AS displays FROM registrant
      WHERE gender_code IS NOT NULL GROUP BY gender_code""";

  private static final String GROUP_TYPES =
      "SELECT DISTINCT group_type FROM registrant WHERE group_type IS NOT NULL";

  private static final String ROLES = """
      SELECT role_system AS system, role_code AS code, array_agg(DISTINCT role_display) AS displays,
          min(group_id) AS group_id
      FROM group_membership WHERE role_code IS NOT NULL GROUP BY role_system, role_code""";

  private static final String PLACES = """
      SELECT country, state, min(id) AS registrant_id FROM registrant
      WHERE country IS NOT NULL OR state IS NOT NULL GROUP BY country, state""";

  private static final String MAX_REGISTRANT_ID = "SELECT coalesce(max(id), 0) AS id FROM registrant";

  private static final String REGISTRANT_PAGE = """
      SELECT id, ref, kind = 'Group' AS is_group, active, family_name, given_name, middle_name, name, birth_date,
          birth_date_estimated, gender_code, phone, mobile, email, street, city, state, country, postal_code,
          group_type, source, last_updated AT TIME ZONE 'UTC' AS written
      FROM registrant WHERE id > $1 ORDER BY id LIMIT $2""";

  private static final String IDENTIFIERS_OF_PAGE = """
      SELECT registrant_id, system, value, status FROM registrant_identifier
      WHERE registrant_id BETWEEN $1 AND $2 ORDER BY registrant_id, position DESC""";

  private static final String MEMBERSHIP_PAGE = """
      SELECT group_id, position, individual_id, role_system, role_code, start_date, end_date
      FROM group_membership WHERE (group_id, position) > ($1, $2) ORDER BY group_id, position LIMIT $3""";

  private static final String ORGANIZATIONS = """
      SELECT organization AS name FROM api_client WHERE organization IS NOT NULL
      UNION SELECT unnest(recipient_organizations) FROM consent""";

  private static final String ORGANIZATION_TYPES = """
      SELECT organization_type AS code FROM api_client WHERE organization_type IS NOT NULL
      UNION SELECT unnest(recipient_organization_types) FROM consent""";

  private static final String CLIENTS = """
      SELECT client_id, name, secret_hash, active, legal_basis, legal_basis_reference, organization,
          organization_type, scopes, rate_limit_per_minute, updated_at AT TIME ZONE 'UTC' AS written
      FROM api_client ORDER BY client_id""";

  private static final String CONSENT_PAGE = """
      SELECT c.id, c.ref, c.subject_id,
          (SELECT r.kind = 'Group' FROM registrant r WHERE r.id = c.subject_id) AS subject_is_group,
          c.recipient_mode, c.recipient_organizations, c.recipient_organization_types, c.status, c.effective_date,
          c.expiry_date, c.created_at AT TIME ZONE 'UTC' AS written
      FROM consent c WHERE c.id > $1 ORDER BY c.id LIMIT $2""";

  private static final String SCOPES_OF_PAGE = """
      SELECT consent_id, resource_type, field_access, nullif(array_to_string(custom_fields, ','), '') AS custom_fields,
          coalesce(purpose, 'service_delivery') AS purpose, include_extensions,
          nullif(array_to_string(allowed_extensions, ','), '') AS allowed_extensions
      FROM consent_scope WHERE consent_id BETWEEN $1 AND $2 ORDER BY consent_id, position""";

  private static final String REF_OF = "SELECT ref FROM registrant WHERE id = $1";

  /** How many rows of each kind a {@link #copyFrom} wrote. */
  public record Report(long individuals, long groups, long identifiers, long memberships, long clients,
      long consents) {
  }

  private FakeOpenspp() {
  }

  /**
   * Creates the fake OpenSPP tables in an empty database: runs {@code openspp/schema.sql} (which holds its own
   * {@code BEGIN}/{@code COMMIT}) and then {@code openspp/odoo-base.sql}, each as one simple-protocol script.
   * The scripts are read from the classpath on a worker thread when called from a Vert.x context.
   */
  public static Future<Void> createSchema(Pool openspp) {
    return readScripts().compose(scripts -> {
      Future<Void> chain = Future.succeededFuture();
      for (String script : scripts) {
        chain = chain.compose(v -> openspp.withConnection(conn -> conn.query(script).execute()
            // a failure inside schema.sql's explicit BEGIN leaves the session in an aborted transaction
            .recover(failure -> conn.query("ROLLBACK").execute()
                .transform(ignored -> Future.<RowSet<Row>>failedFuture(failure)))
            .<Void>mapEmpty()));
      }
      return chain;
    });
  }

  /**
   * Stores {@code secret} as the {@value #JWT_SECRET_KEY} system parameter (insert or update), the HS256
   * secret OpenSPP's token endpoint signs with and the gateway falls back to in {@code openspp} mode.
   */
  public static Future<Void> setJwtSecret(Pool openspp, String secret) {
    if (secret == null || secret.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("the JWT secret must not be empty"));
    }
    return openspp.preparedQuery(SET_JWT_SECRET).execute(Tuple.of(JWT_SECRET_KEY, secret)).mapEmpty();
  }

  /**
   * Copies the registry held by {@code gatewayDb} (the gateway's own schema, as filled by {@code load}) into
   * {@code openspp}, an empty fake OpenSPP database made by {@link #createSchema}. All or nothing: one
   * transaction on the OpenSPP side; the gateway side is read in one repeatable-read snapshot.
   *
   * @return the counts copied; fails with {@link IllegalStateException} when the target is not empty or the
   *     registry holds something OpenSPP cannot store (see the class comment), or with the database error
   */
  public static Future<Report> copyFrom(Pool gatewayDb, Pool openspp) {
    long started = System.nanoTime();
    return gatewayDb.withTransaction(read -> read.query(SNAPSHOT).execute()
            .compose(v -> openspp.withTransaction(write -> new Copy(read, write).run())))
        .compose(report -> openspp.query(ANALYZE).execute().map(report))
        .onSuccess(report -> log.info("Fake OpenSPP database filled: {} individuals, {} groups, {} identifiers,"
                + " {} memberships, {} clients, {} consents in {} ms", report.individuals(), report.groups(),
            report.identifiers(), report.memberships(), report.clients(), report.consents(),
            (System.nanoTime() - started) / 1_000_000));
  }

  private static Future<List<String>> readScripts() {
    Context context = Vertx.currentContext();
    if (context == null) {
      try {
        return Future.succeededFuture(loadScripts());
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return context.executeBlocking(FakeOpenspp::loadScripts);
  }

  private static List<String> loadScripts() {
    List<String> scripts = new ArrayList<>(SCRIPTS.size());
    for (String resource : SCRIPTS) {
      try (InputStream in = FakeOpenspp.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("Missing classpath resource " + resource);
        }
        scripts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + resource, e);
      }
    }
    return scripts;
  }

  // ------------------------------------------------------------------ paging

  /** A page read from the gateway database; a full page means there may be more. */
  private interface Page {
    boolean full();
  }

  /**
   * Reads pages with {@code readAfter} (null: the first page) and writes each with {@code write}; the next page
   * is read (on the read connection) while the current one is written (on the write connection).
   */
  private static <P extends Page> Future<Void> paged(Function<P, Future<P>> readAfter,
      Function<P, Future<Void>> write) {
    return pump(readAfter.apply(null), readAfter, write);
  }

  private static <P extends Page> Future<Void> pump(Future<P> reading, Function<P, Future<P>> readAfter,
      Function<P, Future<Void>> write) {
    return reading.compose(page -> {
      Future<P> next = page.full() ? readAfter.apply(page) : null;
      return write.apply(page).compose(v -> next == null ? Future.succeededFuture() : pump(next, readAfter, write));
    });
  }

  /**
   * A keyset page of parent rows (registrants, consents) with the child rows of its id range (identifiers, scope
   * rows).
   */
  private record ParentPage(RowSet<Row> parents, RowSet<Row> children, long lastId, boolean full) implements Page {
  }

  private record MembershipPage(RowSet<Row> rows, long lastGroup, int lastPosition, boolean full)
      implements Page {
  }

  /** One vocabulary code to create. */
  private record Code(int id, int vocabularyId, String namespace, String code, String display, String uri) {
  }

  /** One vocabulary to create, with its codes by code. */
  private static final class Vocabulary {
    final int id;
    final String namespace;
    final String name;
    final String domain;
    final Map<String, Code> codes = new LinkedHashMap<>();

    Vocabulary(int id, String namespace, String name, String domain) {
      this.id = id;
      this.namespace = namespace;
      this.name = name;
      this.domain = domain;
    }
  }

  // ------------------------------------------------------------------ the copy

  /** One copy: the two connections, the id maps built on the way and the counters. */
  private static final class Copy {
    private final SqlConnection read;
    private final SqlConnection write;

    private final Map<String, Vocabulary> vocabularies = new LinkedHashMap<>();
    private final Map<String, String> uriOwners = new HashMap<>();
    private final Map<String, Integer> idTypes = new HashMap<>();
    private final Map<String, Integer> genders = new HashMap<>();
    private final Map<String, Integer> groupTypes = new HashMap<>();
    private final Map<String, Integer> roles = new HashMap<>();
    private final Map<String, Integer> countries = new HashMap<>();
    private final Map<String, Integer> states = new HashMap<>();
    private final Map<String, Integer> organizations = new HashMap<>();
    private final Map<String, Integer> organizationTypes = new LinkedHashMap<>();
    private final List<String> restoreForeignKeys = new ArrayList<>();

    private int nextCodeId = 1;
    private int nextIdentifierId = 1;
    private int nextMembershipId = 1;
    private int nextConsentScopeId = 1;
    private int nextPartnerId;
    private long individuals;
    private long groups;
    private long identifiers;
    private long memberships;
    private long clients;
    private long consents;

    Copy(SqlConnection read, SqlConnection write) {
      this.read = read;
      this.write = write;
    }

    Future<Report> run() {
      return write.query(IN_USE).execute()
          .recover(failure -> Future.failedFuture(new IllegalStateException(
              "The target is not a fake OpenSPP database made by FakeOpenspp.createSchema: "
                  + failure.getMessage(), failure)))
          .compose(rows -> rows.iterator().next().getBoolean("in_use")
              ? Future.failedFuture(new IllegalStateException(
                  "The fake OpenSPP database is not empty; copyFrom needs a fresh one made by createSchema"))
              : Future.succeededFuture())
          .compose(v -> write.query(FOREIGN_KEYS).execute())
          .compose(rows -> {
            List<String> drops = new ArrayList<>();
            for (Row row : rows) {
              drops.add(row.getString("drop_sql"));
              restoreForeignKeys.add(row.getString("add_sql"));
            }
            return drops.isEmpty() ? Future.succeededFuture() : write.query(String.join(";\n", drops)).execute();
          })
          .compose(v -> write.query(INSERT_ADMIN).execute())
          .compose(v -> vocabularies())
          .compose(v -> places())
          .compose(v -> read.query(MAX_REGISTRANT_ID).execute())
          .compose(rows -> {
            nextPartnerId = Math.toIntExact(rows.iterator().next().getLong("id") + 1);
            return paged(this::readRegistrants, this::writeRegistrants);
          })
          .compose(v -> paged(this::readMemberships, this::writeMemberships))
          .compose(v -> organizations())
          .compose(v -> clients())
          .compose(v -> paged(this::readConsents, this::writeConsents))
          .compose(v -> restoreForeignKeys.isEmpty() ? Future.succeededFuture()
              : write.query(String.join(";\n", restoreForeignKeys)).execute())
          .compose(v -> write.query(resetSequences()).execute())
          .map(v -> new Report(individuals, groups, identifiers, memberships, clients, consents));
    }

    // ---------------------------------------------------------------- vocabularies

    private Future<Void> vocabularies() {
      return read.query(ID_SYSTEMS).execute()
          .compose(systems -> {
            for (String system : sorted(systems, "system")) {
              int hash = system.lastIndexOf('#');
              String base = hash < 0 || hash == system.length() - 1 ? system : system.substring(hash + 1);
              Vocabulary vocabulary = vocabulary(ID_TYPE_VOCABULARY, "ID types", "identification");
              String code = base;
              for (int n = 2; vocabulary.codes.containsKey(code); n++) {
                code = base + "_" + n;
              }
              idTypes.put(system, addCode(vocabulary, code, code, system, "identifier system '" + system + "'"));
            }
            return read.query(GENDERS).execute();
          })
          .compose(rows -> {
            for (Row row : sortedRows(rows, "code")) {
              String code = text(row.getString("code"));
              if (code != null) {
                Vocabulary vocabulary = vocabulary(GENDER_VOCABULARY, "Gender (ISO/IEC 5218)", "demographic");
                genders.put(row.getString("code"), addCode(vocabulary, code, display(row), null,
                    "gender code '" + code + "'"));
              }
            }
            return read.query(GROUP_TYPES).execute();
          })
          .compose(rows -> {
            for (String type : sorted(rows, "group_type")) {
              if (text(type) != null) {
                Vocabulary vocabulary = vocabulary(GROUP_TYPE_VOCABULARY, "Group types", "registry");
                groupTypes.put(type, addCode(vocabulary, type, type, null, "group type '" + type + "'"));
              }
            }
            return read.query(ROLES).execute();
          })
          .compose(rows -> {
            Future<Void> result = Future.succeededFuture();
            for (Row row : sortedRows(rows, "system", "code")) {
              String system = text(row.getString("system"));
              String code = text(row.getString("code"));
              if (code == null) {
                continue;
              }
              if (system == null) {
                long groupId = row.getLong("group_id");
                return describe(groupId).compose(group -> Future.<Void>failedFuture(new IllegalStateException(
                    "Group " + group + " has a membership role with code '" + code + "' but no system; OpenSPP"
                        + " roles are vocabulary codes and need a vocabulary namespace")));
              }
              Vocabulary vocabulary = vocabulary(system, "Membership roles " + system, "relationship");
              roles.put(row.getString("system") + KEY_SEPARATOR + row.getString("code"),
                  addCode(vocabulary, code, display(row), null, "membership role '" + code + "' of " + system));
            }
            return result;
          })
          .compose(v -> insertVocabularies());
    }

    private Vocabulary vocabulary(String namespace, String name, String domain) {
      return vocabularies.computeIfAbsent(namespace,
          ns -> new Vocabulary(vocabularies.size() + 1, ns, name, domain));
    }

    /** Adds a code; {@code uri} null means {@code namespace#code}. Fails on a code or URI clash. */
    private int addCode(Vocabulary vocabulary, String code, String display, String uri, String origin) {
      Code existing = vocabulary.codes.get(code);
      if (existing != null) {
        throw new IllegalStateException("The " + origin + " and another code both need the code '" + code
            + "' in the vocabulary " + vocabulary.namespace + "; OpenSPP codes are unique per vocabulary");
      }
      String fullUri = uri == null ? vocabulary.namespace + "#" + code : uri;
      String owner = uriOwners.putIfAbsent(fullUri, origin);
      if (owner != null) {
        throw new IllegalStateException("The " + origin + " and the " + owner + " have the same vocabulary code"
            + " URI '" + fullUri + "'; spp_vocabulary_code.uri is unique in OpenSPP");
      }
      Code created = new Code(nextCodeId++, vocabulary.id, vocabulary.namespace, code,
          display == null ? "" : display, fullUri);
      vocabulary.codes.put(code, created);
      return created.id();
    }

    private Future<Void> insertVocabularies() {
      int count = vocabularies.size();
      Integer[] ids = new Integer[count];
      String[] names = new String[count];
      String[] namespaces = new String[count];
      String[] domains = new String[count];
      List<Code> codes = new ArrayList<>();
      int i = 0;
      for (Vocabulary vocabulary : vocabularies.values()) {
        ids[i] = vocabulary.id;
        names[i] = vocabulary.name;
        namespaces[i] = vocabulary.namespace;
        domains[i] = vocabulary.domain;
        codes.addAll(vocabulary.codes.values());
        i++;
      }
      Integer[] codeIds = new Integer[codes.size()];
      Integer[] vocabularyIds = new Integer[codes.size()];
      String[] codeNamespaces = new String[codes.size()];
      String[] codeValues = new String[codes.size()];
      String[] displays = new String[codes.size()];
      String[] uris = new String[codes.size()];
      for (int c = 0; c < codes.size(); c++) {
        Code code = codes.get(c);
        codeIds[c] = code.id();
        vocabularyIds[c] = code.vocabularyId();
        codeNamespaces[c] = code.namespace();
        codeValues[c] = code.code();
        displays[c] = code.display();
        uris[c] = code.uri();
      }
      if (count == 0) {
        return Future.succeededFuture();
      }
      return write.preparedQuery(INSERT_VOCABULARIES).execute(Tuple.tuple().addArrayOfInteger(ids)
              .addArrayOfString(names).addArrayOfString(namespaces).addArrayOfString(domains))
          .compose(v -> write.preparedQuery(INSERT_CODES).execute(Tuple.tuple().addArrayOfInteger(codeIds)
              .addArrayOfInteger(vocabularyIds).addArrayOfString(codeNamespaces).addArrayOfString(codeValues)
              .addArrayOfString(displays).addArrayOfString(uris).addInteger(CODE_SEQUENCE)))
          .mapEmpty();
    }

    // ---------------------------------------------------------------- countries and states

    private Future<Void> places() {
      return read.query(PLACES).execute().compose(rows -> {
        Map<String, Integer> countryIds = new TreeMap<>();
        Map<String, String[]> stateRows = new TreeMap<>();
        Long tooLong = null;
        for (Row row : rows) {
          String country = text(row.getString("country"));
          String state = text(row.getString("state"));
          if (country != null && country.length() > 2) {
            tooLong = row.getLong("registrant_id");
            break;
          }
          if (country != null) {
            countryIds.put(country, 0);
          }
          if (state != null) {
            stateRows.put(key(country, state), new String[] {country, state});
          }
        }
        if (tooLong != null) {
          return describe(tooLong).compose(who -> Future.<Void>failedFuture(new IllegalStateException("Registrant "
              + who + " has a country code longer than two characters; res_country.code is varchar(2)")));
        }
        boolean unknownCountry = stateRows.values().stream().anyMatch(s -> s[0] == null);
        List<Integer> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> codes = new ArrayList<>();
        for (String country : countryIds.keySet()) {
          int id = ids.size() + 1;
          countryIds.put(country, id);
          countries.put(country, id);
          ids.add(id);
          names.add(country);
          codes.add(country);
        }
        int unknownId = ids.size() + 1;
        if (unknownCountry) {
          ids.add(unknownId);
          names.add("Unknown");
          codes.add(null);
        }
        Integer[] stateIds = new Integer[stateRows.size()];
        Integer[] stateCountries = new Integer[stateRows.size()];
        String[] stateNames = new String[stateRows.size()];
        int i = 0;
        for (Map.Entry<String, String[]> entry : stateRows.entrySet()) {
          String country = entry.getValue()[0];
          stateIds[i] = i + 1;
          stateCountries[i] = country == null ? unknownId : countryIds.get(country);
          stateNames[i] = entry.getValue()[1];
          states.put(entry.getKey(), i + 1);
          i++;
        }
        Future<?> inserted = ids.isEmpty() ? Future.succeededFuture()
            : write.preparedQuery(INSERT_COUNTRIES).execute(Tuple.tuple()
                .addArrayOfInteger(ids.toArray(Integer[]::new)).addArrayOfString(names.toArray(String[]::new))
                .addArrayOfString(codes.toArray(String[]::new)));
        return inserted.compose(v -> stateIds.length == 0 ? Future.succeededFuture()
            : write.preparedQuery(INSERT_STATES).execute(Tuple.tuple().addArrayOfInteger(stateIds)
                .addArrayOfInteger(stateCountries).addArrayOfString(stateNames)).mapEmpty());
      });
    }

    // ---------------------------------------------------------------- registrants and identifiers

    private Future<ParentPage> readRegistrants(ParentPage previous) {
      return readParents(REGISTRANT_PAGE, IDENTIFIERS_OF_PAGE, previous);
    }

    /** The page of {@code pageSql} after {@code previous}, with {@code childrenSql}'s rows for its id range. */
    private Future<ParentPage> readParents(String pageSql, String childrenSql, ParentPage previous) {
      long after = previous == null ? 0 : previous.lastId();
      return read.preparedQuery(pageSql).execute(Tuple.of(after, PAGE)).compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(new ParentPage(rows, null, after, false));
        }
        long first = rows.iterator().next().getLong("id");
        long last = first;
        for (Row row : rows) {
          last = row.getLong("id");
        }
        long lastId = last;
        return read.preparedQuery(childrenSql).execute(Tuple.of(first, last))
            .map(children -> new ParentPage(rows, children, lastId, rows.size() == PAGE));
      });
    }

    private Future<Void> writeRegistrants(ParentPage page) {
      int size = page.parents().size();
      if (size == 0) {
        return Future.succeededFuture();
      }
      Integer[] ids = new Integer[size];
      String[] names = new String[size];
      Boolean[] active = new Boolean[size];
      String[] streets = new String[size];
      String[] zips = new String[size];
      String[] cities = new String[size];
      Integer[] stateIds = new Integer[size];
      Integer[] countryIds = new Integer[size];
      String[] emails = new String[size];
      String[] phones = new String[size];
      String[] mobiles = new String[size];
      Boolean[] isGroup = new Boolean[size];
      String[] familyNames = new String[size];
      String[] givenNames = new String[size];
      String[] addlNames = new String[size];
      LocalDate[] birthdates = new LocalDate[size];
      Boolean[] notExact = new Boolean[size];
      Integer[] genderIds = new Integer[size];
      Integer[] groupTypeIds = new Integer[size];
      String[] sources = new String[size];
      LocalDateTime[] written = new LocalDateTime[size];
      Map<Long, String> refs = new HashMap<>();
      int i = 0;
      for (Row row : page.parents()) {
        long id = row.getLong("id");
        refs.put(id, row.getString("ref"));
        ids[i] = Math.toIntExact(id);
        names[i] = text(row.getString("name"));
        active[i] = row.getBoolean("active");
        streets[i] = text(row.getString("street"));
        zips[i] = text(row.getString("postal_code"));
        cities[i] = text(row.getString("city"));
        String country = text(row.getString("country"));
        String state = text(row.getString("state"));
        countryIds[i] = country == null ? null : countries.get(country);
        stateIds[i] = state == null ? null : states.get(key(country, state));
        emails[i] = text(row.getString("email"));
        phones[i] = text(row.getString("phone"));
        mobiles[i] = text(row.getString("mobile"));
        boolean group = row.getBoolean("is_group");
        isGroup[i] = group;
        familyNames[i] = text(row.getString("family_name"));
        givenNames[i] = text(row.getString("given_name"));
        addlNames[i] = text(row.getString("middle_name"));
        birthdates[i] = row.getLocalDate("birth_date");
        notExact[i] = row.getBoolean("birth_date_estimated");
        String gender = row.getString("gender_code");
        genderIds[i] = gender == null ? null : genders.get(gender);
        String groupType = row.getString("group_type");
        groupTypeIds[i] = groupType == null ? null : groupTypes.get(groupType);
        sources[i] = text(row.getString("source"));
        written[i] = row.getLocalDateTime("written");
        if (group) {
          groups++;
        } else {
          individuals++;
        }
        i++;
      }
      Tuple partners = Tuple.tuple().addArrayOfInteger(ids).addArrayOfString(names).addArrayOfBoolean(active)
          .addArrayOfString(streets).addArrayOfString(zips).addArrayOfString(cities).addArrayOfInteger(stateIds)
          .addArrayOfInteger(countryIds).addArrayOfString(emails).addArrayOfString(phones)
          .addArrayOfString(mobiles).addArrayOfBoolean(isGroup).addArrayOfString(familyNames)
          .addArrayOfString(givenNames).addArrayOfString(addlNames).addArrayOfLocalDate(birthdates)
          .addArrayOfBoolean(notExact).addArrayOfInteger(genderIds).addArrayOfInteger(groupTypeIds)
          .addArrayOfString(sources).addArrayOfLocalDateTime(written);

      Tuple identifierRows;
      try {
        identifierRows = identifierRows(page.children(), refs);
      } catch (IllegalStateException e) {
        return Future.failedFuture(e);
      }
      return write.preparedQuery(INSERT_REGISTRANTS).execute(partners)
          .compose(v -> identifierRows == null ? Future.succeededFuture()
              : write.preparedQuery(INSERT_IDENTIFIERS).execute(identifierRows).mapEmpty());
    }

    /** The identifier rows of a page (ordered by registrant, position descending), checked for OpenSPP. */
    private Tuple identifierRows(RowSet<Row> rows, Map<Long, String> refs) {
      int size = rows.size();
      if (size == 0) {
        return null;
      }
      Integer[] ids = new Integer[size];
      Integer[] partners = new Integer[size];
      Integer[] types = new Integer[size];
      String[] values = new String[size];
      String[] statuses = new String[size];
      long owner = -1;
      Set<String> systems = new HashSet<>();
      int i = 0;
      for (Row row : rows) {
        long registrant = row.getLong("registrant_id");
        if (registrant != owner) {
          owner = registrant;
          systems.clear();
        }
        String system = row.getString("system");
        String value = row.getString("value");
        if (!systems.add(system)) {
          throw new IllegalStateException("Registrant " + describe(registrant, refs.get(registrant))
              + " holds two identifiers of the system '" + system + "'; OpenSPP allows one identifier per"
              + " registrant and ID type (spp_registry_id UNIQUE(partner_id, id_type_id))");
        }
        if (value.length() > 100) {
          throw new IllegalStateException("Registrant " + describe(registrant, refs.get(registrant))
              + " holds an identifier value longer than 100 characters; spp_registry_id.value is varchar(100)");
        }
        ids[i] = nextIdentifierId++;
        partners[i] = Math.toIntExact(registrant);
        types[i] = idTypes.get(system);
        values[i] = value;
        statuses[i] = "valid".equals(row.getString("status")) ? "valid" : "invalid";
        i++;
      }
      identifiers += size;
      return Tuple.tuple().addArrayOfInteger(ids).addArrayOfInteger(partners).addArrayOfInteger(types)
          .addArrayOfString(values).addArrayOfString(statuses).addString(ID_TYPE_VOCABULARY);
    }

    // ---------------------------------------------------------------- memberships

    private Future<MembershipPage> readMemberships(MembershipPage previous) {
      long group = previous == null ? -1 : previous.lastGroup();
      int position = previous == null ? -1 : previous.lastPosition();
      return read.preparedQuery(MEMBERSHIP_PAGE).execute(Tuple.of(group, position, PAGE)).map(rows -> {
        long lastGroup = group;
        int lastPosition = position;
        for (Row row : rows) {
          lastGroup = row.getLong("group_id");
          lastPosition = row.getInteger("position");
        }
        return new MembershipPage(rows, lastGroup, lastPosition, rows.size() == PAGE);
      });
    }

    private Future<Void> writeMemberships(MembershipPage page) {
      int size = page.rows().size();
      if (size == 0) {
        return Future.succeededFuture();
      }
      Integer[] ids = new Integer[size];
      Integer[] groupIds = new Integer[size];
      Integer[] individualIds = new Integer[size];
      LocalDateTime[] starts = new LocalDateTime[size];
      LocalDateTime[] ends = new LocalDateTime[size];
      List<Integer> roleMemberships = new ArrayList<>();
      List<Integer> roleCodes = new ArrayList<>();
      int i = 0;
      for (Row row : page.rows()) {
        int id = nextMembershipId++;
        ids[i] = id;
        groupIds[i] = Math.toIntExact(row.getLong("group_id"));
        individualIds[i] = Math.toIntExact(row.getLong("individual_id"));
        LocalDate start = row.getLocalDate("start_date");
        LocalDate end = row.getLocalDate("end_date");
        starts[i] = start == null ? null : start.atStartOfDay();
        ends[i] = end == null ? null : end.plusDays(1).atStartOfDay();
        String code = row.getString("role_code");
        Integer role = code == null ? null : roles.get(row.getString("role_system") + KEY_SEPARATOR + code);
        if (role != null) {
          roleMemberships.add(id);
          roleCodes.add(role);
        }
        i++;
      }
      memberships += size;
      return write.preparedQuery(INSERT_MEMBERSHIPS).execute(Tuple.tuple().addArrayOfInteger(ids)
              .addArrayOfInteger(groupIds).addArrayOfInteger(individualIds).addArrayOfLocalDateTime(starts)
              .addArrayOfLocalDateTime(ends))
          .compose(v -> roleMemberships.isEmpty() ? Future.succeededFuture()
              : write.preparedQuery(INSERT_MEMBERSHIP_ROLES).execute(Tuple.tuple()
                  .addArrayOfInteger(roleMemberships.toArray(Integer[]::new))
                  .addArrayOfInteger(roleCodes.toArray(Integer[]::new))).mapEmpty());
    }

    // ---------------------------------------------------------------- organisations and clients

    private Future<Void> organizations() {
      return read.query(ORGANIZATIONS).execute()
          .compose(rows -> {
            List<Integer> ids = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (String name : sorted(rows, "name")) {
              if (text(name) != null) {
                int id = nextPartnerId++;
                organizations.put(name, id);
                ids.add(id);
                names.add(name);
              }
            }
            return ids.isEmpty() ? Future.succeededFuture() : write.preparedQuery(INSERT_ORGANIZATIONS)
                .execute(Tuple.tuple().addArrayOfInteger(ids.toArray(Integer[]::new))
                    .addArrayOfString(names.toArray(String[]::new))).mapEmpty();
          })
          .compose(v -> read.query(ORGANIZATION_TYPES).execute())
          .compose(rows -> {
            for (String code : sorted(rows, "code")) {
              if (text(code) != null) {
                organizationTypes.put(code, organizationTypes.size() + 1);
              }
            }
            return Future.succeededFuture();
          });
    }

    private Future<Void> clients() {
      return read.query(CLIENTS).execute().compose(rows -> {
        int size = rows.size();
        Integer[] ids = new Integer[size];
        String[] names = new String[size];
        String[] clientIds = new String[size];
        String[] hashes = new String[size];
        Integer[] partners = new Integer[size];
        Integer[] typeIds = new Integer[size];
        String[] typeCodes = new String[size];
        Integer[] rateLimits = new Integer[size];
        String[] legalBases = new String[size];
        String[] legalBasisReferences = new String[size];
        Boolean[] active = new Boolean[size];
        LocalDateTime[] written = new LocalDateTime[size];
        List<Integer> placeholderIds = new ArrayList<>();
        List<String> placeholderNames = new ArrayList<>();
        List<Integer> scopeClients = new ArrayList<>();
        List<String> resources = new ArrayList<>();
        List<String> actions = new ArrayList<>();
        int i = 0;
        for (Row row : rows) {
          int id = i + 1;
          String clientId = row.getString("client_id");
          ids[i] = id;
          names[i] = row.getString("name");
          clientIds[i] = clientId;
          hashes[i] = row.getString("secret_hash");
          String organization = text(row.getString("organization"));
          if (organization == null) {
            int partner = nextPartnerId++;
            placeholderIds.add(partner);
            placeholderNames.add("client " + clientId);
            partners[i] = partner;
          } else {
            partners[i] = organizations.get(organization);
          }
          String type = text(row.getString("organization_type"));
          if (type == null) {
            type = UNSPECIFIED_ORGANIZATION_TYPE;
            organizationTypes.computeIfAbsent(type, t -> organizationTypes.size() + 1);
          }
          typeIds[i] = organizationTypes.get(type);
          typeCodes[i] = type;
          rateLimits[i] = row.getInteger("rate_limit_per_minute");
          legalBases[i] = row.getString("legal_basis");
          legalBasisReferences[i] = text(row.getString("legal_basis_reference"));
          active[i] = row.getBoolean("active");
          written[i] = row.getLocalDateTime("written");
          for (String scope : row.getArrayOfStrings("scopes")) {
            int colon = scope.indexOf(':');
            scopeClients.add(id);
            resources.add(colon < 0 ? scope : scope.substring(0, colon));
            actions.add(colon < 0 ? "" : scope.substring(colon + 1));
          }
          i++;
        }
        clients = size;
        Integer[] typeIdArray = new Integer[organizationTypes.size()];
        String[] typeCodeArray = new String[organizationTypes.size()];
        int t = 0;
        for (Map.Entry<String, Integer> entry : organizationTypes.entrySet()) {
          typeIdArray[t] = entry.getValue();
          typeCodeArray[t] = entry.getKey();
          t++;
        }
        Integer[] scopeIds = new Integer[scopeClients.size()];
        for (int s = 0; s < scopeIds.length; s++) {
          scopeIds[s] = s + 1;
        }
        Future<?> chain = typeIdArray.length == 0 ? Future.succeededFuture()
            : write.preparedQuery(INSERT_ORGANIZATION_TYPES).execute(Tuple.tuple().addArrayOfInteger(typeIdArray)
                .addArrayOfString(typeCodeArray));
        if (!placeholderIds.isEmpty()) {
          chain = chain.compose(v -> write.preparedQuery(INSERT_ORGANIZATIONS).execute(Tuple.tuple()
              .addArrayOfInteger(placeholderIds.toArray(Integer[]::new))
              .addArrayOfString(placeholderNames.toArray(String[]::new))));
        }
        if (size > 0) {
          chain = chain.compose(v -> write.preparedQuery(INSERT_CLIENTS).execute(Tuple.tuple()
              .addArrayOfInteger(ids).addArrayOfString(names).addArrayOfString(clientIds).addArrayOfString(hashes)
              .addArrayOfInteger(partners).addArrayOfInteger(typeIds).addArrayOfString(typeCodes)
              .addArrayOfInteger(rateLimits).addArrayOfString(legalBases).addArrayOfString(legalBasisReferences)
              .addArrayOfBoolean(active).addArrayOfLocalDateTime(written)));
        }
        if (scopeIds.length > 0) {
          chain = chain.compose(v -> write.preparedQuery(INSERT_CLIENT_SCOPES).execute(Tuple.tuple()
              .addArrayOfInteger(scopeIds).addArrayOfInteger(scopeClients.toArray(Integer[]::new))
              .addArrayOfString(resources.toArray(String[]::new)).addArrayOfString(actions.toArray(String[]::new))));
        }
        return chain.mapEmpty();
      });
    }

    // ---------------------------------------------------------------- consents

    private Future<ParentPage> readConsents(ParentPage previous) {
      return readParents(CONSENT_PAGE, SCOPES_OF_PAGE, previous);
    }

    private Future<Void> writeConsents(ParentPage page) {
      int size = page.parents().size();
      if (size == 0) {
        return Future.succeededFuture();
      }
      Integer[] ids = new Integer[size];
      String[] externalIds = new String[size];
      Integer[] signatories = new Integer[size];
      Integer[] groupIds = new Integer[size];
      String[] modes = new String[size];
      String[] statuses = new String[size];
      LocalDate[] effective = new LocalDate[size];
      LocalDate[] expiry = new LocalDate[size];
      LocalDateTime[] written = new LocalDateTime[size];
      List<Integer> recipientConsents = new ArrayList<>();
      List<Integer> recipientPartners = new ArrayList<>();
      List<Integer> typeConsents = new ArrayList<>();
      List<Integer> typeIds = new ArrayList<>();
      int i = 0;
      for (Row row : page.parents()) {
        int id = Math.toIntExact(row.getLong("id"));
        int subject = Math.toIntExact(row.getLong("subject_id"));
        boolean group = row.getBoolean("subject_is_group");
        ids[i] = id;
        externalIds[i] = row.getString("ref");
        signatories[i] = group ? null : subject;
        groupIds[i] = group ? subject : null;
        modes[i] = row.getString("recipient_mode");
        statuses[i] = row.getString("status");
        effective[i] = row.getLocalDate("effective_date");
        LocalDate expiryDate = row.getLocalDate("expiry_date");
        expiry[i] = expiryDate == null ? NO_EXPIRY : expiryDate;
        written[i] = row.getLocalDateTime("written");
        for (String organization : new LinkedHashSet<>(Arrays.asList(row.getArrayOfStrings("recipient_organizations")))) {
          Integer partner = organizations.get(organization);
          if (partner != null) {
            recipientConsents.add(id);
            recipientPartners.add(partner);
          }
        }
        for (String type : new LinkedHashSet<>(Arrays.asList(row.getArrayOfStrings("recipient_organization_types")))) {
          Integer typeId = organizationTypes.get(type);
          if (typeId != null) {
            typeConsents.add(id);
            typeIds.add(typeId);
          }
        }
        i++;
      }
      consents += size;
      Tuple scopeRows = scopeRows(page.children());
      Future<?> chain = write.preparedQuery(INSERT_CONSENTS).execute(Tuple.tuple().addArrayOfInteger(ids)
          .addArrayOfString(externalIds).addArrayOfInteger(signatories).addArrayOfInteger(groupIds)
          .addArrayOfString(modes).addArrayOfString(statuses).addArrayOfLocalDate(effective)
          .addArrayOfLocalDate(expiry).addArrayOfLocalDateTime(written));
      if (!recipientConsents.isEmpty()) {
        chain = chain.compose(v -> write.preparedQuery(INSERT_CONSENT_RECIPIENTS).execute(Tuple.tuple()
            .addArrayOfInteger(recipientConsents.toArray(Integer[]::new))
            .addArrayOfInteger(recipientPartners.toArray(Integer[]::new))));
      }
      if (!typeConsents.isEmpty()) {
        chain = chain.compose(v -> write.preparedQuery(INSERT_CONSENT_TYPES).execute(Tuple.tuple()
            .addArrayOfInteger(typeConsents.toArray(Integer[]::new)).addArrayOfInteger(typeIds.toArray(Integer[]::new))));
      }
      if (scopeRows != null) {
        chain = chain.compose(v -> write.preparedQuery(INSERT_CONSENT_SCOPES).execute(scopeRows));
      }
      return chain.mapEmpty();
    }

    private Tuple scopeRows(RowSet<Row> rows) {
      int size = rows.size();
      if (size == 0) {
        return null;
      }
      Integer[] ids = new Integer[size];
      Integer[] consentIds = new Integer[size];
      String[] resourceTypes = new String[size];
      String[] fieldAccess = new String[size];
      String[] customFields = new String[size];
      String[] purposes = new String[size];
      Boolean[] includeExtensions = new Boolean[size];
      String[] allowedExtensions = new String[size];
      int i = 0;
      for (Row row : rows) {
        ids[i] = nextConsentScopeId++;
        consentIds[i] = Math.toIntExact(row.getLong("consent_id"));
        resourceTypes[i] = row.getString("resource_type");
        fieldAccess[i] = row.getString("field_access");
        customFields[i] = row.getString("custom_fields");
        purposes[i] = row.getString("purpose");
        includeExtensions[i] = row.getBoolean("include_extensions");
        allowedExtensions[i] = row.getString("allowed_extensions");
        i++;
      }
      return Tuple.tuple().addArrayOfInteger(ids).addArrayOfInteger(consentIds).addArrayOfString(resourceTypes)
          .addArrayOfString(fieldAccess).addArrayOfString(customFields).addArrayOfString(purposes)
          .addArrayOfBoolean(includeExtensions).addArrayOfString(allowedExtensions);
    }

    // ---------------------------------------------------------------- helpers

    /** {@code 'ref'} or {@code id N (no ref)} of a registrant, looked up on the read connection. */
    private Future<String> describe(long registrantId) {
      return read.preparedQuery(REF_OF).execute(Tuple.of(registrantId)).map(rows -> describe(registrantId,
          rows.size() == 0 ? null : rows.iterator().next().getString("ref")));
    }

    private static String describe(long registrantId, String ref) {
      return ref == null ? "with id " + registrantId + " (no ref)" : "'" + ref + "'";
    }

    private static String resetSequences() {
      StringBuilder sql = new StringBuilder("SELECT ");
      for (int i = 0; i < EXPLICIT_ID_TABLES.size(); i++) {
        String table = EXPLICIT_ID_TABLES.get(i);
        if (i > 0) {
          sql.append(", ");
        }
        sql.append("setval(pg_get_serial_sequence('").append(table).append("', 'id'), coalesce((SELECT max(id) FROM ")
            .append(table).append("), 1), (SELECT max(id) FROM ").append(table).append(") IS NOT NULL)");
      }
      return sql.toString();
    }
  }

  /** The smallest non-blank display of an aggregated {@code displays} column, or null. */
  private static String display(Row row) {
    String smallest = null;
    for (String display : row.getArrayOfStrings("displays")) {
      if (text(display) != null && (smallest == null || display.compareTo(smallest) < 0)) {
        smallest = display;
      }
    }
    return smallest;
  }

  /** Blank means absent, as for the gateway's resource mapping. */
  private static String text(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String key(String country, String state) {
    return (country == null ? "" : country) + KEY_SEPARATOR + state;
  }

  private static Set<String> sorted(RowSet<Row> rows, String column) {
    Set<String> values = new TreeSet<>();
    for (Row row : rows) {
      String value = row.getString(column);
      if (value != null) {
        values.add(value);
      }
    }
    return values;
  }

  private static List<Row> sortedRows(RowSet<Row> rows, String... columns) {
    List<Row> list = new ArrayList<>();
    rows.forEach(list::add);
    list.sort((a, b) -> {
      for (String column : columns) {
        String x = a.getString(column);
        String y = b.getString(column);
        int order = x == null ? (y == null ? 0 : -1) : y == null ? 1 : x.compareTo(y);
        if (order != 0) {
          return order;
        }
      }
      return 0;
    });
    return list;
  }
}
