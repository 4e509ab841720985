package org.openspp.gateway.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Builds Vert.x with a Prometheus registry. Only bounded labels are enabled: route, method, status code,
 * event-bus address and pool name; never the raw path. The route is the matched route's path template (empty
 * for a request no route matched); the method is a standard method or {@code OTHER}
 * ({@link GatewayMeters#boundHttpMethods}).
 */
public final class Metrics {

  private Metrics() {
  }

  /** A registry with JVM meters and the common {@code application} tag. */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("application", "spp-gateway")
        // two binder meters whose Prometheus names fail promtool's lint (a unit abbreviation, a "_count"
        // suffix on a gauge); process_cpu_usage and the JVM meters carry the same information
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")
            || id.getName().equals("process.cpu.time")));
    GatewayMeters.boundHttpMethods(registry);
    GatewayMeters.enableHistograms(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return registry;
  }

  /** A Vert.x instance reporting into {@code registry}. */
  public static Vertx vertx(PrometheusMeterRegistry registry) {
    return builder(registry, new VertxOptions()).build();
  }

  /** A Vert.x builder reporting into {@code registry}, with {@code options} (metrics options are replaced). */
  public static VertxBuilder builder(PrometheusMeterRegistry registry, VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_ADDRESS,
            Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME));
    return Vertx.builder()
        .with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }
}
