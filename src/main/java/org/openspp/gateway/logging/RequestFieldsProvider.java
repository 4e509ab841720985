package org.openspp.gateway.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.SpanContext;
import java.io.IOException;
import net.logstash.logback.composite.AbstractJsonProvider;
import net.logstash.logback.marker.SingleFieldAppendingMarker;

/**
 * Writes {@code http.request.id}, {@code trace.id} and {@code span.id} (Elastic Common Schema names) on every JSON
 * line logged while a request runs ({@link RequestLogContext}). A line that names its request id itself (the access
 * line) keeps its own, once; so does one that names its trace id (the access line, written after its span ended).
 */
public final class RequestFieldsProvider extends AbstractJsonProvider<ILoggingEvent> {

  static final String REQUEST_ID = "http.request.id";
  static final String TRACE_ID = "trace.id";

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    String requestId = RequestLogContext.requestId();
    if (requestId != null && !names(event, REQUEST_ID)) {
      generator.writeStringField(REQUEST_ID, requestId);
    }
    SpanContext span = RequestLogContext.span();
    if (span != null && !names(event, TRACE_ID)) {
      generator.writeStringField(TRACE_ID, span.getTraceId());
      generator.writeStringField("span.id", span.getSpanId());
    }
  }

  private static boolean names(ILoggingEvent event, String name) {
    Object[] arguments = event.getArgumentArray();
    if (arguments != null) {
      for (Object argument : arguments) {
        if (argument instanceof SingleFieldAppendingMarker field && name.equals(field.getFieldName())) {
          return true;
        }
      }
    }
    return false;
  }
}
