package org.openspp.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's domain meters, in base units and with bounded labels only: resource {@code type}
 * (Individual, Group, or {@code unknown} before the body is parsed), HTTP {@code status} code, item
 * {@code status} (success, not_found, access_denied, error). Never an identifier, client id, secret or address.
 *
 * <ul>
 *   <li>{@code gateway.bulk.requests} (counter): export requests by type and HTTP status;
 *   <li>{@code gateway.bulk.items} (counter): items by type and item status;
 *   <li>{@code gateway.bulk.identifiers} (histogram): identifiers per request by type;
 *   <li>{@code gateway.resolver.latency} (timer, histogram): one registry round trip by type;
 *   <li>{@code gateway.auth.failures} (counter): failed authentication by {@code endpoint} (export, token) and
 *       {@code reason} (a fixed set: missing_token, invalid_token, expired_token, unknown_client,
 *       invalid_credentials, throttled).
 * </ul>
 * Thread-safe: meters are looked up in the registry, which caches them.
 */
public final class GatewayMeters {

  /** Vert.x latency meters that get Prometheus histogram buckets. */
  private static final List<String> HISTOGRAMS = List.of(
      "vertx.http.server.response.time", "vertx.pool.queue.time", "vertx.pool.usage",
      "vertx.eventbus.processing.time");

  /** The tag Vert.x puts the HTTP method in ({@code Label.HTTP_METHOD}), on server and client HTTP meters. */
  static final String METHOD_TAG = "method";

  /** The methods of RFC 9110 and RFC 5789; any other method is reported as {@link #OTHER_METHOD}. */
  private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
      "OPTIONS", "TRACE", "PATCH");

  /** The {@code method} label value of every non-standard method. */
  public static final String OTHER_METHOD = "OTHER";

  private final MeterRegistry registry;

  public GatewayMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Adds histogram buckets to the Vert.x latency meters; call once, before Vert.x registers them. */
  public static void enableHistograms(MeterRegistry registry) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (HISTOGRAMS.contains(id.getName())) {
          return DistributionStatisticConfig.builder()
              .percentilesHistogram(true)
              .minimumExpectedValue((double) TimeUnit.MILLISECONDS.toNanos(1))
              .maximumExpectedValue((double) TimeUnit.SECONDS.toNanos(30))
              .build()
              .merge(config);
        }
        return config;
      }
    });
  }

  /**
   * Bounds the {@code method} label: Vert.x labels its HTTP meters with the request's method as received, so
   * every made-up method ({@code RT12345}, {@code PRI} of an HTTP/2 preface, a 3,000-character token) would
   * otherwise become a permanent label value of every {@code vertx_http_server_*} meter, with no token needed.
   * Any method outside the standard set is reported as {@code OTHER}, on every meter that carries the tag. Call
   * once, before Vert.x registers its meters. Micrometer caches only the first raw id of a mapped meter, so the
   * raw methods are not retained either.
   */
  public static void boundHttpMethods(MeterRegistry registry) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        String method = id.getTag(METHOD_TAG);
        if (method == null || STANDARD_METHODS.contains(method)) {
          return id;
        }
        List<Tag> tags = new ArrayList<>();
        for (Tag tag : id.getTagsAsIterable()) {
          tags.add(tag.getKey().equals(METHOD_TAG) ? Tag.of(METHOD_TAG, OTHER_METHOD) : tag);
        }
        return id.replaceTags(tags);
      }
    });
  }

  /** The registry behind these meters. */
  public MeterRegistry registry() {
    return registry;
  }

  public void request(String type, int httpStatus) {
    Counter.builder("gateway.bulk.requests").description("Bulk export requests by resource type and HTTP status")
        .tag("type", type).tag("status", Integer.toString(httpStatus)).register(registry).increment();
  }

  public void items(String type, String itemStatus, int count) {
    if (count > 0) {
      Counter.builder("gateway.bulk.items").description("Bulk export items by resource type and item status")
          .tag("type", type).tag("status", itemStatus).register(registry).increment(count);
    }
  }

  public void identifiers(String type, int count) {
    DistributionSummary.builder("gateway.bulk.identifiers").description("Identifiers per bulk export request")
        .tag("type", type).serviceLevelObjectives(1, 5, 10, 25, 50, 75, 100, 250, 500, 1000)
        .register(registry).record(count);
  }

  /** Requests answered by one registry statement (1 unless the resolver coalesced them under load). */
  public void resolverBatch(String type, int requests) {
    DistributionSummary.builder("gateway.resolver.batch").description("Resolve requests answered by one registry statement")
        .tag("type", type).register(registry).record(requests);
  }

  public void authFailure(String endpoint, String reason) {
    Counter.builder("gateway.auth.failures").description("Failed authentication by endpoint and reason")
        .tag("endpoint", endpoint).tag("reason", reason).register(registry).increment();
  }

  public void resolverLatency(String type, long nanos) {
    Timer.builder("gateway.resolver.latency").description("Registry round trip of one resolver statement")
        .tag("type", type).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }
}
