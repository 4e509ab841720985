package org.openspp.gateway.audit;

/**
 * The audit writer's SQL: one statement per group commit. A data-modifying CTE inserts all requests of the
 * batch and the outer insert all of their items, every column passed as an array parameter, so a commit is a
 * single round trip and atomic (the statement runs in its own implicit transaction).
 *
 * <p>{@code $1..$11} and {@code $21, $22} are the request columns, {@code $12..$20} and {@code $23} the item
 * columns; {@code $19} holds each item's returned fields joined by commas (field names contain none), or null;
 * {@code $20} the consent's external reference; {@code $21} the HTTP status, {@code $22} the refusal reason;
 * {@code $23} an ambiguous item's holders, registrant ids joined by commas, or null.
 */
final class AuditQueries {

  static final String INSERT_BATCH = """
      WITH requests AS (
        INSERT INTO audit_request (id, request_id, client_id, legal_basis, resource_type, total, successful, failed,
                                   requested_at, remote_address, user_agent, http_status, reason)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[],
                             $8::int4[], $9::timestamptz[], $10::text[], $11::text[], $21::int4[], $22::text[])
        RETURNING 1
      )
      INSERT INTO audit_item (audit_request_id, position, identifier, status, registrant_id, consent_id, purpose,
                              fields, consent_ref, holder_ids)
      SELECT u.a, u.p, u.i, u.s, u.r, u.c, u.pu, string_to_array(u.f, ','), u.cr, string_to_array(u.h, ',')::int8[]
        FROM unnest($12::uuid[], $13::int4[], $14::text[], $15::text[], $16::int8[], $17::int8[], $18::text[],
                    $19::text[], $20::text[], $23::text[]) AS u(a, p, i, s, r, c, pu, f, cr, h)
       WHERE (SELECT count(*) FROM requests) > 0
      """;

  private AuditQueries() {
  }
}
