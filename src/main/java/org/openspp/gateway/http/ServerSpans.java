package org.openspp.gateway.http;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives the HTTP server span Vert.x started for a request (when tracing is on) its route and request id, once the
 * answer is known: named {@code <METHOD> <route>} ({@code POST /api/v2/spp/$bulk/export}) with {@code http.route},
 * or just the method when no route of ours answered (404, 405, as OpenTelemetry's HTTP convention asks), and the
 * request id ({@code http.request.id}) that the access line and the audit trail carry too. The route is the one the
 * access line names ({@link EdgeContext#route}: the percent-encoded spelling of the export path is named after the
 * canonical one). Does nothing when no span is recording.
 */
final class ServerSpans {

  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("http.request.id");

  private static final String SPAN = "spp.span";

  private ServerSpans() {
  }

  /**
   * The request's server span, or {@code null} when none is recorded: for its access line, written once the response
   * has ended, when Vert.x has already closed the span's scope.
   */
  static SpanContext of(RoutingContext ctx) {
    return ctx.get(SPAN);
  }

  /** A handler of every route, after {@link EdgeContext#stamp}. */
  static void name(RoutingContext ctx) {
    Span span = Span.current();
    if (span.isRecording()) {
      ctx.put(SPAN, span.getSpanContext());
      span.setAttribute(REQUEST_ID, EdgeContext.requestId(ctx));
      ctx.addHeadersEndHandler(v -> {
        String route = EdgeContext.route(ctx);
        if (route != null) {
          span.setAttribute(ROUTE, route);
          span.updateName(ctx.request().method().name() + " " + route);
        }
      });
    }
    ctx.next();
  }
}
