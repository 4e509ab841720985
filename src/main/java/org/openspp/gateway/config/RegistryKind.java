package org.openspp.gateway.config;

import java.util.Locale;

/**
 * What kind of database the registry is (configuration {@code registry.kind}, {@code SPP_REGISTRY_KIND}). The two
 * kinds differ only in the SQL behind the resolvers and the client directory ({@code resolve.RegistrySource});
 * everything from the aggregator on is one code path.
 */
public enum RegistryKind {
  /** The gateway's own schema: migrations, filled by {@code load}. The default. */
  GATEWAY,
  /** A live OpenSPP 2 (Odoo 19) database, read with plain {@code SELECT}s only; never migrated, never written. */
  OPENSPP;

  /** The configuration spelling: {@code gateway} or {@code openspp}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The kind named {@code value} (case-insensitive), or {@code null}. */
  public static RegistryKind fromWireName(String value) {
    for (RegistryKind k : values()) {
      if (k.wireName().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return k;
      }
    }
    return null;
  }
}
