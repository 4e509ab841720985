package org.openspp.gateway.audit;

/**
 * The audit writer's SQL: each group commit inserts all of its requests in one statement and all of their
 * items in a second, every column passed as an array parameter.
 */
final class AuditQueries {

  static final String INSERT_REQUESTS = """
      INSERT INTO audit_request (id, request_id, client_id, legal_basis, resource_type, total, successful, failed,
                                 requested_at, remote_address, user_agent)
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[],
                           $8::int4[], $9::timestamptz[], $10::text[], $11::text[])
      """;

  /** {@code $8} holds each item's returned fields joined by commas (field names contain none), or null. */
  static final String INSERT_ITEMS = """
      INSERT INTO audit_item (audit_request_id, position, identifier, status, registrant_id, consent_id, purpose,
                              fields)
      SELECT u.a, u.p, u.i, u.s, u.r, u.c, u.pu, string_to_array(u.f, ',')
        FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::text[], $8::text[])
             AS u(a, p, i, s, r, c, pu, f)
      """;

  private AuditQueries() {
  }
}
