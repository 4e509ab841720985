package org.openspp.gateway.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.List;

/** Registers the local codecs of every message record; safe to call more than once per event bus. */
public final class Codecs {

  private static final List<Class<?>> MESSAGE_TYPES = List.of(
      ExportRequest.class, ExportResult.class, ResolveRequest.class, ResolveResult.class, ClientRecord.class, AuditRecord.class);

  private Codecs() {
  }

  public static void register(EventBus bus) {
    for (Class<?> type : MESSAGE_TYPES) {
      register(bus, type);
    }
  }

  private static <T> void register(EventBus bus, Class<T> type) {
    try {
      bus.registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // a previous deployment in this Vert.x instance registered it
    }
  }
}
