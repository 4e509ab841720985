package org.openspp.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.openspp.gateway.aggregate.AggregatorVerticle;
import org.openspp.gateway.audit.AuditVerticle;
import org.openspp.gateway.auth.TokenVerifier;
import org.openspp.gateway.bus.Codecs;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.http.HttpVerticle;
import org.openspp.gateway.http.RateLimiter;
import org.openspp.gateway.metrics.BreakerStates;
import org.openspp.gateway.metrics.GatewayMeters;
import org.openspp.gateway.metrics.ManagementVerticle;
import org.openspp.gateway.resolve.ClientDirectoryVerticle;
import org.openspp.gateway.resolve.RegistrySource;
import org.openspp.gateway.resolve.ResolverVerticle;
import org.openspp.gateway.tracing.StatementSpans;
import org.openspp.gateway.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the message codecs and deploys the gateway: the client directory, the audit writer and one
 * resolver deployment per resource type first, then the aggregators, then the HTTP verticles, then the
 * management listener. Each child receives only its slice of the configuration and the few process-wide
 * objects it needs (state, rate limiter, meters). Start-up fails if any deployment fails.
 *
 * <p>{@link #drain} is the graceful shutdown: readiness turns false at once, requests are still served for
 * the grace period, then the HTTP listeners close and wait for their in-flight requests, then the aggregators,
 * the audit writer (which commits what it holds) and the resolvers stop, in that order.
 */
public final class MainVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(MainVerticle.class);

  private final GatewayConfig config;
  private final Role role;
  private final Set<ResourceType> resolverTypes;
  private final Supplier<JsonObject> membership;
  private final PrometheusMeterRegistry registry;
  private final MeterRegistry meters;
  private final GatewayState state = new GatewayState();
  private String httpDeployment;
  private String aggregatorDeployment;
  private final StatementSpans spans;
  private String auditDeployment;
  private final List<String> backendDeployments = new ArrayList<>();

  /**
   * @param registry the Prometheus registry to expose on {@code /metrics} and to record domain meters in, or
   *                 {@code null} (meters then go to a private in-memory registry)
   */
  public MainVerticle(GatewayConfig config, PrometheusMeterRegistry registry) {
    this(config, registry, Role.ALL, EnumSet.allOf(ResourceType.class), null, Tracing.OFF);
  }

  /**
   * @param role          what this process runs
   * @param resolverTypes the resource types this process resolves (role {@code all} or {@code resolver})
   * @param membership    cluster membership for readiness, or {@code null} when not clustered
   * @param tracing       the process's tracing, for the statement spans (Vert.x's own spans come from the Vert.x
   *                      instance it was built into)
   */
  public MainVerticle(GatewayConfig config, PrometheusMeterRegistry registry, Role role,
      Set<ResourceType> resolverTypes, Supplier<JsonObject> membership, Tracing tracing) {
    this.spans = tracing.statements();
    this.config = config;
    this.role = role;
    this.resolverTypes = resolverTypes.isEmpty() ? EnumSet.noneOf(ResourceType.class) : EnumSet.copyOf(resolverTypes);
    this.membership = membership;
    this.registry = registry;
    this.meters = registry != null ? registry : new SimpleMeterRegistry();
  }

  /** Where domain meters are recorded. */
  public MeterRegistry meters() {
    return meters;
  }

  /** Readiness and draining flags. */
  public GatewayState state() {
    return state;
  }

  @Override
  public Future<?> start() {
    Codecs.register(vertx.eventBus());
    int edgeInstances = config.http().instances() > 0
        ? config.http().instances() : Runtime.getRuntime().availableProcessors();
    BreakerStates breakers = new BreakerStates(meters);
    RegistrySource source = RegistrySource.of(config.db());
    GatewayMeters domain = new GatewayMeters(meters);

    List<Future<String>> backend = new ArrayList<>();
    if (role.resolves()) {
      for (ResourceType type : resolverTypes) {
        GatewayConfig.Registry reg = config.registries().get(type);
        String url = config.registryUrl(type);
        backend.add(vertx.deployVerticle(() -> new ResolverVerticle(type, source, url, reg, breakers, domain, spans),
            new DeploymentOptions().setInstances(reg.instances())));
      }
    }
    if (!role.servesHttp()) {
      return Future.all(backend)
          .compose(v -> {
            backend.forEach(f -> backendDeployments.add(f.result()));
            return startManagement(breakers);
          })
          .onSuccess(v -> {
            log.info("spp-gateway resolver started: resolvers {}, management on port {}",
                resolverTypes.stream().map(ResourceType::wireName).toList(), config.management().port());
          });
    }
    RateLimiter rateLimiter = RateLimiter.create();
    backend.add(vertx.deployVerticle(new ClientDirectoryVerticle(source, config.db().url(),
        config.registries().get(ResourceType.INDIVIDUAL), breakers, spans)));
    Future<String> audit = vertx.deployVerticle(new AuditVerticle(config.auditUrl(), config.audit(), meters, spans));
    long resolveTimeout = config.export().busTimeoutMs();
    long auditTimeout = config.audit().timeoutMs();
    int maxResponseBytes = config.export().maxResponseBytes();
    Future<String> aggregators = vertx.deployVerticle(
        () -> new AggregatorVerticle(resolveTimeout, auditTimeout, maxResponseBytes),
        new DeploymentOptions().setInstances(edgeInstances));

    TokenVerifier verifier = TokenVerifier.create(vertx, config.auth(), meters);

    return Future.all(Future.all(backend), audit, aggregators, verifier.ready())
        .compose(v -> {
          backend.forEach(f -> backendDeployments.add(f.result()));
          auditDeployment = audit.result();
          aggregatorDeployment = aggregators.result();
          return vertx.deployVerticle(() -> new HttpVerticle(config, rateLimiter, domain, verifier),
              new DeploymentOptions().setInstances(edgeInstances));
        })
        .compose(id -> {
          httpDeployment = id;
          return startManagement(breakers);
        })
        .onSuccess(v -> {
          log.info("spp-gateway started ({}): API on port {} ({} HTTP verticles), management on port {}, resolvers {}, "
              + "registry kind {}", role.name().toLowerCase(java.util.Locale.ROOT), config.http().port(), edgeInstances,
              config.management().port(), role.resolves()
                  ? resolverTypes.stream().map(ResourceType::wireName).toList() : "in the cluster",
              config.kind().wireName());
        });
  }

  /** The management listener starts last; from then on the process reports itself started. */
  private Future<Void> startManagement(BreakerStates breakers) {
    return vertx.deployVerticle(new ManagementVerticle(config.management(), registry, state, breakers, membership))
        .onSuccess(id -> state.markStarted())
        .mapEmpty();
  }

  /**
   * Graceful shutdown, in order: readiness false; requests still served for {@code http.shutdownGraceMs}; HTTP
   * listeners closed, in-flight requests completed (bounded by the request deadline); aggregators, audit writer
   * (after its last commit) and resolvers stopped. Vert.x itself is closed by the caller afterwards.
   */
  public Future<Void> drain() {
    if (!state.startDraining() || !state.started()) {
      // already draining, or start-up never completed: nothing is serving, nothing to wait for
      return Future.succeededFuture();
    }
    if (!role.servesHttp()) {
      // a resolver: readiness false; it unregisters from the bus, refuses what is still delivered to it (the
      // sender retries elsewhere) and answers what it holds (ResolverVerticle.stop)
      log.info("draining: readiness is false, resolvers leave the event bus after their in-flight statements");
      return Future.join(backendDeployments.stream().map(this::undeploy).toList())
          .<Void>mapEmpty()
          .onComplete(ar -> log.info("drained: {}", ar.succeeded() ? "in-flight statements answered"
              : "with errors: " + ar.cause()));
    }
    log.info("draining: readiness is false, requests accepted for {} ms more", config.http().shutdownGraceMs());
    return vertx.timer(config.http().shutdownGraceMs())
        .compose(v -> undeploy(httpDeployment))
        .compose(v -> undeploy(aggregatorDeployment))
        .compose(v -> undeploy(auditDeployment))
        .compose(v -> Future.join(backendDeployments.stream().map(this::undeploy).toList()))
        .<Void>mapEmpty()
        .onComplete(ar -> log.info("drained: {}", ar.succeeded() ? "all requests answered, audit flushed"
            : "with errors: " + ar.cause()));
  }

  private Future<Void> undeploy(String id) {
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }
}
