package org.openspp.gateway.http;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives the HTTP server span Vert.x started for a request (when tracing is on) its route and request id, once the
 * answer is known: named {@code <METHOD> <route>} ({@code POST /api/v2/spp/$bulk/export}) with {@code http.route},
 * or just the method when no route of ours answered (404, 405, as OpenTelemetry's HTTP convention asks), and the
 * request id ({@code http.request.id}) that the access line and the audit trail carry too. The percent-encoded
 * spelling of the export path is named after the canonical one. Does nothing when no span is recording.
 */
final class ServerSpans {

  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("http.request.id");

  private ServerSpans() {
  }

  /** A handler of every route, after {@link EdgeContext#stamp}. */
  static void name(RoutingContext ctx) {
    Span span = Span.current();
    if (span.isRecording()) {
      span.setAttribute(REQUEST_ID, EdgeContext.requestId(ctx));
      ctx.addHeadersEndHandler(v -> {
        Route route = ctx.currentRoute();
        String path = route != null ? route.getPath() : null;
        if (path != null) {
          String canonical = path.equals(HttpVerticle.EXPORT_PATH_ENCODED) ? HttpVerticle.EXPORT_PATH : path;
          span.setAttribute(ROUTE, canonical);
          span.updateName(ctx.request().method().name() + " " + canonical);
        }
      });
    }
    ctx.next();
  }
}
