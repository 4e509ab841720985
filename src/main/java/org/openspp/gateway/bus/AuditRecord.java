package org.openspp.gateway.bus;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail of one request by a verified client (spec §10): who asked for what, when, from where, what the
 * answer was, and what each item disclosed. Never holds resource payloads. Sent to {@link Addresses#AUDIT}; the
 * reply arrives once the rows are committed. Exports that were answered come from the aggregator (status 200);
 * requests the gateway refused after it knew the client (403, 413, 415, 422, 429, 503, ...) come from the HTTP
 * edge, with the identifiers they named as {@value #REFUSED} items when the body could be read.
 *
 * @param id           the gateway-generated key of the request row ({@link #newId()})
 * @param requestId    the request id (from the client's {@code X-Request-Id} or generated; may repeat)
 * @param resourceType {@code Individual} or {@code Group}, or {@code null} when the request was refused before
 *                     its body named a valid type
 * @param httpStatus   the HTTP status the client was answered
 * @param reason       the problem category of a refused request ({@code rate-limited}, {@code authorization},
 *                     ...), {@code null} for a 200
 */
public record AuditRecord(
    UUID id,
    String requestId,
    String clientId,
    String legalBasis,
    String resourceType,
    int total,
    int successful,
    int failed,
    Instant requestedAt,
    String remoteAddress,
    String userAgent,
    List<Item> items,
    int httpStatus,
    String reason) {

  /** Item status of an identifier named by a refused request: it was never resolved. */
  public static final String REFUSED = "refused";

  private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();

  /**
   * A new request-row key: a version 7 UUID (RFC 9562), whose leading 48 bits are the Unix time in milliseconds,
   * monotonic within the process. PostgreSQL orders {@code uuid} by its bytes, so these keys (and the item rows'
   * keys that begin with them) are inserted at the right edge of their indexes: a random version 4 key dirtied a
   * random leaf page of a large index per request (and wrote that page in full to the WAL after every checkpoint).
   * The time it encodes falls within the request's own handling (the row holds {@code requested_at} anyway); it
   * is never shown to clients.
   */
  public static UUID newId() {
    return IDS.generate();
  }

  public AuditRecord {
    items = List.copyOf(items);
  }

  /** An answered export (HTTP 200). */
  public AuditRecord(UUID id, String requestId, String clientId, String legalBasis, String resourceType, int total,
      int successful, int failed, Instant requestedAt, String remoteAddress, String userAgent, List<Item> items) {
    this(id, requestId, clientId, legalBasis, resourceType, total, successful, failed, requestedAt, remoteAddress,
        userAgent, items, 200, null);
  }

  /**
   * One item of the response, or one identifier a refused request named.
   *
   * @param registrantId the one registrant the identifier resolved to, or {@code null}
   * @param consentId    the consent that allowed a {@code success}, or {@code null}
   * @param fields       top-level fields returned ({@code success} only), else {@code null}
   * @param consentRef   that consent's external reference (OpenSPP {@code external_id}), or {@code null}
   * @param holderIds    every registrant an ambiguous identifier matched (then {@code registrantId} is
   *                     {@code null}), else {@code null}
   */
  public record Item(
      int position,
      String identifier,
      String status,
      Long registrantId,
      Long consentId,
      String purpose,
      List<String> fields,
      String consentRef,
      List<Long> holderIds) {

    public Item {
      fields = fields == null ? null : List.copyOf(fields);
      holderIds = holderIds == null ? null : List.copyOf(holderIds);
    }

    /** An item that matched at most one registrant. */
    public Item(int position, String identifier, String status, Long registrantId, Long consentId, String purpose,
        List<String> fields, String consentRef) {
      this(position, identifier, status, registrantId, consentId, purpose, fields, consentRef, null);
    }

    /** An item without a consent reference. */
    public Item(int position, String identifier, String status, Long registrantId, Long consentId, String purpose,
        List<String> fields) {
      this(position, identifier, status, registrantId, consentId, purpose, fields, null, null);
    }

    /** An identifier a refused request named. */
    public static Item refused(int position, String identifier) {
      return new Item(position, identifier, REFUSED, null, null, null, null, null, null);
    }
  }
}
