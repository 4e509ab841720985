package org.openspp.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable snapshot of a JWKS's usable signing keys, by {@code kid}. Keys that cannot verify tokens
 * (encryption keys, other types or curves, short RSA keys, keys without a {@code kid}) are left out and
 * reported in {@link #skipped()}; a set with no usable key is refused.
 *
 * @param keys    usable keys by kid (several keys may share a kid when their algorithms differ)
 * @param skipped why each left-out JWK was left out (kid, or position, and reason), for the log
 */
record JwkSet(Map<String, List<JwkKey>> keys, List<String> skipped) {

  /** Keys read from one document at most. */
  static final int MAX_KEYS = 100;

  JwkSet {
    Map<String, List<JwkKey>> copy = new LinkedHashMap<>();
    keys.forEach((kid, list) -> copy.put(kid, List.copyOf(list)));
    keys = java.util.Collections.unmodifiableMap(copy);
    skipped = List.copyOf(skipped);
  }

  /**
   * Reads a JWKS document ({@code {"keys": [...]}}).
   *
   * @throws IllegalArgumentException when it is not a JWKS, has too many keys or no usable signing key
   */
  static JwkSet parse(JsonObject document) {
    if (!(document.getValue("keys") instanceof JsonArray list)) {
      throw new IllegalArgumentException("not a JWKS document (no keys array)");
    }
    if (list.size() > MAX_KEYS) {
      throw new IllegalArgumentException("more than " + MAX_KEYS + " keys");
    }
    Map<String, List<JwkKey>> byKid = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object entry = list.getValue(i);
      if (!(entry instanceof JsonObject jwk)) {
        skipped.add("#" + i + ": not an object");
        continue;
      }
      try {
        JwkKey key = JwkKey.parse(jwk);
        byKid.computeIfAbsent(key.kid(), k -> new ArrayList<>()).add(key);
      } catch (IllegalArgumentException e) {
        Object kid = jwk.getValue("kid");
        String name = kid instanceof String s && s.length() <= JoseToken.MAX_KID_LENGTH ? s : "#" + i;
        skipped.add(name + ": " + e.getMessage());
      }
    }
    if (byKid.isEmpty()) {
      throw new IllegalArgumentException("no usable RS256, PS256 or ES256 signing key with a kid"
          + (skipped.isEmpty() ? "" : " (skipped: " + skipped + ")"));
    }
    return new JwkSet(byKid, skipped);
  }

  /** True when some key has this kid, whatever its algorithm. */
  boolean knows(String kid) {
    return keys.containsKey(kid);
  }

  /** The kids, sorted (for logs). */
  Set<String> kids() {
    return new TreeSet<>(keys.keySet());
  }

  /** Number of usable keys. */
  int size() {
    return keys.values().stream().mapToInt(List::size).sum();
  }

  /** True when a key with {@code kid} that fits {@code alg} verifies the signature. */
  boolean verify(String kid, JwsAlgorithm alg, byte[] signingInput, byte[] signature) {
    List<JwkKey> candidates = keys.get(kid);
    if (candidates == null) {
      return false;
    }
    for (JwkKey key : candidates) {
      if (key.fits(alg) && key.verify(alg, signingInput, signature)) {
        return true;
      }
    }
    return false;
  }
}
