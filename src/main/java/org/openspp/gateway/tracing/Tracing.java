package org.openspp.gateway.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry tracing of one gateway process. Off unless the standard OpenTelemetry configuration asks for traces:
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} set, or {@code OTEL_TRACES_EXPORTER}
 * set to something other than {@code none} (each also as the matching {@code otel.*} system property), and
 * {@code OTEL_SDK_DISABLED} not {@code true}. When on, the SDK is configured by OpenTelemetry's own autoconfiguration
 * from every {@code OTEL_*} variable (exporter, protocol, sampler, propagators, resource attributes), with these
 * defaults: service name {@code spp-gateway}, OTLP over {@code http/protobuf} (OpenTelemetry's recommended default;
 * {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc} for gRPC), no metrics or logs export (metrics are Prometheus'), W3C trace
 * context.
 *
 * <p>Vert.x then traces the HTTP server (a {@code traceparent} on the way in is honoured), every event-bus hop and the
 * SQL client; {@link StatementSpans} adds one span per registry or audit statement, named after the statement.
 * {@link SpanNaming} gives Vert.x's spans route and address names. Spans never carry parameters: no identifier,
 * token or secret is ever an attribute.
 */
public final class Tracing {

  /** No tracing: Vert.x gets no tracer, statement spans are no-ops. */
  public static final Tracing OFF = new Tracing(null);

  private static final Map<String, String> DEFAULTS = Map.of(
      "otel.service.name", "spp-gateway",
      "otel.metrics.exporter", "none",
      "otel.logs.exporter", "none",
      // W3C trace context only: a client's baggage is not carried through the pipeline
      "otel.propagators", "tracecontext",
      // OpenTelemetry's recommended default (port 4318); this SDK version still defaults to grpc (4317)
      "otel.exporter.otlp.protocol", "http/protobuf");

  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
  }

  /** Tracing as the process environment and system properties ask for it; {@link #OFF} when they do not. */
  public static Tracing fromEnvironment() {
    return requested(System.getenv(), System.getProperties()) ? start(Map.of()) : OFF;
  }

  /**
   * Whether the OpenTelemetry configuration in {@code env} / {@code props} asks for traces to be exported.
   * A system property wins over the environment variable of the same setting, as in OpenTelemetry itself.
   */
  static boolean requested(Map<String, String> env, Properties props) {
    if ("true".equalsIgnoreCase(setting("otel.sdk.disabled", env, props))) {
      return false;
    }
    String exporter = setting("otel.traces.exporter", env, props);
    if (exporter != null && !exporter.isBlank()) {
      return !"none".equalsIgnoreCase(exporter.trim());
    }
    return notBlank(setting("otel.exporter.otlp.endpoint", env, props))
        || notBlank(setting("otel.exporter.otlp.traces.endpoint", env, props));
  }

  /**
   * Tracing on, configured by OpenTelemetry's autoconfiguration; {@code overrides} (otel.* keys) win over the
   * environment, system properties and the defaults (for tests and embedding).
   */
  public static Tracing start(Map<String, String> overrides) {
    Map<String, String> fixed = new HashMap<>(overrides);
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> DEFAULTS)
        .addPropertiesCustomizer(config -> fixed)
        .addTracerProviderCustomizer((builder, config) -> builder.addSpanProcessor(new SpanNaming()))
        // the gateway's own shutdown drains requests first, then closes this (their last spans included)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    return new Tracing(sdk);
  }

  /** Whether spans are recorded and exported. */
  public boolean enabled() {
    return sdk != null;
  }

  /** The OpenTelemetry API to trace with (a no-op one when off). */
  public OpenTelemetry openTelemetry() {
    return sdk != null ? sdk : OpenTelemetry.noop();
  }

  /** The gateway's own tracer (statement spans). */
  public Tracer tracer() {
    return openTelemetry().getTracer("org.openspp.gateway");
  }

  /** Spans around registry and audit statements, recorded with this tracer. */
  public StatementSpans statements() {
    return new StatementSpans(tracer());
  }

  /** {@code builder} with Vert.x's tracer when on ({@code options} are the builder's options, given the tracing). */
  public VertxBuilder apply(VertxBuilder builder, VertxOptions options) {
    if (sdk == null) {
      return builder;
    }
    options.setTracingOptions(new OpenTelemetryOptions());
    return builder.with(options).withTracer(new OpenTelemetryTracingFactory(sdk));
  }

  /** Exports what is buffered and stops the exporter; waits at most {@code timeoutMs}. Blocking: not on an event loop. */
  public void shutdown(long timeoutMs) {
    if (sdk != null) {
      sdk.shutdown().join(timeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  /** Flushes buffered spans to the exporter; waits at most {@code timeoutMs}. Blocking: not on an event loop. */
  public void flush(long timeoutMs) {
    if (sdk != null) {
      sdk.getSdkTracerProvider().forceFlush().join(timeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  private static String setting(String property, Map<String, String> env, Properties props) {
    String value = props.getProperty(property);
    return value != null ? value : env.get(property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }
}
