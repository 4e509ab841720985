package org.openspp.gateway.bus;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail of one export (spec §10): who asked for what, when, and what each item disclosed. Never
 * holds resource payloads. Sent to {@link Addresses#AUDIT}; the reply arrives once the rows are committed.
 *
 * @param id        the gateway-generated key of the request row
 * @param requestId the request id (from the client's {@code X-Request-Id} or generated; may repeat)
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
    List<Item> items) {

  public AuditRecord {
    items = List.copyOf(items);
  }

  /**
   * One item of the response.
   *
   * @param registrantId the one registrant the identifier resolved to, or {@code null}
   * @param consentId    the consent that allowed a {@code success}, or {@code null}
   * @param fields       top-level fields returned ({@code success} only), else {@code null}
   * @param consentRef   that consent's external reference (OpenSPP {@code external_id}), or {@code null}
   */
  public record Item(
      int position,
      String identifier,
      String status,
      Long registrantId,
      Long consentId,
      String purpose,
      List<String> fields,
      String consentRef) {

    public Item {
      fields = fields == null ? null : List.copyOf(fields);
    }

    /** An item without a consent reference. */
    public Item(int position, String identifier, String status, Long registrantId, Long consentId, String purpose,
        List<String> fields) {
      this(position, identifier, status, registrantId, consentId, purpose, fields, null);
    }
  }
}
