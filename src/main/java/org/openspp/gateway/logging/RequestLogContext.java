package org.openspp.gateway.logging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;
import org.openspp.gateway.bus.Addresses;

/**
 * The request a log line belongs to, kept on the Vert.x context of that request, never in a thread-local: an event
 * loop runs many requests' callbacks in turn, and each request (an HTTP request, an event-bus message) runs on its
 * own duplicated context, which every callback of it inherits. The HTTP edge binds the request id when a request
 * arrives; each bus consumer binds it from the message's {@link Addresses#REQUEST_ID_HEADER}. The trace and span id
 * come from OpenTelemetry's current span, which Vert.x keeps on the same context (tracing on).
 *
 * <p>Read by {@link RequestFieldsProvider} (JSON lines) and {@link RequestConverter} (text lines) on the thread that
 * logs: the gateway's appenders are synchronous. Registered as a {@link VertxServiceProvider} so that its context
 * local exists before any Vert.x instance (the way Vert.x asks context locals to be registered).
 */
public final class RequestLogContext implements VertxServiceProvider {

  static final ContextLocal<String> REQUEST_ID = ContextLocal.registerLocal(String.class);

  @Override
  public void init(VertxBootstrap builder) {
    // nothing to configure: loading this class registered the context local
  }

  /** Binds {@code requestId} to the running request's context; call only on a request's (duplicated) context. */
  public static void bind(String requestId) {
    Context context = Vertx.currentContext();
    if (context != null && requestId != null) {
      context.putLocal(REQUEST_ID, requestId);
    }
  }

  /** Binds the request id a message carries ({@link Addresses#REQUEST_ID_HEADER}), in its consumer. */
  public static void bind(Message<?> message) {
    bind(message.headers().get(Addresses.REQUEST_ID_HEADER));
  }

  /** The request id of the running request, or {@code null} outside one. */
  public static String requestId() {
    Context context = Vertx.currentContext();
    return context == null ? null : context.getLocal(REQUEST_ID);
  }

  /** The current span's context, or {@code null} when no span is recorded (tracing off, or outside a request). */
  public static SpanContext span() {
    SpanContext span = Span.current().getSpanContext();
    return span.isValid() ? span : null;
  }
}
