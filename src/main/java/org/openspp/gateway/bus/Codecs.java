package org.openspp.gateway.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.List;

/**
 * Registers the codec of every message record; safe to call more than once per event bus. The messages that
 * cross a clustered event bus (resolve request and result) get a {@link WireCodec}; the others are only ever
 * sent to local consumers and keep the copy-free {@link LocalCodec}, whose wire methods refuse.
 */
public final class Codecs {

  private static final List<Class<?>> LOCAL_TYPES = List.of(
      ExportRequest.class, ExportResult.class, ClientRecord.class, Credentials.class, AuditRecord.class);
  private static final List<Class<?>> WIRE_TYPES = List.of(ResolveRequest.class, ResolveResult.class);

  private Codecs() {
  }

  public static void register(EventBus bus) {
    for (Class<?> type : LOCAL_TYPES) {
      register(bus, type, false);
    }
    for (Class<?> type : WIRE_TYPES) {
      register(bus, type, true);
    }
  }

  private static <T> void register(EventBus bus, Class<T> type, boolean wire) {
    try {
      bus.registerDefaultCodec(type, wire ? new WireCodec<>(type) : new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // a previous deployment in this Vert.x instance registered it
    }
  }
}
