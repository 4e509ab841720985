package org.openspp.gateway.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Supplier;

/**
 * One span per registry or audit statement, named after the statement ({@code resolve Individual},
 * {@code audit commit}, ...), with the database system, the SQL operation and how many requests the statement
 * answers. A statement that serves several coalesced requests is the child of the first and linked from the others'
 * traces. The span never carries the statement's parameters, and a failure is recorded by its exception type only
 * (a database message may quote a value). Vert.x's own SQL client span, with the statement text, is its child.
 */
public final class StatementSpans {

  /** No spans. */
  public static final StatementSpans OFF = new StatementSpans(null);

  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<Long> REQUESTS = AttributeKey.longKey("spp.batch.requests");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final Tracer tracer;

  StatementSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  /** The trace context of the running Vert.x context: keep it with a request that waits, to parent its statement. */
  public Context current() {
    return tracer == null ? Context.root() : Context.current();
  }

  /**
   * Runs {@code statement} inside a span named {@code name}.
   *
   * @param operation the SQL operation ({@code SELECT}, {@code INSERT})
   * @param requests  the trace contexts of the requests the statement answers, first the parent; an empty list
   *                  means the current context
   */
  public <T> Future<T> run(String name, String operation, List<Context> requests, Supplier<Future<T>> statement) {
    if (tracer == null) {
      return statement.get();
    }
    Context parent = requests.isEmpty() ? Context.current() : requests.get(0);
    SpanBuilder builder = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.CLIENT)
        .setAttribute(DB_SYSTEM, "postgresql")
        .setAttribute(DB_OPERATION, operation)
        .setAttribute(REQUESTS, (long) Math.max(1, requests.size()));
    for (int i = 1; i < requests.size(); i++) {
      SpanContext other = Span.fromContext(requests.get(i)).getSpanContext();
      if (other.isValid()) {
        builder.addLink(other);
      }
    }
    Span span = builder.startSpan();
    Future<T> result;
    try (Scope ignored = parent.with(span).makeCurrent()) {
      result = statement.get();
    } catch (RuntimeException e) {
      failed(span, e);
      span.end();
      throw e;
    }
    return result.andThen(ar -> {
      if (ar.failed()) {
        failed(span, ar.cause());
      }
      span.end();
    });
  }

  private static void failed(Span span, Throwable cause) {
    String type = cause.getClass().getName();
    span.setAttribute(ERROR_TYPE, type);
    span.setStatus(StatusCode.ERROR, cause.getClass().getSimpleName());
  }
}
