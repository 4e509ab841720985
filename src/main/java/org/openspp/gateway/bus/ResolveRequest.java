package org.openspp.gateway.bus;

import java.time.LocalDate;
import java.util.List;

/**
 * Distinct {@code (system, value)} keys to resolve against one registry, for one calling client. The
 * client travels with the keys so that the resolver can fetch the client's candidate consents in the same
 * round trip.
 *
 * @param systems the key systems; {@code systems.get(i)} pairs with {@code values.get(i)}
 */
public record ResolveRequest(
    String requestId,
    ResourceType type,
    List<String> systems,
    List<String> values,
    ClientRecord client,
    LocalDate today) {

  public ResolveRequest {
    systems = List.copyOf(systems);
    values = List.copyOf(values);
    if (systems.size() != values.size()) {
      throw new IllegalArgumentException("systems and values differ in length");
    }
  }
}
