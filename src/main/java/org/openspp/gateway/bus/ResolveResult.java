package org.openspp.gateway.bus;

import java.util.List;

/**
 * What a resolver found: one {@link Match} per (key, registrant) pair. A key with no match is absent; a key
 * with several distinct registrants is ambiguous.
 */
public record ResolveResult(List<Match> matches) {

  public ResolveResult {
    matches = List.copyOf(matches);
  }

  /** A registrant of the requested kind holding the live identifier {@code system|value}. */
  public record Match(String system, String value, RegistrantRecord record) {
  }
}
