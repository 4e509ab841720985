package org.openspp.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.function.Supplier;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.metrics.Metrics;
import org.openspp.gateway.tracing.Tracing;

/**
 * Starts a clustered Vert.x for {@code serve --role http|resolver}: the Hazelcast cluster manager (vertx-hazelcast;
 * Vert.x's own subscription-map settings from its default cluster configuration) with discovery by TCP/IP member
 * list, or by the DNS name of a Kubernetes headless Service, and the event bus bound to the member's address.
 * Member loss is detected within seconds (heartbeat every second, a member silent for 5 s is removed), so a
 * killed resolver stops receiving requests soon after it dies.
 */
public final class Clustering {

  private Clustering() {
  }

  /** A started clustered Vert.x and its view of the cluster. */
  public record Node(Vertx vertx, HazelcastClusterManager manager) {

    /** Readiness data: whether this node is an active member, and the member count. */
    public Supplier<JsonObject> membership() {
      return () -> {
        List<String> nodes = nodes(manager);
        return new JsonObject().put("member", nodes.contains(manager.getNodeId()))
            .put("members", nodes.size()).put("node", manager.getNodeId());
      };
    }
  }

  /** The members this process sees; none once it has left or before it joined. */
  static List<String> nodes(HazelcastClusterManager manager) {
    return manager.isActive() ? manager.getNodes() : List.of();
  }

  /** Joins the cluster; fails when the cluster manager cannot start (port taken, bad configuration). */
  public static Future<Node> start(PrometheusMeterRegistry registry, GatewayConfig.Cluster cluster) {
    return start(registry, cluster, Tracing.OFF);
  }

  /**
   * Joins the cluster with {@code tracing}'s Vert.x tracer (trace context then crosses the clustered event bus in
   * each message's headers).
   */
  public static Future<Node> start(PrometheusMeterRegistry registry, GatewayConfig.Cluster cluster,
      Tracing tracing) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
        .setHost(cluster.host())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.host()));
    return tracing.apply(Metrics.builder(registry, options), options).withClusterManager(manager).buildClustered()
        .map(vertx -> {
          Gauge.builder("gateway.cluster.members", manager, m -> nodes(m).size())
              .description("Members of the gateway's cluster as this process sees them")
              .register(registry);
          return new Node(vertx, manager);
        });
  }

  static Config hazelcastConfig(GatewayConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // the gateway's own shutdown hook drains first, then closes Vert.x, which leaves the cluster
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.hazelcastPort()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(false);
    network.setPublicAddress(cluster.host() + ":" + cluster.hazelcastPort());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    if (cluster.kubernetesService() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesService())
          .setProperty("service-port", String.valueOf(cluster.hazelcastPort()));
    } else {
      TcpIpConfig tcp = join.getTcpIpConfig().setEnabled(true);
      if (cluster.members().isEmpty()) {
        tcp.addMember(cluster.host() + ":" + cluster.hazelcastPort());
      } else {
        cluster.members().forEach(tcp::addMember);
      }
    }
    return config;
  }
}
