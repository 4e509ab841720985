package org.openspp.gateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.http.HttpVerticle;
import org.openspp.gateway.http.TokenEndpoint;
import org.openspp.gateway.support.JibImage;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The manifests under {@code k8s/} against the gateway itself: every file parses into the Kubernetes model of its
 * kind (no unknown fields), and what the Deployment, Service, ConfigMap, probes, environment, security context,
 * shutdown timing, NetworkPolicy, ServiceMonitor, alert rules and Grafana dashboard assume is what the code, the
 * configuration loader, {@code conf/config.yaml} and the image profile of {@code pom.xml} actually provide.
 * Runs from the project directory (Maven's default working directory).
 */
class KubernetesManifestsTest {

  static final Path K8S = Path.of("k8s");
  static final Path CONF = Path.of("conf", "config.yaml");
  static final Path POM = Path.of("pom.xml");
  static final Path DASHBOARD = K8S.resolve("grafana/spp-gateway-dashboard.json");
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";
  static final String METRICS = "/metrics";
  /** The gateway's export route as it appears in the {@code route} label (both spellings are routed). */
  static final List<String> EXPORT_ROUTES = List.of(HttpVerticle.EXPORT_PATH, "/api/v2/spp/%24bulk/export");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** apiVersion/kind → model class. ServiceMonitor, PodMonitor and PrometheusRule are CRDs without a fabric8 model here. */
  private static final Map<String, Class<?>> MODELS = Map.of(
      "v1/ConfigMap", ConfigMap.class,
      "v1/Secret", Secret.class,
      "v1/Service", Service.class,
      "apps/v1/Deployment", Deployment.class,
      "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
      "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
      "monitoring.coreos.com/v1/ServiceMonitor", GenericKubernetesResource.class,
      "monitoring.coreos.com/v1/PodMonitor", GenericKubernetesResource.class,
      "monitoring.coreos.com/v1/PrometheusRule", GenericKubernetesResource.class);

  private static Deployment deployment;
  private static Container container;
  private static PodSpec pod;
  private static Service service;
  private static ConfigMap configMap;
  private static Secret secret;
  private static HorizontalPodAutoscaler hpa;
  private static PodDisruptionBudget pdb;
  private static NetworkPolicy networkPolicy;
  private static GenericKubernetesResource serviceMonitor;
  private static GenericKubernetesResource prometheusRule;

  @TempDir
  Path dir;

  @BeforeAll
  static void loadManifests() {
    deployment = single("deployment.yaml", Deployment.class);
    pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).as("containers of the Deployment").hasSize(1);
    container = pod.getContainers().get(0);
    service = single("service.yaml", Service.class);
    configMap = single("configmap.yaml", ConfigMap.class);
    secret = single("secret.example.yaml", Secret.class);
    hpa = single("hpa.yaml", HorizontalPodAutoscaler.class);
    pdb = single("pdb.yaml", PodDisruptionBudget.class);
    networkPolicy = single("networkpolicy.yaml", NetworkPolicy.class);
    serviceMonitor = single("servicemonitor.yaml", GenericKubernetesResource.class);
    prometheusRule = single("prometheusrule.yaml", GenericKubernetesResource.class);
  }

  // --- parsing ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("every YAML file under k8s/ parses into the Kubernetes model of its kind, without unknown fields")
  void everyManifestParses() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      if (file.getFileName().toString().equals("kustomization.yaml")) {
        continue;
      }
      List<Map<String, Object>> docs = documents(file);
      assertThat(docs).as(file + " documents").isNotEmpty();
      for (Map<String, Object> doc : docs) {
        Object typed = convert(file, doc);
        assertThat(unknownFields(typed, file.toString())).as("fields the Kubernetes model does not know").isEmpty();
      }
    }
  }

  @Test
  @DisplayName("the schema check itself catches a misspelt field (it can fail)")
  void schemaCheckCatchesTypos() {
    Map<String, Object> doc = documents(K8S.resolve("deployment.yaml")).get(0);
    Map<String, Object> c = containerMap(doc);
    c.put("readinesProbe", c.get("readinessProbe"));
    Deployment typo = JSON.convertValue(doc, Deployment.class);
    assertThat(unknownFields(typo, "deployment")).singleElement().asString().contains("readinesProbe");
  }

  @Test
  @DisplayName("kustomization lists every manifest (not the example Secret) and its files exist and parse")
  void kustomizationResources() throws IOException {
    Map<String, Object> k = documents(K8S.resolve("kustomization.yaml")).get(0);
    assertThat(k).containsEntry("kind", "Kustomization");
    List<String> resources = strings(k.get("resources"));
    assertThat(resources).doesNotHaveDuplicates().doesNotContain("secret.example.yaml");
    for (String r : resources) {
      Path file = K8S.resolve(r);
      assertThat(file).as("kustomization resource").isRegularFile();
      for (Map<String, Object> doc : documents(file)) {
        assertThat(unknownFields(convert(file, doc), r)).isEmpty();
      }
    }
    try (Stream<Path> top = Files.list(K8S)) {
      Set<String> manifests = top.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.equals("secret.example.yaml"))
          .collect(Collectors.toCollection(TreeSet::new));
      assertThat(resources).as("manifests missing from kustomization.yaml").containsAll(manifests);
    }
    List<String> generated = new ArrayList<>();
    for (Object g : list(k.get("configMapGenerator"))) {
      generated.addAll(strings(map(g).get("files")));
    }
    assertThat(generated).contains(K8S.relativize(DASHBOARD).toString());
    generated.forEach(f -> assertThat(K8S.resolve(f.contains("=") ? f.substring(f.indexOf('=') + 1) : f)).isRegularFile());
  }

  @Test
  @DisplayName("kubectl kustomize builds k8s/ (when kubectl is installed)")
  void kustomizeBuilds() throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed");
    Process p = new ProcessBuilder("kubectl", "kustomize", K8S.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("kind: Deployment", "kind: Service", "kind: ConfigMap", "kind: HorizontalPodAutoscaler",
        "kind: PodDisruptionBudget", "kind: NetworkPolicy", "kind: ServiceMonitor", "kind: PrometheusRule",
        "name: spp-gateway-dashboard").doesNotContain("kind: Secret");
  }

  // --- the gateway's ports, probes and configuration -------------------------------------------------------

  @Test
  @DisplayName("container ports are the ports the gateway listens on (defaults and with the cluster config)")
  void containerPorts() {
    GatewayConfig defaults = ConfigLoader.load(null, Map.of());
    GatewayConfig effective = effectiveConfig();
    assertThat(effective.http().port()).isEqualTo(defaults.http().port());
    assertThat(effective.management().port()).isEqualTo(defaults.management().port());
    assertThat(containerPort("http")).isEqualTo(defaults.http().port());
    assertThat(containerPort("management")).isEqualTo(defaults.management().port());
    assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort)
        .containsExactlyInAnyOrder(defaults.http().port(), defaults.management().port());
  }

  @Test
  @DisplayName("startup, readiness and liveness probes call the management endpoints")
  void probes() {
    int management = ConfigLoader.load(null, Map.of()).management().port();
    assertProbe(container.getStartupProbe(), "startup", management, Set.of(LIVE, READY));
    assertProbe(container.getReadinessProbe(), "readiness", management, Set.of(READY));
    assertProbe(container.getLivenessProbe(), "liveness", management, Set.of(LIVE));
    // a liveness probe must never restart a pod that is merely not ready (draining, registry down)
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isNotEqualTo(READY);
  }

  @Test
  @DisplayName("the Service selects the pods and targets existing container ports")
  void serviceTargets() {
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(service.getSpec().getSelector());
    Map<String, Integer> byPort = new LinkedHashMap<>();
    for (ServicePort sp : service.getSpec().getPorts()) {
      byPort.put(sp.getName(), resolvePort(sp.getTargetPort() == null ? new IntOrString(sp.getPort()) : sp.getTargetPort()));
      assertThat(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).isEqualTo("TCP");
    }
    GatewayConfig defaults = ConfigLoader.load(null, Map.of());
    assertThat(byPort).containsEntry("http", defaults.http().port()).containsEntry("management", defaults.management().port());
    assertThat(service.getSpec().getPorts()).filteredOn(p -> p.getName().equals("http"))
        .singleElement().extracting(ServicePort::getPort).isEqualTo(80);
  }

  @Test
  @DisplayName("every environment variable of the Deployment is one the gateway reads")
  void environmentNamesAreKnown() {
    Set<String> known = new TreeSet<>(envKeys().keySet());
    secretVariables().forEach(v -> known.add(v + "_FILE"));
    for (EnvVar e : container.getEnv()) {
      assertThat(known).as("environment variables the gateway knows").contains(e.getName());
      assertThat(e.getValueFrom()).as(e.getName() + " uses a plain value").isNull();
    }
    assertThat(container.getEnvFrom()).as("envFrom would hide unknown names").isNullOrEmpty();
    assertThat(names(container.getEnv())).doesNotHaveDuplicates()
        .contains("SPP_DB_URL_FILE", "SPP_JWT_SECRET_FILE", "SPP_LOG_FORMAT")
        .doesNotContain("SPP_DB_URL", "SPP_JWT_SECRET", "OPENSPP_JWT_SECRET"); // secrets only as files
  }

  @Test
  @DisplayName("the pod's management listener binds every interface: probes and Prometheus reach it on the pod IP")
  void managementListensOnThePodAddress() {
    // the built-in default is loopback (not on Kubernetes, /metrics and /health/* stay local)
    assertThat(ConfigLoader.load(null, Map.of()).management().host()).isEqualTo("127.0.0.1");
    assertThat(env()).containsEntry("SPP_MANAGEMENT_HOST", "0.0.0.0");
    GatewayConfig cfg = effectiveConfig();
    assertThat(cfg.management().host()).isEqualTo("0.0.0.0");
    assertThat(cfg.http().host()).isEqualTo("0.0.0.0");
  }

  @Test
  @DisplayName("the Deployment's environment with the example Secret's files gives a valid configuration")
  void environmentLoads() {
    GatewayConfig cfg = effectiveConfig();
    assertThat(cfg.db().url()).as("db.url: never the embedded demo database").isEqualTo(secretValue("db-url"));
    assertThat(cfg.auth().jwtSecret()).isEqualTo(secretValue("jwt-secret"));
    assertThat(ConfigLoader.logFormat(ConfigLoader.merged(writeConfigMap(), deploymentEnv()))).isEqualTo("json");
  }

  @Test
  @DisplayName("the ConfigMap's config.yaml is conf/config.yaml byte for byte, is mounted where --config points, and loads")
  void configMap() throws IOException {
    String data = configMap.getData().get("config.yaml");
    assertThat(data).isNotNull();
    assertThat(data.getBytes(StandardCharsets.UTF_8))
        .as("k8s/configmap.yaml is stale: regenerate it from conf/config.yaml (see its header)")
        .isEqualTo(Files.readAllBytes(CONF));
    ConfigLoader.load(writeConfigMap(), Map.of());

    VolumeMount mount = mountOf(volume(v -> v.getConfigMap() != null
        && configMap.getMetadata().getName().equals(v.getConfigMap().getName())));
    List<String> args = container.getArgs();
    int i = args.indexOf("--config");
    assertThat(i).as("--config in the container args").isNotNegative();
    assertThat(args.get(i + 1)).isEqualTo(mount.getMountPath() + "/config.yaml");
    assertThat(mount.getReadOnly()).isTrue();
  }

  @Test
  @DisplayName("the Secret is mounted read-only and the *_FILE variables name its keys")
  void secretFiles() {
    Volume secretVolume = volume(v -> v.getSecret() != null);
    assertThat(secretVolume.getSecret().getSecretName()).isEqualTo(secret.getMetadata().getName());
    VolumeMount mount = mountOf(secretVolume);
    assertThat(mount.getMountPath()).isEqualTo("/var/run/secrets/spp");
    assertThat(mount.getReadOnly()).isTrue();
    for (EnvVar e : container.getEnv()) {
      if (e.getName().endsWith("_FILE")) {
        assertThat(e.getValue()).startsWith(mount.getMountPath() + "/");
        String key = e.getValue().substring(mount.getMountPath().length() + 1);
        assertThat(secret.getStringData()).as("keys of secret.example.yaml").containsKey(key);
        assertThat(secret.getStringData().get(key)).as(key + " must not be empty").isNotBlank();
      }
    }
  }

  // --- resources, security, shutdown, image ---------------------------------------------------------------

  @Test
  @DisplayName("memory request equals the limit and a CPU request is set")
  void resources() {
    Map<String, Quantity> requests = container.getResources().getRequests();
    Map<String, Quantity> limits = container.getResources().getLimits();
    assertThat(requests).containsKeys("memory", "cpu");
    assertThat(limits).containsKey("memory");
    assertThat(Quantity.getAmountInBytes(requests.get("memory")))
        .isEqualByComparingTo(Quantity.getAmountInBytes(limits.get("memory")));
    assertThat(requests.get("cpu").getNumericalAmount()).isPositive();
    // the heap is MaxRAMPercentage of the limit; leave room for metaspace, threads and Netty's direct buffers
    BigDecimal limit = Quantity.getAmountInBytes(limits.get("memory"));
    BigDecimal nonHeap = limit.multiply(BigDecimal.valueOf(100 - maxRamPercentage())).divide(BigDecimal.valueOf(100));
    assertThat(nonHeap).as("bytes left outside the heap").isGreaterThanOrEqualTo(BigDecimal.valueOf(192L << 20));
  }

  @Test
  @DisplayName("the security context is restricted (non-root 10001, seccomp, no escalation, read-only root, no capabilities)")
  void securityContext() {
    PodSecurityContext ps = pod.getSecurityContext();
    SecurityContext cs = container.getSecurityContext();
    assertThat(ps).isNotNull();
    assertThat(cs).isNotNull();
    assertThat(firstNonNull(cs.getRunAsNonRoot(), ps.getRunAsNonRoot())).isTrue();
    assertThat(firstNonNull(cs.getRunAsUser(), ps.getRunAsUser())).isEqualTo(10001L);
    assertThat(firstNonNull(cs.getRunAsGroup(), ps.getRunAsGroup())).isEqualTo(10001L);
    String seccomp = cs.getSeccompProfile() != null ? cs.getSeccompProfile().getType()
        : ps.getSeccompProfile() == null ? null : ps.getSeccompProfile().getType();
    assertThat(seccomp).isEqualTo("RuntimeDefault");
    assertThat(cs.getAllowPrivilegeEscalation()).isFalse();
    assertThat(cs.getReadOnlyRootFilesystem()).isTrue();
    assertThat(cs.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(cs.getCapabilities().getDrop()).contains("ALL");
    assertThat(cs.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).as(v.getName()).isNull());
    // read-only root file system: the JVM still needs a writable /tmp (tmpdir, hsperfdata, Netty natives)
    VolumeMount tmp = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
        .orElseThrow(() -> new AssertionError("no /tmp mount"));
    assertThat(volume(v -> v.getName().equals(tmp.getName())).getEmptyDir()).isNotNull();
    assertThat(tmp.getReadOnly()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  @DisplayName("terminationGracePeriodSeconds exceeds preStop sleep + shutdown grace + request deadline")
  void terminationGrace() {
    List<String> command = container.getLifecycle().getPreStop().getExec().getCommand();
    assertThat(command).hasSize(2);
    assertThat(command.get(0)).isIn("sleep", "/bin/sleep");
    long preStop = Long.parseLong(command.get(1));
    GatewayConfig cfg = effectiveConfig();
    long graceS = TimeUnit.MILLISECONDS.toSeconds(cfg.http().shutdownGraceMs());
    long deadlineS = TimeUnit.MILLISECONDS.toSeconds(cfg.http().requestTimeoutMs());
    assertThat(preStop).as("preStop sleep (endpoints and proxies catch up)").isBetween(3L, 15L);
    assertThat(graceS).isEqualTo(5);
    assertThat(deadlineS).isEqualTo(10);
    assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(preStop + graceS + deadlineS);
  }

  @Test
  @DisplayName("the image is reproducible: layers and creation time carry the build's fixed output timestamp")
  void imageTimestampsAreReproducible() {
    JibImage jib = JibImage.fromPom(POM);
    assertThat(jib.outputTimestamp()).as("project.build.outputTimestamp").isNotBlank();
    assertThat(java.time.Instant.parse(jib.outputTimestamp())).isBefore(java.time.Instant.now());
    assertThat(jib.creationTime()).as("creationTime, not USE_CURRENT_TIMESTAMP").isEqualTo(jib.outputTimestamp());
    assertThat(jib.filesModificationTime()).isEqualTo(jib.outputTimestamp());
  }

  @Test
  @DisplayName("image, args, user and JVM options agree with the Jib image profile of pom.xml")
  void imageProfile() throws Exception {
    JibImage jib = JibImage.fromPom(POM);
    assertThat(container.getImage()).isEqualTo(jib.image());
    assertThat(container.getArgs()).isEqualTo(jib.args());
    String[] user = jib.user().split(":");
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(Long.parseLong(user[0]));
    assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(Long.parseLong(user[1]));
    assertThat(jib.workingDirectory()).isEqualTo("/tmp");
    assertThat(jib.jvmFlags()).contains("-XX:+ExitOnOutOfMemoryError").anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
    for (String flag : jvmFlags(container, jib)) {
      assertThat(flag).as("heap flags that would override the image's MaxRAMPercentage")
          .doesNotStartWith("-Xmx").doesNotStartWith("-Xms").doesNotStartWith("-XX:MaxRAM=")
          .doesNotStartWith("-XX:MaxHeapSize").doesNotStartWith("-XX:-ExitOnOutOfMemoryError");
      if (flag.startsWith("-XX:MaxRAMPercentage=")) {
        assertThat(jib.jvmFlags()).contains(flag);
      }
      if (flag.startsWith("-XX:ActiveProcessorCount=")) {
        BigDecimal cpus = new BigDecimal(flag.substring(flag.indexOf('=') + 1));
        assertThat(cpus).as("processors the JVM sizes itself for vs. the cpu request")
            .isGreaterThanOrEqualTo(container.getResources().getRequests().get("cpu").getNumericalAmount());
      }
    }
  }

  @Test
  @DisplayName("the container launches java itself: the image's JVM flags, Jib's class-path and main-class files")
  void commandIsTheImageLaunchWithItsFlags() {
    JibImage jib = JibImage.fromPom(POM);
    assertThat(jib.jvmFlags()).as("jvmFlags of the image profile").isNotEmpty();
    assertThat(jvmFlags(container, jib)).containsAll(jib.jvmFlags()).contains("-XX:ActiveProcessorCount=2");
  }

  @Test
  @DisplayName("no container under k8s/ sets JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS or _JAVA_OPTIONS (non-JSON stderr)")
  void noJvmOptionVariables() throws IOException {
    List<String> containers = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(K8S)) {
      files = walk.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    for (Path file : files) {
      for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions()))
          .loadAll(Files.readString(file, StandardCharsets.UTF_8))) {
        if (!(doc instanceof Map<?, ?> manifest) || !(manifest.get("spec") instanceof Map<?, ?> spec)
            || !(spec.get("template") instanceof Map<?, ?> template)
            || !(template.get("spec") instanceof Map<?, ?> podSpec)) {
          continue;
        }
        for (String kind : List.of("containers", "initContainers")) {
          if (podSpec.get(kind) instanceof List<?> list) {
            for (Object c : list) {
              Container parsed = JSON.convertValue(c, Container.class);
              containers.add(file + " " + parsed.getName());
              assertThat(parsed.getEnv() == null ? List.<String>of() : names(parsed.getEnv()))
                  .as(file + " " + parsed.getName())
                  .doesNotContain("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
            }
          }
        }
      }
    }
    assertThat(containers).as("containers found under k8s/").hasSizeGreaterThanOrEqualTo(3);
  }

  /** Jib's argument files: the class path and the main class, written into every image Jib builds. */
  static final List<String> JIB_LAUNCH = List.of("-cp", "@/app/jib-classpath-file", "@/app/jib-main-class-file");

  /**
   * The JVM flags of {@code c}'s command, which must be the image's launch: {@code java}, flags, then Jib's
   * argument files; and no flag may drop the image's heap sizing or its exit on out-of-memory.
   */
  static List<String> jvmFlags(Container c, JibImage jib) {
    List<String> command = c.getCommand();
    assertThat(command).as(c.getName() + ": command").isNotNull().hasSizeGreaterThan(1 + JIB_LAUNCH.size());
    assertThat(command.get(0)).as("the image's java (on its PATH, as Jib's entrypoint)").isEqualTo("java");
    assertThat(command.subList(command.size() - JIB_LAUNCH.size(), command.size())).isEqualTo(JIB_LAUNCH);
    List<String> flags = command.subList(1, command.size() - JIB_LAUNCH.size());
    assertThat(flags).as(c.getName() + ": every JVM flag of the image profile").containsAll(jib.jvmFlags())
        .allMatch(f -> f.startsWith("-X") || f.startsWith("-D"), "a JVM option")
        .noneMatch(f -> f.startsWith("-Xmx") || f.startsWith("-Xms") || f.startsWith("-XX:MaxRAM=")
            || f.startsWith("-XX:MaxHeapSize") || f.equals("-XX:-ExitOnOutOfMemoryError"));
    assertThat(flags.stream().filter(f -> f.startsWith("-XX:MaxRAMPercentage="))).as("one heap sizing").hasSize(1);
    return flags;
  }

  // --- autoscaling, disruption, network, scraping ------------------------------------------------------------

  @Test
  @DisplayName("HPA (autoscaling/v2, CPU, 2..10) and PDB (minAvailable 1) target the gateway")
  void hpaAndPdb() {
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    assertThat(deployment.getSpec().getReplicas()).isBetween(hpa.getSpec().getMinReplicas(), hpa.getSpec().getMaxReplicas());
    MetricSpec cpu = hpa.getSpec().getMetrics().stream()
        .filter(m -> "Resource".equals(m.getType()) && "cpu".equals(m.getResource().getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no CPU metric"));
    assertThat(cpu.getResource().getTarget().getType()).isEqualTo("Utilization");
    assertThat(cpu.getResource().getTarget().getAverageUtilization()).isBetween(30, 95);

    assertThat(pdb.getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isLessThan(hpa.getSpec().getMinReplicas());
    assertThat(podLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
  }

  @Test
  @DisplayName("NetworkPolicy: API port in-cluster, management port only from monitoring, egress PostgreSQL and DNS")
  void networkPolicy() {
    GatewayConfig defaults = ConfigLoader.load(null, Map.of());
    int api = defaults.http().port();
    int management = defaults.management().port();
    assertThat(podLabels()).containsAllEntriesOf(networkPolicy.getSpec().getPodSelector().getMatchLabels());
    assertThat(networkPolicy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");

    List<NetworkPolicyIngressRule> ingress = networkPolicy.getSpec().getIngress();
    assertThat(ingress).allSatisfy(r -> assertThat(r.getPorts()).as("an ingress rule without ports opens every port").isNotEmpty());
    assertThat(ingress).anySatisfy(r -> assertThat(r.getPorts()).anySatisfy(p -> assertThat(resolvePort(p.getPort())).isEqualTo(api)));
    for (NetworkPolicyIngressRule rule : ingress) {
      boolean opensManagement = rule.getPorts().stream().anyMatch(p -> resolvePort(p.getPort()) == management);
      if (opensManagement) {
        assertThat(rule.getFrom()).as("peers admitted to the management port").isNotEmpty().allSatisfy(peer -> {
          assertThat(peer.getIpBlock()).isNull();
          assertThat(peer.getNamespaceSelector()).isNotNull();
          assertThat(peer.getNamespaceSelector().getMatchLabels())
              .containsEntry("kubernetes.io/metadata.name", "monitoring");
        });
      }
    }
    List<String> egress = networkPolicy.getSpec().getEgress().stream()
        .flatMap(r -> r.getPorts().stream())
        .map(p -> (p.getProtocol() == null ? "TCP" : p.getProtocol()) + "/" + p.getPort().getIntVal())
        .toList();
    assertThat(egress).contains("TCP/5432", "UDP/53", "TCP/53");
    assertThat(networkPolicy.getSpec().getEgress()).allSatisfy(r -> assertThat(r.getPorts()).isNotEmpty());
  }

  @Test
  @DisplayName("the ServiceMonitor scrapes /metrics on the Service's management port")
  void serviceMonitor() {
    Map<String, Object> spec = map(serviceMonitor.getAdditionalProperties().get("spec"));
    Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
    assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(stringMap(selector));
    List<Object> endpoints = list(spec.get("endpoints"));
    assertThat(endpoints).isNotEmpty();
    for (Object o : endpoints) {
      Map<String, Object> ep = map(o);
      assertThat(ep.keySet()).isSubsetOf("port", "path", "scheme", "interval", "scrapeTimeout", "honorLabels",
          "relabelings", "metricRelabelings");
      assertThat(ep.get("path")).isEqualTo(METRICS);
      ServicePort port = service.getSpec().getPorts().stream().filter(p -> p.getName().equals(ep.get("port")))
          .findFirst().orElseThrow(() -> new AssertionError("no Service port " + ep.get("port")));
      assertThat(resolvePort(port.getTargetPort())).isEqualTo(ConfigLoader.load(null, Map.of()).management().port());
    }
  }

  // --- alert rules and dashboard ---------------------------------------------------------------------------

  @Test
  @DisplayName("alert rule expressions use only metrics and labels the gateway exports")
  void ruleExpressions() {
    List<String> exprs = new ArrayList<>();
    for (Object g : list(map(prometheusRule.getAdditionalProperties().get("spec")).get("groups"))) {
      for (Object r : list(map(g).get("rules"))) {
        exprs.add(String.valueOf(map(r).get("expr")));
      }
    }
    assertThat(exprs).isNotEmpty();
    for (String expr : exprs) {
      assertThat(PromQl.problems(expr)).as(expr).isEmpty();
    }
    assertRouteMatchersMatchTheGateway(exprs);
  }

  @Test
  @DisplayName("the Grafana dashboard parses, has uid, title and a templated data source, and queries only known metrics")
  void grafanaDashboard() throws IOException {
    JsonNode dash = JSON.readTree(DASHBOARD.toFile());
    assertThat(dash.path("uid").asText()).isNotBlank();
    assertThat(dash.path("title").asText()).isNotBlank();
    JsonNode vars = dash.path("templating").path("list");
    List<String> dsVars = new ArrayList<>();
    List<String> exprs = new ArrayList<>();
    for (JsonNode v : vars) {
      if (v.path("type").asText().equals("datasource")) {
        assertThat(v.path("query").asText()).isEqualTo("prometheus");
        dsVars.add(v.path("name").asText());
      } else if (v.path("type").asText().equals("query")) {
        String q = v.path("query").isTextual() ? v.path("query").asText() : v.path("query").path("query").asText();
        Matcher m = Pattern.compile("^label_values\\((.*),\\s*[a-zA-Z_]+\\)$").matcher(q.trim());
        assertThat(m.matches()).as("variable query " + q).isTrue();
        exprs.add(m.group(1));
      }
    }
    assertThat(dsVars).hasSize(1);
    String dsRef = "${" + dsVars.get(0) + "}";
    List<JsonNode> panels = new ArrayList<>();
    collectPanels(dash.path("panels"), panels);
    assertThat(panels).isNotEmpty();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : panels) {
      assertThat(ids.add(p.path("id").asInt())).as("unique panel id " + p.path("id")).isTrue();
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo(dsRef);
      assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
      for (JsonNode t : p.path("targets")) {
        String expr = t.path("expr").asText();
        assertThat(expr).as(p.path("title").asText()).isNotBlank();
        exprs.add(expr);
      }
    }
    for (String expr : exprs) {
      assertThat(PromQl.problems(expr)).as(expr).isEmpty();
    }
    assertRouteMatchersMatchTheGateway(exprs);
    Set<String> used = exprs.stream().flatMap(e -> PromQl.metricNames(e).stream()).collect(Collectors.toSet());
    assertThat(used).as("what the dashboard must show").contains(
        "vertx_http_server_requests_total", "vertx_http_server_response_time_seconds_bucket",
        "gateway_bulk_items_total", "gateway_bulk_identifiers_bucket", "gateway_resolver_latency_seconds_bucket",
        "vertx_pool_in_use", "vertx_pool_queue_pending", "vertx_http_server_active_requests", "gateway_breaker_state",
        "gateway_audit_commit_seconds_bucket", "gateway_audit_failures_total", "jvm_memory_used_bytes",
        "jvm_memory_max_bytes", "process_cpu_usage");
    assertThat(used).anyMatch(n -> n.startsWith("jvm_gc_pause_seconds_"));
  }

  @Test
  @DisplayName("the PromQL check itself rejects unknown metrics, labels and functions (it can fail)")
  void promQlCheckCanFail() {
    assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (route, le) (rate(vertx_http_server_response_time_seconds_bucket{route=~\".*x\"}[$__rate_interval])))"))
        .containsExactly("vertx_http_server_response_time_seconds_bucket");
    assertThat(PromQl.metricNames("sum(rate(a_total{x=\"y{z}\"}[5m])) / ignoring(le) group_left b_total offset 5m > 1e3 and on (pod) c"))
        .containsExactlyInAnyOrder("a_total", "b_total", "c");
    assertThat(PromQl.problems("sum(rate(vertx_http_server_request_total[5m]))")).singleElement().asString()
        .contains("vertx_http_server_request_total");
    assertThat(PromQl.problems("sum(rate(gateway_bulk_requests_total{code=\"500\"}[5m]))")).singleElement().asString()
        .contains("code");
    assertThat(PromQl.problems("rated(gateway_audit_failures_total[5m])")).singleElement().asString().contains("rated");
    assertThat(PromQl.problems("sum by (pod) (rate(vertx_eventbus_sent_total{address=\"a\"}[1m])) + jvm_gc_pause_seconds_max"))
        .isEmpty();
  }

  @Test
  @DisplayName("every gateway_* metric the manifests rely on is registered in the gateway's source")
  void gatewayMetersExist() throws IOException {
    String source;
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      source = files.filter(p -> p.toString().endsWith(".java")).map(KubernetesManifestsTest::read)
          .collect(Collectors.joining("\n"));
    }
    for (String name : PromQl.METRICS.keySet()) {
      if (!name.startsWith("gateway_") || name.startsWith("gateway_jwks_")) {
        continue; // JWKS key sources are not implemented yet; that alert is inert until they are
      }
      String base = name.replaceAll("_(total|bucket|count|sum)$", "").replaceAll("_seconds$", "");
      assertThat(source).as("meter behind " + name).contains("\"" + base.replace('_', '.') + "\"");
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  private static void assertRouteMatchersMatchTheGateway(List<String> exprs) {
    for (String expr : exprs) {
      for (String[] m : PromQl.matchers(expr)) {
        if (m[0].equals("route") && m[1].equals("=~") && m[2].contains("export")) {
          Pattern p = Pattern.compile(m[2].replace("\\\\", "\\"));
          for (String route : EXPORT_ROUTES) {
            assertThat(p.matcher(route).matches()).as("route matcher " + m[2] + " vs " + route).isTrue();
          }
        }
        if (m[0].equals("route") && m[1].equals("=~") && m[2].startsWith("/api/") && !m[2].contains("export")) {
          // "the API's routes": every real API route, never a request no route matched nor the management port
          Pattern p = Pattern.compile(m[2].replace("\\\\", "\\"));
          for (String route : List.of(EXPORT_ROUTES.get(0), EXPORT_ROUTES.get(1), TokenEndpoint.PATH,
              HttpVerticle.OPENAPI_PATH)) {
            assertThat(p.matcher(route).matches()).as("route matcher " + m[2] + " vs " + route).isTrue();
          }
          for (String route : List.of("", LIVE, READY, METRICS)) {
            assertThat(p.matcher(route).matches()).as("route matcher " + m[2] + " must drop '" + route + "'").isFalse();
          }
        }
        if (m[0].equals("route") && m[1].equals("!~")) {
          Pattern p = Pattern.compile(m[2]);
          for (String route : EXPORT_ROUTES) {
            assertThat(p.matcher(route).matches()).as("route exclusion " + m[2] + " must keep " + route).isFalse();
          }
          for (String route : List.of(LIVE, READY, METRICS)) {
            assertThat(p.matcher(route).matches()).as("route exclusion " + m[2] + " drops " + route).isTrue();
          }
        }
      }
    }
  }

  private static void collectPanels(JsonNode panels, List<JsonNode> out) {
    for (JsonNode p : panels) {
      out.add(p);
      if (p.has("panels")) {
        collectPanels(p.path("panels"), out);
      }
    }
  }

  private static void assertProbe(Probe probe, String what, int managementPort, Set<String> paths) {
    assertThat(probe).as(what + " probe").isNotNull();
    assertThat(probe.getHttpGet()).as(what + " probe httpGet").isNotNull();
    assertThat(paths).as(what + " probe path").contains(probe.getHttpGet().getPath());
    assertThat(resolvePort(probe.getHttpGet().getPort())).as(what + " probe port").isEqualTo(managementPort);
    assertThat(probe.getHttpGet().getScheme() == null ? "HTTP" : probe.getHttpGet().getScheme()).isEqualTo("HTTP");
  }

  /** A port number or a container port name, resolved against the container's ports. */
  private static int resolvePort(IntOrString port) {
    assertThat(port).isNotNull();
    if (port.getIntVal() != null) {
      assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).contains(port.getIntVal());
      return port.getIntVal();
    }
    return containerPort(port.getStrVal());
  }

  private static int containerPort(String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  private static Map<String, String> podLabels() {
    return deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static Volume volume(java.util.function.Predicate<Volume> which) {
    List<Volume> found = pod.getVolumes().stream().filter(which).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static VolumeMount mountOf(Volume volume) {
    return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("volume " + volume.getName() + " is not mounted"));
  }

  private static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    container.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    return env;
  }

  private static List<String> names(List<EnvVar> env) {
    return env.stream().map(EnvVar::getName).toList();
  }

  private static String secretValue(String key) {
    return secret.getStringData().get(key);
  }

  private static int maxRamPercentage() {
    String flags = String.join(" ", jvmFlags(container, JibImage.fromPom(POM)));
    Matcher m = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(flags);
    assertThat(m.find()).as("MaxRAMPercentage").isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The ConfigMap's config.yaml, as the pod sees it, in a temporary file. */
  private Path writeConfigMap() {
    try {
      return Files.writeString(dir.resolve("config.yaml"), configMap.getData().get("config.yaml"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Deployment's environment, with the Secret's mounted files replaced by files holding the example values. */
  private Map<String, String> deploymentEnv() {
    Volume secretVolume = volume(v -> v.getSecret() != null);
    String mount = mountOf(secretVolume).getMountPath() + "/";
    Map<String, String> env = new LinkedHashMap<>(env());
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().endsWith("_FILE") && e.getValue().startsWith(mount)) {
        String key = e.getValue().substring(mount.length());
        String value = secret.getStringData().get(key);
        assertThat(value).as("secret key " + key).isNotNull();
        try {
          e.setValue(Files.writeString(dir.resolve("secret-" + key), value + "\n", StandardCharsets.UTF_8).toString());
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      }
    }
    return env;
  }

  /** What the gateway loads in the pod: the ConfigMap's file plus the Deployment's environment. */
  private GatewayConfig effectiveConfig() {
    return ConfigLoader.load(writeConfigMap(), deploymentEnv());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> envKeys() {
    return (Map<String, String>) staticField("ENV_KEYS");
  }

  @SuppressWarnings("unchecked")
  private static List<String> secretVariables() {
    return (List<String>) staticField("SECRET_VARIABLES");
  }

  private static Object staticField(String name) {
    try {
      Field f = ConfigLoader.class.getDeclaredField(name);
      f.setAccessible(true);
      return f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("ConfigLoader." + name + " is gone: update this test to where env names live now", e);
    }
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(java.io.File.pathSeparator))
        .map(d -> Path.of(d, tool)).anyMatch(Files::isExecutable);
  }

  static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(K8S)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
  }

  static List<Map<String, Object>> documents(Path file) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(read(file))) {
      if (doc != null) {
        docs.add(map(doc));
      }
    }
    return docs;
  }

  private static <T> T single(String name, Class<T> type) {
    Path file = K8S.resolve(name);
    List<Map<String, Object>> docs = documents(file);
    assertThat(docs).as(name).hasSize(1);
    Object typed = convert(file, docs.get(0));
    assertThat(typed).as(name).isInstanceOf(type);
    return type.cast(typed);
  }

  private static Object convert(Path file, Map<String, Object> doc) {
    String key = doc.get("apiVersion") + "/" + doc.get("kind");
    Class<?> model = MODELS.get(key);
    if (model == null) {
      fail(file + ": no model for " + key);
    }
    return JSON.convertValue(doc, model);
  }

  /**
   * Fields Jackson could not map to a model property: fabric8 models keep them in {@code additionalProperties}
   * instead of failing, so a misspelt field would otherwise pass silently.
   */
  static List<String> unknownFields(Object o, String path) {
    List<String> out = new ArrayList<>();
    walk(o, path, out);
    return out;
  }

  private static void walk(Object o, String path, List<String> out) {
    if (o == null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", out);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, out));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method method : o.getClass().getMethods()) {
      if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers()) || !method.getName().startsWith("get")) {
        continue;
      }
      Class<?> rt = method.getReturnType();
      try {
        if (method.getName().equals("getAdditionalProperties")) {
          Map<?, ?> extra = (Map<?, ?>) method.invoke(o);
          if (extra != null && !extra.isEmpty() && !(o instanceof GenericKubernetesResource)) {
            extra.keySet().forEach(k -> out.add(path + "." + k));
          }
        } else if (rt.getName().startsWith("io.fabric8.kubernetes.api.model") || Collection.class.isAssignableFrom(rt)
            || (Map.class.isAssignableFrom(rt) && !method.getName().equals("getAdditionalProperties"))) {
          walk(method.invoke(o), path + "." + Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4), out);
        }
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> containerMap(Map<String, Object> deploymentDoc) {
    Map<String, Object> spec = map(map(map(deploymentDoc.get("spec")).get("template")).get("spec"));
    return (Map<String, Object>) list(spec.get("containers")).get(0);
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }

  private static List<String> strings(Object o) {
    return list(o).stream().map(String::valueOf).toList();
  }

  private static Map<String, String> stringMap(Map<String, Object> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static <T> T firstNonNull(T a, T b) {
    return a != null ? a : b;
  }

  /** The container settings of the {@code image} profile in pom.xml (Jib). */
  /**
   * A small PromQL reader: the metric names, label matchers and functions of an expression, checked against the
   * series the gateway exports (README "Metrics", and its {@code /metrics} exposition). Not a full parser, but
   * strict enough to catch a misspelt metric, label or function.
   */
  static final class PromQl {

    /** Labels every series may carry: the gateway's common tag and the ones the monitors add (tier: relabeling). */
    static final Set<String> TARGET_LABELS = Set.of("application", "namespace", "pod", "job", "service", "instance",
        "container", "endpoint", "tier");

    /** Exported metric → its own labels. Histograms ({@code _bucket}) also have {@code _count} and {@code _sum}. */
    static final Map<String, Set<String>> METRICS = metrics();

    /** Metric families known by prefix. */
    static final Map<String, Set<String>> PREFIXES = Map.of(
        "vertx_eventbus_", Set.of("address", "side", "failure"),
        "jvm_gc_pause_seconds_", Set.of("action", "cause", "gc"));

    static final Set<String> FUNCTIONS = Set.of("abs", "absent", "absent_over_time", "avg", "avg_over_time",
        "bottomk", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "count", "count_over_time", "count_values",
        "day_of_month", "day_of_week", "days_in_month", "delta", "deriv", "exp", "floor", "group",
        "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace",
        "last_over_time", "ln", "log2", "log10", "max", "max_over_time", "min", "min_over_time", "minute", "month",
        "predict_linear", "present_over_time", "quantile", "quantile_over_time", "rate", "resets", "round", "scalar",
        "sgn", "sort", "sort_desc", "sqrt", "stddev", "stddev_over_time", "stdvar", "stdvar_over_time", "sum",
        "sum_over_time", "time", "timestamp", "topk", "vector", "year");

    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
        "ignoring", "group_left", "group_right", "inf", "nan", "atan2");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile(
        "([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\")");
    private static final Pattern IDENT = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    private PromQl() {
    }

    private static Map<String, Set<String>> metrics() {
      Map<String, Set<String>> m = new LinkedHashMap<>();
      Set<String> http = Set.of("route", "method", "code");
      Set<String> pool = Set.of("pool_type", "pool_name");
      m.put("up", Set.of()); // Prometheus's own series per scraped target: target labels only
      m.put("vertx_http_server_requests_total", http);
      m.put("vertx_http_server_response_time_seconds_bucket", http);
      m.put("vertx_http_server_active_requests", Set.of("method"));
      m.put("vertx_pool_in_use", pool);
      m.put("vertx_pool_queue_pending", pool);
      m.put("vertx_pool_ratio", pool); // in use / max size; seen in the exposition next to the two above
      m.put("gateway_bulk_requests_total", Set.of("type", "status"));
      m.put("gateway_auth_failures_total", Set.of("endpoint", "reason"));
      m.put("gateway_bulk_items_total", Set.of("type", "status"));
      m.put("gateway_bulk_identifiers_bucket", Set.of("type"));
      m.put("gateway_resolver_latency_seconds_bucket", Set.of("type"));
      m.put("gateway_breaker_state", Set.of("registry"));
      m.put("gateway_audit_commit_seconds_bucket", Set.of());
      m.put("gateway_audit_failures_total", Set.of());
      m.put("gateway_audit_batch_count", Set.of());
      m.put("gateway_audit_batch_sum", Set.of());
      m.put("gateway_jwks_key_age_seconds", Set.of());
      m.put("jvm_memory_used_bytes", Set.of("area", "id"));
      m.put("jvm_memory_max_bytes", Set.of("area", "id"));
      m.put("process_cpu_usage", Set.of());
      for (Map.Entry<String, Set<String>> e : List.copyOf(m.entrySet())) {
        if (e.getKey().endsWith("_bucket")) {
          String base = e.getKey().substring(0, e.getKey().length() - "_bucket".length());
          m.put(base + "_count", e.getValue());
          m.put(base + "_sum", e.getValue());
          Set<String> withLe = new HashSet<>(e.getValue());
          withLe.add("le");
          m.put(e.getKey(), Set.copyOf(withLe));
        }
      }
      return Map.copyOf(m);
    }

    /** The metric names an expression selects. */
    static Set<String> metricNames(String expr) {
      Set<String> out = new LinkedHashSet<>();
      scan(expr, out, new ArrayList<>());
      return out;
    }

    /** Label matchers as {label, operator, unquoted value}. */
    static List<String[]> matchers(String expr) {
      List<String[]> out = new ArrayList<>();
      Matcher s = SELECTOR.matcher(expr);
      while (s.find()) {
        Matcher m = MATCHER.matcher(s.group(2));
        while (m.find()) {
          String quoted = m.group(3);
          out.add(new String[] {m.group(1), m.group(2), quoted.substring(1, quoted.length() - 1)});
        }
      }
      return out;
    }

    /** Unknown metrics, labels and functions in an expression; empty when it only uses what the gateway exports. */
    static List<String> problems(String expr) {
      List<String> problems = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>();
      scan(expr, names, problems);
      for (String name : names) {
        if (labelsOf(name) == null) {
          problems.add("unknown metric " + name);
        }
      }
      // label names inside each selector, against that selector's metric
      Matcher s = SELECTOR.matcher(blankStrings(expr, true));
      while (s.find()) {
        String metric = s.group(1);
        if (metric == null || KEYWORDS.contains(metric) || FUNCTIONS.contains(metric)) {
          problems.add("selector without a metric name: " + s.group());
          continue;
        }
        Set<String> allowed = labelsOf(metric);
        if (allowed == null) {
          continue;
        }
        Matcher m = MATCHER.matcher(expr.substring(s.start(2), s.end(2)));
        while (m.find()) {
          if (!allowed.contains(m.group(1)) && !TARGET_LABELS.contains(m.group(1))) {
            problems.add("unknown label " + m.group(1) + " on " + metric);
          }
        }
      }
      return problems;
    }

    private static Set<String> labelsOf(String metric) {
      if (METRICS.containsKey(metric)) {
        return METRICS.get(metric);
      }
      for (Map.Entry<String, Set<String>> e : PREFIXES.entrySet()) {
        if (metric.startsWith(e.getKey())) {
          Set<String> labels = new HashSet<>(e.getValue());
          labels.add("le");
          return labels;
        }
      }
      return null;
    }

    /** Replaces string contents by spaces (keeping offsets) when {@code keepLength}, else by {@code ""}. */
    private static String blankStrings(String expr, boolean keepLength) {
      Matcher m = STRING.matcher(expr);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String r = keepLength ? "\"" + " ".repeat(m.group().length() - 2) + "\"" : "\"\"";
        m.appendReplacement(sb, Matcher.quoteReplacement(r));
      }
      m.appendTail(sb);
      return sb.toString();
    }

    private static void scan(String expr, Set<String> metrics, List<String> problems) {
      String s = blankStrings(expr, false);
      s = s.replaceAll("\\{[^}]*}", " ");                // label matchers
      s = s.replaceAll("\\[[^]]*]", " ");                // range and subquery durations
      s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
      s = s.replaceAll("\\boffset\\s+-?[0-9a-zA-Z$_]+", " ");
      Matcher m = IDENT.matcher(s);
      while (m.find()) {
        String name = m.group(1);
        if (m.group(2) != null) {
          if (!FUNCTIONS.contains(name)) {
            problems.add("unknown function " + name);
          }
        } else if (!KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          metrics.add(name);
        }
      }
    }
  }
}
