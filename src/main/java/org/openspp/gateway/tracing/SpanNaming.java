package org.openspp.gateway.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Names and trims the spans Vert.x starts, as they start (the only moment their attributes can still change):
 * event-bus spans become {@code send <address>} instead of {@code send} (OpenTelemetry's messaging convention);
 * a server span's {@code url.query} is emptied and the query part of {@code http.url} cut off (no API of ours takes
 * one, and a client's query string is not ours to export). HTTP server spans get their route when the answer is
 * known ({@code http.ServerSpans}).
 */
final class SpanNaming implements SpanProcessor {

  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> HTTP_URL = AttributeKey.stringKey("http.url");

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String destination = span.getAttribute(DESTINATION);
    if (destination != null && (span.getName().equals("send") || span.getName().equals("publish"))) {
      span.updateName(span.getName() + " " + destination);
    }
    if (span.getKind() == SpanKind.SERVER && span.getAttribute(URL_QUERY) != null) {
      span.setAttribute(URL_QUERY, "");
      String url = span.getAttribute(HTTP_URL);
      int query = url == null ? -1 : url.indexOf('?');
      if (query >= 0) {
        span.setAttribute(HTTP_URL, url.substring(0, query));
      }
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
  }

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
