package org.openspp.gateway.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.opentelemetry.api.trace.SpanContext;

/**
 * {@code %request} in a text pattern: {@code [<request id>]}, or {@code [<request id> <trace id>]} with tracing on,
 * for a line logged while a request runs ({@link RequestLogContext}); nothing outside a request.
 */
public final class RequestConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    String requestId = RequestLogContext.requestId();
    SpanContext span = RequestLogContext.span();
    if (requestId == null && span == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(80).append('[');
    if (requestId != null) {
      out.append(requestId);
    }
    if (span != null) {
      out.append(requestId != null ? " " : "").append(span.getTraceId());
    }
    return out.append("] ").toString();
  }
}
