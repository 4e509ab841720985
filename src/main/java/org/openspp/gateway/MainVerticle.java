package org.openspp.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import org.openspp.gateway.aggregate.AggregatorVerticle;
import org.openspp.gateway.audit.AuditVerticle;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.http.HttpVerticle;
import org.openspp.gateway.metrics.ManagementVerticle;
import org.openspp.gateway.resolve.ClientVerticle;
import org.openspp.gateway.resolve.ResolverVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the message codecs and deploys the gateway: the client directory, the audit writer and one
 * resolver deployment per resource type first, then the aggregators, then the HTTP verticles, then the management listener. Each
 * child receives only its slice of the configuration. Start-up fails if any deployment fails.
 */
public final class MainVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(MainVerticle.class);

  private final GatewayConfig config;
  private final PrometheusMeterRegistry registry;
  private final MeterRegistry meters;

  /**
   * @param registry the Prometheus registry to expose on {@code /metrics} and to record domain meters in, or
   *                 {@code null} (meters then go to a private in-memory registry)
   */
  public MainVerticle(GatewayConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.meters = registry != null ? registry : new SimpleMeterRegistry();
  }

  /** Where domain meters are recorded. */
  public MeterRegistry meters() {
    return meters;
  }

  @Override
  public Future<?> start() {
    Codecs.register(vertx.eventBus());
    int edgeInstances = config.http().instances() > 0
        ? config.http().instances() : Runtime.getRuntime().availableProcessors();

    List<Future<String>> backend = new ArrayList<>();
    backend.add(vertx.deployVerticle(
        new ClientVerticle(config.db().url(), config.registries().get(ResourceType.INDIVIDUAL))));
    for (ResourceType type : ResourceType.values()) {
      GatewayConfig.Registry reg = config.registries().get(type);
      String url = config.registryUrl(type);
      backend.add(vertx.deployVerticle(() -> new ResolverVerticle(type, url, reg),
          new DeploymentOptions().setInstances(reg.instances())));
    }
    backend.add(vertx.deployVerticle(new AuditVerticle(config.auditUrl(), config.audit(), meters)));
    long resolveTimeout = config.export().busTimeoutMs();
    long auditTimeout = config.audit().timeoutMs();
    backend.add(vertx.deployVerticle(() -> new AggregatorVerticle(resolveTimeout, auditTimeout),
        new DeploymentOptions().setInstances(edgeInstances)));

    return Future.all(backend)
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(config),
            new DeploymentOptions().setInstances(edgeInstances)))
        .compose(v -> vertx.deployVerticle(new ManagementVerticle(config.management(), registry)))
        .onSuccess(v -> log.info("spp-gateway started: API on port {} ({} HTTP verticles), management on port {}, "
                + "resolvers {}", config.http().port(), edgeInstances, config.management().port(),
            List.of(ResourceType.values()).stream().map(ResourceType::wireName).toList()));
  }
}
