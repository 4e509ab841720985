package org.openspp.gateway.aggregate;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The extension keys a resource may carry: none, an explicit set of keys, or all of them ({@code *}).
 * Immutable. Built from the request's {@code _extensions} value with {@link #parse(String)} and narrowed
 * to what a consent allows with {@link #restrictTo(boolean, Set)}.
 */
public final class ExtensionSelection {

  private static final String WILDCARD = "*";
  private static final ExtensionSelection NONE = new ExtensionSelection(false, Set.of());
  private static final ExtensionSelection ALL = new ExtensionSelection(true, Set.of());

  private final boolean all;
  private final Set<String> keys;

  private ExtensionSelection(boolean all, Set<String> keys) {
    this.all = all;
    this.keys = keys;
  }

  /**
   * Parses a comma-separated list of extension keys. Tokens are trimmed and empty tokens dropped; a
   * {@code *} token selects every key. {@code null}, a blank string or a list of empty tokens selects
   * nothing.
   */
  public static ExtensionSelection parse(String raw) {
    if (raw == null || raw.isBlank()) {
      return NONE;
    }
    Set<String> keys = new LinkedHashSet<>();
    for (String token : raw.split(",")) {
      String key = token.trim();
      if (key.equals(WILDCARD)) {
        return ALL;
      }
      if (!key.isEmpty()) {
        keys.add(key);
      }
    }
    return of(keys);
  }

  /** The selection of no key at all. */
  public static ExtensionSelection none() {
    return NONE;
  }

  /** True when no key is selected. */
  public boolean isEmpty() {
    return !all && keys.isEmpty();
  }

  /** True when every key is selected ({@code *}). */
  public boolean all() {
    return all;
  }

  /** True when {@code key} is selected, either listed or through {@code *}. */
  public boolean includes(String key) {
    return all || keys.contains(key);
  }

  /**
   * The explicitly listed keys in request order; empty when nothing or everything ({@link #all()}) is
   * selected. Unmodifiable.
   */
  public Set<String> keys() {
    return keys;
  }

  /**
   * Narrows this selection to what a consent permits. With {@code allowAll} the selection is returned as
   * is; otherwise only keys contained in {@code allowed} are kept, and {@code *} becomes exactly
   * {@code allowed}. The result never depends on later changes to {@code allowed}.
   */
  public ExtensionSelection restrictTo(boolean allowAll, Set<String> allowed) {
    if (allowAll || isEmpty()) {
      return this;
    }
    Set<String> kept = new LinkedHashSet<>();
    if (all) {
      kept.addAll(allowed);
    } else {
      for (String key : keys) {
        if (allowed.contains(key)) {
          kept.add(key);
        }
      }
    }
    return of(kept);
  }

  private static ExtensionSelection of(Set<String> keys) {
    return keys.isEmpty() ? NONE : new ExtensionSelection(false, Collections.unmodifiableSet(keys));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExtensionSelection other && all == other.all && keys.equals(other.keys);
  }

  @Override
  public int hashCode() {
    return Objects.hash(all, keys);
  }

  @Override
  public String toString() {
    return all ? WILDCARD : String.join(",", keys);
  }
}
