package org.openspp.gateway.bus;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * A validated export request, as the HTTP edge hands it to an aggregator.
 *
 * @param identifiers every requested identifier in request order, duplicates included
 * @param elements    the raw {@code _elements} string, or {@code null}
 * @param extensions  the raw {@code _extensions} string, or {@code null}
 * @param today       the request's day in UTC: every date rule of the request uses this one value
 * @param receivedAt  when the request arrived (audit time)
 * @param remoteAddress the client's address as seen by the gateway (audit only)
 * @param userAgent   the {@code User-Agent} header, truncated (audit only)
 */
public record ExportRequest(
    String requestId,
    ClientRecord client,
    ResourceType type,
    List<ParsedIdentifier> identifiers,
    String elements,
    String extensions,
    LocalDate today,
    Instant receivedAt,
    String remoteAddress,
    String userAgent) {

  public ExportRequest {
    identifiers = List.copyOf(identifiers);
  }
}
