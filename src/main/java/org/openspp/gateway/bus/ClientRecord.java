package org.openspp.gateway.bus;

import java.util.Set;

/**
 * An API client as the client registry holds it. The registry is authoritative for scopes: token claims
 * never widen them.
 *
 * @param rateLimitPerMinute requests per minute, or {@code null} for unlimited
 */
public record ClientRecord(
    String clientId,
    boolean active,
    String legalBasis,
    String organization,
    String organizationType,
    Set<String> scopes,
    Integer rateLimitPerMinute) {

  /** Legal bases under which a client reads without per-record consent (spec §5.2). */
  public static final Set<String> NON_CONSENT_BASES = Set.of(
      "legal_obligation", "vital_interest", "public_interest", "public_task", "contract", "legitimate_interest");

  public ClientRecord {
    scopes = Set.copyOf(scopes);
  }

  /** True unless the legal basis is one of {@link #NON_CONSENT_BASES}; {@code consent} or empty is filtered. */
  public boolean consentFiltered() {
    return legalBasis == null || !NON_CONSENT_BASES.contains(legalBasis);
  }

  /** {@code has(resource, action)}: the exact pair or {@code resource:all}; nothing else is a wildcard. */
  public boolean hasScope(String resource, String action) {
    return scopes.contains(resource + ":" + action) || scopes.contains(resource + ":all");
  }
}
