package org.openspp.gateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.JibImage;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code k8s/cluster/}, the scale-out topology, against the gateway: each tier runs its role, the members find
 * each other through the headless Service the gateway is told to resolve, the advertised address is the pod IP,
 * the ports the Services and the NetworkPolicy name are the ports the gateway listens on, and the tiers' own
 * environment with the ConfigMap's file gives a valid clustered configuration.
 */
@DisplayName("Kubernetes manifests of the scale-out topology (k8s/cluster/)")
class ClusterManifestsTest {

  static final Path DIR = Path.of("k8s", "cluster");
  static final ObjectMapper JSON = new ObjectMapper();

  static <T> T load(String name, Class<T> type) throws IOException {
    Object doc = new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(DIR.resolve(name), StandardCharsets.UTF_8));
    return JSON.convertValue(doc, type);
  }

  static Container container(Deployment d) {
    assertThat(d.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static Optional<EnvVar> env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
  }

  static Optional<ContainerPort> port(Container c, String name) {
    return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst();
  }

  /** The tier's configuration: the ConfigMap's file (conf/config.yaml) and the Deployment's literal variables. */
  static GatewayConfig config(Container c) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null && !e.getName().endsWith("_FILE")) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null) {
        env.put(e.getName(), "10.1.2.3"); // status.podIP
      }
    }
    env.put("SPP_DB_URL", "postgresql://gw:pw@db:5432/registry");
    return ConfigLoader.load(Path.of("conf", "config.yaml"), env);
  }

  @Test
  @DisplayName("each tier runs its role with the mounted configuration, and only the HTTP tier has the API port")
  void tiersRunTheirRoles() throws IOException {
    Container http = container(load("deployment-http.yaml", Deployment.class));
    Container resolver = container(load("deployment-resolver.yaml", Deployment.class));
    assertThat(http.getArgs()).containsExactly("serve", "--role", "http", "--config", "/etc/spp-gateway/config.yaml");
    assertThat(resolver.getArgs())
        .containsExactly("serve", "--role", "resolver", "--config", "/etc/spp-gateway/config.yaml");
    assertThat(port(http, "http")).isPresent();
    assertThat(port(resolver, "http")).as("a resolver has no API listener").isEmpty();
    for (Container c : List.of(http, resolver)) {
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).as("readiness includes cluster membership")
          .isEqualTo("/health/ready");
    }
  }

  @Test
  @DisplayName("each tier launches java itself with the image's JVM flags and Jib's argument files, no JVM option variables")
  void tiersLaunchTheImageWithItsFlags() throws IOException {
    JibImage jib = JibImage.fromPom(KubernetesManifestsTest.POM);
    for (String file : List.of("deployment-http.yaml", "deployment-resolver.yaml")) {
      Container c = container(load(file, Deployment.class));
      assertThat(KubernetesManifestsTest.jvmFlags(c, jib)).as(file).containsAll(jib.jvmFlags())
          .contains("-XX:ActiveProcessorCount=2");
      for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
        assertThat(env(c, variable)).as(file + " " + variable).isEmpty();
      }
    }
  }

  @Test
  @DisplayName("every Deployment and StatefulSet binds its management listener to every interface (probes, Prometheus)")
  void managementListensOnThePodAddress() throws IOException {
    List<String> workloads = new java.util.ArrayList<>();
    List<Path> files;
    try (var listing = Files.list(DIR)) {
      files = listing.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions()))
          .loadAll(Files.readString(file, StandardCharsets.UTF_8))) {
        Map<?, ?> manifest = (Map<?, ?>) doc;
        if (manifest == null || !List.of("Deployment", "StatefulSet").contains(String.valueOf(manifest.get("kind")))) {
          continue;
        }
        workloads.add(file.getFileName().toString());
        Map<?, ?> pod = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) manifest.get("spec")).get("template")).get("spec");
        for (Object container : (List<?>) pod.get("containers")) {
          Container c = JSON.convertValue(container, Container.class);
          assertThat(env(c, "SPP_MANAGEMENT_HOST").map(EnvVar::getValue)).as(file + " " + c.getName()).contains("0.0.0.0");
          assertThat(config(c).management().host()).as(file + " " + c.getName()).isEqualTo("0.0.0.0");
        }
      }
    }
    assertThat(workloads).contains("deployment-http.yaml", "deployment-resolver.yaml");
  }

  @Test
  @DisplayName("members find each other through the headless Service and advertise the pod IP on the listened ports")
  void discoveryAndAddresses() throws IOException {
    Service headless = load("service-cluster.yaml", Service.class);
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    for (String file : List.of("deployment-http.yaml", "deployment-resolver.yaml")) {
      Deployment d = load(file, Deployment.class);
      Container c = container(d);
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(file)
          .containsAllEntriesOf(headless.getSpec().getSelector());
      assertThat(env(c, "SPP_CLUSTER_HOST").orElseThrow().getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("status.podIP");
      GatewayConfig.Cluster cluster = config(c).cluster();
      assertThat(cluster.kubernetesService()).as(file).isEqualTo(headless.getMetadata().getName());
      assertThat(cluster.host()).isEqualTo("10.1.2.3");
      assertThat(port(c, "hazelcast").orElseThrow().getContainerPort()).isEqualTo(cluster.hazelcastPort());
      assertThat(port(c, "eventbus").orElseThrow().getContainerPort()).isEqualTo(cluster.eventBusPort());
      for (ServicePort sp : headless.getSpec().getPorts()) {
        assertThat(port(c, sp.getTargetPort().getStrVal())).as(file + " has port " + sp.getTargetPort()).isPresent();
      }
    }
  }

  @Test
  @DisplayName("the API Service selects the HTTP tier only")
  void apiServiceSelectsHttpTier() throws IOException {
    Service api = load("service.yaml", Service.class);
    Map<String, String> httpLabels = load("deployment-http.yaml", Deployment.class)
        .getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> resolverLabels = load("deployment-resolver.yaml", Deployment.class)
        .getSpec().getTemplate().getMetadata().getLabels();
    assertThat(httpLabels).containsAllEntriesOf(api.getSpec().getSelector());
    assertThat(resolverLabels.entrySet().containsAll(api.getSpec().getSelector().entrySet()))
        .as("resolver pods are not API endpoints").isFalse();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(String name) throws IOException {
    return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(DIR.resolve(name), StandardCharsets.UTF_8));
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Map<String, Object> map, String... path) {
    Object v = map;
    for (String key : path) {
      v = v instanceof List<?> l ? l.get(Integer.parseInt(key)) : ((Map<String, Object>) v).get(key);
    }
    return (T) v;
  }

  @Test
  @DisplayName("both tiers are scraped on their management port, as job spp-gateway with tier http / resolver")
  void bothTiersScraped() throws IOException {
    Map<String, String> httpPods = load("deployment-http.yaml", Deployment.class)
        .getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> resolverPods = load("deployment-resolver.yaml", Deployment.class)
        .getSpec().getTemplate().getMetadata().getLabels();
    Service api = load("service.yaml", Service.class);

    Map<String, Object> sm = yaml("servicemonitor.yaml");
    assertThat((String) sm.get("kind")).isEqualTo("ServiceMonitor");
    Map<String, String> smSelector = at(sm, "spec", "selector", "matchLabels");
    assertThat(api.getMetadata().getLabels()).as("the ServiceMonitor selects the API Service")
        .containsAllEntriesOf(smSelector);
    String smPort = at(sm, "spec", "endpoints", "0", "port");
    assertThat(api.getSpec().getPorts()).extracting(ServicePort::getName).contains(smPort);
    assertThat(port(container(load("deployment-http.yaml", Deployment.class)), "management")).isPresent();
    assertThat(smPort).isEqualTo("management");

    Map<String, Object> pm = yaml("podmonitor.yaml");
    assertThat((String) pm.get("kind")).isEqualTo("PodMonitor");
    Map<String, String> pmSelector = at(pm, "spec", "selector", "matchLabels");
    assertThat(resolverPods).as("the PodMonitor selects the resolver pods").containsAllEntriesOf(pmSelector);
    assertThat(httpPods.entrySet().containsAll(pmSelector.entrySet())).as("and not the HTTP pods").isFalse();
    String pmPort = at(pm, "spec", "podMetricsEndpoints", "0", "port");
    assertThat(port(container(load("deployment-resolver.yaml", Deployment.class)), pmPort))
        .as("the resolver container names the scraped port").isPresent();

    for (List<Map<String, Object>> relabelings : List.<List<Map<String, Object>>>of(
        at(sm, "spec", "endpoints", "0", "relabelings"), at(pm, "spec", "podMetricsEndpoints", "0", "relabelings"))) {
      assertThat(relabelings).anySatisfy(r -> {
        assertThat(r.get("targetLabel")).isEqualTo("tier");
        assertThat((List<String>) r.get("sourceLabels"))
            .containsExactly("__meta_kubernetes_pod_label_app_kubernetes_io_component");
      });
    }
    assertThat(httpPods).containsEntry("app.kubernetes.io/component", "http");
    assertThat(resolverPods).containsEntry("app.kubernetes.io/component", "resolver");
    // the ServiceMonitor's job is the Service's name; the PodMonitor sets the same
    assertThat(api.getMetadata().getName()).isEqualTo("spp-gateway");
    List<Map<String, Object>> pmRelabel = at(pm, "spec", "podMetricsEndpoints", "0", "relabelings");
    assertThat(pmRelabel).anySatisfy(r -> assertThat(r).containsEntry("targetLabel", "job")
        .containsEntry("replacement", "spp-gateway"));
  }

  @Test
  @DisplayName("each tier has an HPA on its Deployment and a PodDisruptionBudget over its pods")
  void eachTierAutoscaledAndProtected() throws IOException {
    for (String tier : List.of("http", "resolver")) {
      Deployment d = load("deployment-" + tier + ".yaml", Deployment.class);
      Map<String, Object> hpa = yaml("hpa-" + tier + ".yaml");
      assertThat((String) hpa.get("kind")).isEqualTo("HorizontalPodAutoscaler");
      assertThat((String) at(hpa, "spec", "scaleTargetRef", "kind")).isEqualTo("Deployment");
      assertThat((String) at(hpa, "spec", "scaleTargetRef", "name")).as(tier).isEqualTo(d.getMetadata().getName());
      int min = at(hpa, "spec", "minReplicas");
      int max = at(hpa, "spec", "maxReplicas");
      assertThat(min).as(tier + " keeps two pods").isGreaterThanOrEqualTo(2);
      assertThat(max).isGreaterThan(min);
      assertThat(d.getSpec().getReplicas()).isBetween(min, max);

      Map<String, Object> pdb = yaml("pdb-" + tier + ".yaml");
      assertThat((String) pdb.get("kind")).isEqualTo("PodDisruptionBudget");
      Map<String, String> selector = at(pdb, "spec", "selector", "matchLabels");
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(tier).containsAllEntriesOf(selector);
      assertThat(selector).containsEntry("app.kubernetes.io/component", tier);
      assertThat((Integer) at(pdb, "spec", "minAvailable")).isLessThan(min);
    }
    String kustomization = Files.readString(DIR.resolve("kustomization.yaml"), StandardCharsets.UTF_8);
    for (String file : List.of("hpa-http.yaml", "hpa-resolver.yaml", "pdb-http.yaml", "pdb-resolver.yaml",
        "servicemonitor.yaml", "podmonitor.yaml", "prometheusrule.yaml")) {
      assertThat(kustomization).as("kustomization lists " + file).contains("  - " + file);
    }
  }
}
