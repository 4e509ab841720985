package org.openspp.gateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.openspp.gateway.GatewayState;
import org.openspp.gateway.config.GatewayConfig;

/**
 * The management listener: {@code /health/live} (the event loop answers), {@code /health/ready} (every
 * verticle deployed and not draining; 503 otherwise) and {@code /metrics} (Prometheus exposition, when a registry is configured). Deployed last,
 * so once it listens every other verticle has started.
 */
public final class ManagementVerticle extends VerticleBase {

  private final GatewayConfig.Management config;
  private final PrometheusMeterRegistry registry;
  private final GatewayState state;

  public ManagementVerticle(GatewayConfig.Management config, PrometheusMeterRegistry registry, GatewayState state) {
    this.config = config;
    this.registry = registry;
    this.state = state;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> {
      if (state.ready()) {
        ctx.json(new JsonObject().put("status", "UP"));
      } else {
        ctx.response().setStatusCode(503);
        ctx.json(new JsonObject().put("status", "DOWN").put("reason", state.draining() ? "draining" : "starting"));
      }
    });
    if (registry != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    }
    return vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host());
  }
}
