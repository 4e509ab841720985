package org.openspp.gateway.bus;

import java.time.LocalDate;
import java.util.List;

/**
 * A validated export request, as the HTTP edge hands it to an aggregator.
 *
 * @param identifiers every requested identifier in request order, duplicates included
 * @param elements    the raw {@code _elements} string, or {@code null}
 * @param extensions  the raw {@code _extensions} string, or {@code null}
 * @param today       the request's day in UTC: every date rule of the request uses this one value
 */
public record ExportRequest(
    String requestId,
    ClientRecord client,
    ResourceType type,
    List<ParsedIdentifier> identifiers,
    String elements,
    String extensions,
    LocalDate today) {

  public ExportRequest {
    identifiers = List.copyOf(identifiers);
  }
}
