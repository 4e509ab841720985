package org.openspp.gateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.openspp.gateway.config.GatewayConfig;

/**
 * The management listener: {@code /health/live} (the event loop answers), {@code /health/ready} (deployed
 * and listening) and {@code /metrics} (Prometheus exposition, when a registry is configured). Deployed last,
 * so once it listens every other verticle has started.
 */
public final class ManagementVerticle extends VerticleBase {

  private final GatewayConfig.Management config;
  private final PrometheusMeterRegistry registry;

  public ManagementVerticle(GatewayConfig.Management config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    if (registry != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    }
    return vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host());
  }
}
