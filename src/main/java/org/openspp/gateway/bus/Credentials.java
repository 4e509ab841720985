package org.openspp.gateway.bus;

import java.util.List;

/**
 * A client's stored credentials, as the client directory answers on {@link Addresses#CREDENTIALS_LOOKUP} for the
 * token endpoint. {@code secretHash} is the stored value, normally {@code $scrypt$<salt>$<hash>}, or {@code null}
 * when the client has no secret (the plain secret is never stored, so never here); {@code scopes} keeps the
 * registry's order. {@link #toString()} never shows the hash.
 */
public record Credentials(String clientId, String secretHash, boolean active, List<String> scopes) {

  public Credentials {
    scopes = List.copyOf(scopes);
  }

  @Override
  public String toString() {
    return "Credentials[clientId=" + clientId + ", active=" + active + ", scopes=" + scopes + "]";
  }
}
