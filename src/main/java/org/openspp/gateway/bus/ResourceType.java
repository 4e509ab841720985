package org.openspp.gateway.bus;

import java.util.Locale;

/**
 * The registrant kinds the export serves. The wire name ({@code Individual}, {@code Group}) is also the
 * {@code registrant.kind} value; the scope name is the lower-cased form used in {@code individual:read}.
 */
public enum ResourceType {
  INDIVIDUAL("Individual"),
  GROUP("Group");

  private final String wireName;
  private final String scopeName;

  ResourceType(String wireName) {
    this.wireName = wireName;
    this.scopeName = wireName.toLowerCase(Locale.ROOT);
  }

  /** {@code Individual} or {@code Group}: the request's {@code type} and the resource's {@code type}. */
  public String wireName() {
    return wireName;
  }

  /** {@code individual} or {@code group}: the resource part of a scope and of consent scope rows. */
  public String scopeName() {
    return scopeName;
  }

  /** Exact, case-sensitive match on the wire name; {@code null} when it is neither. */
  public static ResourceType fromWireName(String name) {
    for (ResourceType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
