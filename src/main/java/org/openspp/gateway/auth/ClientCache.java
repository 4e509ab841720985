package org.openspp.gateway.auth;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.openspp.gateway.bus.ClientRecord;

/**
 * A short-lived cache of client records, confined to one event loop (one per HTTP verticle instance, so no
 * locking). Concurrent misses for the same client share one lookup. Failed lookups are not cached, so a
 * registry hiccup does not lock a client out; "not found" is cached like a hit so an unknown client cannot
 * cost a query per request.
 */
public final class ClientCache {

  /** Entries kept at most; past it, expired entries are dropped, then everything. */
  static final int MAX_ENTRIES = 10_000;

  private final long ttlMs;
  private final Function<String, Future<ClientRecord>> lookup;
  private final Map<String, Entry> entries = new HashMap<>();

  private record Entry(Future<ClientRecord> record, long expiresAt) {
  }

  /**
   * @param lookup yields the record, {@code null} when the client does not exist, or fails
   */
  public ClientCache(long ttlMs, Function<String, Future<ClientRecord>> lookup) {
    this.ttlMs = ttlMs;
    this.lookup = lookup;
  }

  /** The client's record, or {@code null} when it does not exist. */
  public Future<ClientRecord> get(String clientId) {
    long now = System.currentTimeMillis();
    Entry e = entries.get(clientId);
    if (e != null && (e.expiresAt > now || !e.record.isComplete())) {
      return e.record;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(x -> x.expiresAt <= now && x.record.isComplete());
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
    }
    Future<ClientRecord> f = lookup.apply(clientId);
    Entry entry = new Entry(f, now + ttlMs);
    entries.put(clientId, entry);
    f.onFailure(err -> entries.remove(clientId, entry));
    return f;
  }
}
