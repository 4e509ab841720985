package org.openspp.gateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Supplier;
import org.openspp.gateway.GatewayState;
import org.openspp.gateway.config.GatewayConfig;

/**
 * The management listener (vertx-health-check):
 * <ul>
 *   <li>{@code /health/live}: 200 while this event loop answers; never touches a database;
 *   <li>{@code /health/ready}: 200 once every verticle is deployed and listening (configuration, keys and pools
 *       set up) and the gateway is not draining, else 503; the body also reports each registry's breaker state,
 *       which does not gate readiness (a registry outage must not take every replica out of the Service);
 *   <li>{@code /metrics}: the Prometheus exposition, when a registry is configured.
 * </ul>
 * Deployed last, so once it listens every other verticle has started.
 */
public final class ManagementVerticle extends VerticleBase {

  private final GatewayConfig.Management config;
  private final PrometheusMeterRegistry registry;
  private final GatewayState state;
  private final BreakerStates breakers;
  private final Supplier<JsonObject> membership;

  public ManagementVerticle(GatewayConfig.Management config, PrometheusMeterRegistry registry, GatewayState state,
      BreakerStates breakers) {
    this(config, registry, state, breakers, null);
  }

  /** @param membership cluster membership ({@code member}, {@code members}), or {@code null} when not clustered */
  public ManagementVerticle(GatewayConfig.Management config, PrometheusMeterRegistry registry, GatewayState state,
      BreakerStates breakers, Supplier<JsonObject> membership) {
    this.config = config;
    this.registry = registry;
    this.state = state;
    this.breakers = breakers;
    this.membership = membership;
  }

  @Override
  public Future<?> start() {
    HealthChecks live = HealthChecks.create(vertx)
        .register("event-loop", 1000, promise -> promise.complete(Status.OK()));
    HealthChecks ready = HealthChecks.create(vertx)
        .register("lifecycle", 1000, promise -> promise.complete(state.ready()
            ? Status.OK()
            : Status.KO(new JsonObject().put("reason", state.draining() ? "draining" : "starting"))))
        .register("registries", 1000, promise -> {
          JsonObject data = new JsonObject();
          breakers.snapshot().forEach(data::put);
          promise.complete(Status.OK(data));
        });
    if (membership != null) {
      // a clustered process is ready only while it is a member: otherwise it can neither resolve for others
      // nor reach a resolver
      ready.register("cluster", 1000, promise -> {
        JsonObject view = membership.get();
        promise.complete(view.getBoolean("member", false) ? Status.OK(view) : Status.KO(view));
      });
    }

    Router router = Router.router(vertx);
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    if (registry != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    }
    // probes and scrapes are not traced: a span every few seconds per pod would bury the requests' traces
    return vertx.createHttpServer(new HttpServerOptions().setTracingPolicy(TracingPolicy.IGNORE))
        .requestHandler(router).listen(config.port(), config.host());
  }
}
