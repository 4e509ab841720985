package org.openspp.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import org.openspp.gateway.bus.ClientRecord;

/**
 * A token that passed verification: the calling client's id and, when the deployment lets tokens choose
 * scopes ({@code auth.tokenScopes}), the scopes the token carries.
 *
 * @param clientId    the {@code client_id} claim, else {@code azp}, else {@code sub}
 * @param tokenScopes the union of the {@code scope} (space-separated string), {@code scp} (string or array)
 *                    and {@code scopes} (array) claims; empty when the token carries none; {@code null} when
 *                    token scopes are off (the registry alone decides)
 */
public record VerifiedToken(String clientId, Set<String> tokenScopes) {

  public VerifiedToken {
    tokenScopes = tokenScopes == null ? null : Set.copyOf(tokenScopes);
  }

  /**
   * The client as this token may act for it: unchanged when token scopes are off, else with the registry's
   * scopes narrowed to what the token also grants. Never wider than the registry: every scope kept is granted
   * by the registry record ({@code resource:action} exactly or through {@code resource:all}); a registry
   * {@code resource:all} narrowed by a token {@code resource:read} leaves {@code resource:read}, and a token
   * {@code resource:all} keeps the registry's own {@code resource:*} scopes.
   *
   * @param client the registry record, or {@code null} (passed through)
   */
  public ClientRecord narrow(ClientRecord client) {
    if (client == null || tokenScopes == null) {
      return client;
    }
    Set<String> kept = new HashSet<>();
    for (String s : tokenScopes) {
      if (grants(client.scopes(), s)) {
        kept.add(s);
      }
    }
    for (String s : client.scopes()) {
      if (grants(tokenScopes, s)) {
        kept.add(s);
      }
    }
    return new ClientRecord(client.clientId(), client.active(), client.legalBasis(), client.organization(),
        client.organizationType(), kept, client.rateLimitPerMinute());
  }

  /** Spec §4.3 {@code has}: {@code scope} itself or its resource's {@code :all}. */
  private static boolean grants(Set<String> held, String scope) {
    int colon = scope.indexOf(':');
    if (colon <= 0 || colon == scope.length() - 1) {
      return false;
    }
    return held.contains(scope) || held.contains(scope.substring(0, colon) + ":all");
  }

  /** The scopes a claim set carries, in any of the three usual claim formats; never {@code null}. */
  static Set<String> scopesOf(JsonObject claims) {
    Set<String> out = new HashSet<>();
    addAll(out, claims.getValue("scope"));
    addAll(out, claims.getValue("scp"));
    addAll(out, claims.getValue("scopes"));
    return out;
  }

  private static void addAll(Set<String> out, Object claim) {
    if (claim instanceof String s) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    } else if (claim instanceof JsonArray list) {
      for (Object item : list) {
        if (item instanceof String s && !s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
  }
}
