package org.openspp.gateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code k8s/prometheusrule.yaml} (shared by both topologies) and {@code k8s/cluster/prometheusrule.yaml} (per
 * tier): every alert is complete, and — when {@code promtool} is installed — each {@code spec} passes
 * {@code promtool check rules} and the alerts fire (and stay quiet) on synthetic series shaped like the gateway's
 * exposition and the monitors' target labels ({@code promtool test rules}).
 */
class PrometheusRulesTest {

  private static final Path RULE_FILE = KubernetesManifestsTest.K8S.resolve("prometheusrule.yaml");
  private static final Path CLUSTER_RULE_FILE = KubernetesManifestsTest.K8S.resolve("cluster").resolve("prometheusrule.yaml");
  private static final Pattern DURATION = Pattern.compile("([0-9]+(ms|s|m|h|d|w|y))+");
  private static final Set<String> RULE_KEYS = Set.of("alert", "record", "expr", "for", "keep_firing_for", "labels",
      "annotations");

  @TempDir
  Path dir;

  @Test
  @DisplayName("every alert of both files has expr, for, labels.severity and summary/description annotations")
  void everyAlertIsComplete() {
    assertThat(names(CLUSTER_RULE_FILE)).doesNotHaveDuplicates().containsExactlyInAnyOrder(
        "SppGatewayHttpTierDown", "SppGatewayResolverTierDown", "SppGatewayResolverTierDegraded");
    assertThat(names(RULE_FILE)).doesNotHaveDuplicates().containsExactlyInAnyOrder(
        "SppGatewayHigh5xxRatio", "SppGatewayExportLatencyHigh", "SppGatewayBreakerOpen", "SppGatewayPoolSaturated",
        "SppGatewayAuditFailures", "SppGatewayJwksKeysStale", "SppGatewayHeapHigh", "SppGatewayDown",
        "SppGatewayAuthFailureSurge");
  }

  /** The alert names of {@code file}, each alert checked for completeness. */
  private static List<String> names(Path file) {
    List<Map<String, Object>> alerts = alerts(file);
    assertThat(alerts).isNotEmpty();
    List<String> names = new ArrayList<>();
    for (Map<String, Object> rule : alerts) {
      String name = String.valueOf(rule.get("alert"));
      names.add(name);
      assertThat(rule.keySet()).as(name + " keys").isSubsetOf(RULE_KEYS);
      assertThat(rule.get("expr")).as(name + " expr").isInstanceOf(String.class).asString().isNotBlank();
      assertThat(rule.get("for")).as(name + " for").isInstanceOf(String.class);
      assertThat(DURATION.matcher((String) rule.get("for")).matches()).as(name + " for: " + rule.get("for")).isTrue();
      Map<String, Object> labels = KubernetesManifestsTest.map(rule.get("labels"));
      assertThat(labels.get("severity")).as(name + " severity").isIn("critical", "warning", "info");
      Map<String, Object> annotations = KubernetesManifestsTest.map(rule.get("annotations"));
      assertThat(annotations.get("summary")).as(name + " summary").isInstanceOf(String.class).asString().isNotBlank();
      assertThat(annotations.get("description")).as(name + " description").isInstanceOf(String.class)
          .asString().isNotBlank();
      if (!file.equals(RULE_FILE) || !name.equals("SppGatewayDown")) {
        assertThat((String) annotations.get("description")).as(name + " names the tier").contains("tier");
      }
    }
    return names;
  }

  @Test
  @DisplayName("the alerts use the thresholds of the operating contract")
  void thresholds() {
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    alerts(RULE_FILE).forEach(a -> byName.put((String) a.get("alert"), a));
    alerts(CLUSTER_RULE_FILE).forEach(a -> byName.put((String) a.get("alert"), a));
    assertRule(byName.get("SppGatewayHigh5xxRatio"), "5m", "code=~\"5..\"", "> 0.05");
    // only answers of the API's own routes: an unmatched request (route="") neither fires nor dilutes the ratio
    String ratio = (String) byName.get("SppGatewayHigh5xxRatio").get("expr");
    assertThat(ratio.split(Pattern.quote("route=~\"/api/.+\""), -1)).as("both sides restricted to API routes: " + ratio).hasSize(3);
    assertRule(byName.get("SppGatewayExportLatencyHigh"), "10m", "histogram_quantile(0.99", "> 2");
    assertRule(byName.get("SppGatewayBreakerOpen"), "1m", "gateway_breaker_state", "== 2");
    assertRule(byName.get("SppGatewayPoolSaturated"), "5m", "vertx_pool_queue_pending", "> 0");
    assertRule(byName.get("SppGatewayAuditFailures"), "1m", "increase(gateway_audit_failures_total", "> 0");
    assertRule(byName.get("SppGatewayJwksKeysStale"), "15m", "gateway_jwks_key_age_seconds", "> 86400");
    assertRule(byName.get("SppGatewayHeapHigh"), "10m", "area=\"heap\"", "> 0.9");
    assertRule(byName.get("SppGatewayDown"), "2m", "absent(up{job=\"spp-gateway\"} == 1)");
    assertRule(byName.get("SppGatewayAuthFailureSurge"), "10m", "gateway_auth_failures_total", "> 1");
    assertRule(byName.get("SppGatewayHttpTierDown"), "2m", "absent(up{job=\"spp-gateway\", tier=\"http\"} == 1)");
    assertRule(byName.get("SppGatewayResolverTierDown"), "2m",
        "absent(up{job=\"spp-gateway\", tier=\"resolver\"} == 1)");
    assertRule(byName.get("SppGatewayResolverTierDegraded"), "10m", "tier=\"resolver\"} == 1)", "<");
  }

  @Test
  @DisplayName("promtool check rules accepts both PrometheusRules' specs")
  void promtoolCheckRules() throws Exception {
    assumeTrue(KubernetesManifestsTest.onPath("promtool"), "promtool is not installed");
    for (Path file : List.of(RULE_FILE, CLUSTER_RULE_FILE)) {
      Path rules = writeRules(file, dir.resolve("rules.yaml"), false);
      Result r = run("promtool", "check", "rules", rules.toString());
      assertThat(r.exit).as(r.output).isZero();
      assertThat(r.output).contains("SUCCESS: " + alerts(file).size() + " rules found");
    }
  }

  @Test
  @DisplayName("promtool test rules: each alert fires on synthetic gateway series and stays quiet otherwise")
  void promtoolUnitTests() throws Exception {
    promtoolTest(RULE_FILE, UNIT_TESTS);
  }

  @Test
  @DisplayName("promtool test rules, two tiers: a tier with no target up fires its own alert, a partial outage warns")
  void promtoolClusterUnitTests() throws Exception {
    promtoolTest(CLUSTER_RULE_FILE, CLUSTER_UNIT_TESTS);
  }

  /** Runs {@code promtool test rules} with {@code tests} against {@code ruleFile}'s spec. */
  private void promtoolTest(Path ruleFile, String tests) throws Exception {
    assumeTrue(KubernetesManifestsTest.onPath("promtool"), "promtool is not installed");
    // annotations are checked by `promtool check rules`; the unit tests compare labels only
    writeRules(ruleFile, dir.resolve("rules.yaml"), true);
    Path testFile = Files.writeString(dir.resolve("tests.yaml"), tests, StandardCharsets.UTF_8);
    Result r = run("promtool", "test", "rules", testFile.toString());
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("SUCCESS");
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  private static final String C = "application=\"spp-gateway\",namespace=\"spp\",job=\"spp-gateway\",pod=\"gw-1\"";
  private static final String Q = "application=\"spp-gateway\",namespace=\"quiet\",job=\"spp-gateway\",pod=\"gw-9\"";
  private static final String ANON = "application=\"spp-gateway\",namespace=\"anon\",job=\"spp-gateway\",pod=\"gw-5\"";
  private static final String MASKED = "application=\"spp-gateway\",namespace=\"masked\",job=\"spp-gateway\",pod=\"gw-7\"";
  private static final String EXPORT = "route=\"/api/v2/spp/$bulk/export\",method=\"POST\"";
  private static final String EXPORT_ENCODED = "route=\"/api/v2/spp/%24bulk/export\",method=\"POST\"";

  /** Series shaped like the gateway's /metrics plus the ServiceMonitor's target labels; one sample a minute. */
  private static final String UNIT_TESTS = """
      rule_files:
        - rules.yaml
      evaluation_interval: 1m
      tests:
        - interval: 1m
          input_series:
            # 5xx: 10 %% of the API traffic in "spp"; in "quiet" only the readiness probe answers 503 (excluded)
            - series: 'vertx_http_server_requests_total{%1$s,%3$s,code="200"}'
              values: '0+400x20'
            - series: 'vertx_http_server_requests_total{%1$s,%4$s,code="200"}'
              values: '0+140x20'
            - series: 'vertx_http_server_requests_total{%1$s,%3$s,code="503"}'
              values: '0+60x20'
            - series: 'vertx_http_server_requests_total{%2$s,%3$s,code="200"}'
              values: '0+600x20'
            - series: 'vertx_http_server_requests_total{%2$s,route="/health/ready",method="GET",code="503"}'
              values: '0+6000x20'
            # "anon": healthy API traffic plus a flood of anonymous requests no route matched (route=""): the
            # HTTP/2 preface and made-up methods answered 501, unknown paths 404; none of it is a gateway failure
            - series: 'vertx_http_server_requests_total{%5$s,%3$s,code="200"}'
              values: '0+600x20'
            - series: 'vertx_http_server_requests_total{%5$s,route="",method="OTHER",code="501"}'
              values: '0+6000x20'
            - series: 'vertx_http_server_requests_total{%5$s,route="",method="GET",code="404"}'
              values: '0+600x20'
            # "masked": 10 %% of the export requests fail 503 while a flood of unmatched 404s would dilute the ratio
            - series: 'vertx_http_server_requests_total{%6$s,%3$s,code="200"}'
              values: '0+540x20'
            - series: 'vertx_http_server_requests_total{%6$s,%4$s,code="503"}'
              values: '0+60x20'
            - series: 'vertx_http_server_requests_total{%6$s,route="",method="GET",code="404"}'
              values: '0+60000x20'
            - series: 'vertx_http_server_requests_total{%6$s,route="/api/v2/spp/oauth/token",method="POST",code="200"}'
              values: '0+10x20'
            # latency: export requests in "spp" take 2.5-5 s, in "quiet" under 0.5 s
            - series: 'vertx_http_server_response_time_seconds_bucket{%1$s,%3$s,code="200",le="0.5"}'
              values: '0x20'
            - series: 'vertx_http_server_response_time_seconds_bucket{%1$s,%3$s,code="200",le="2.5"}'
              values: '0x20'
            - series: 'vertx_http_server_response_time_seconds_bucket{%1$s,%3$s,code="200",le="5"}'
              values: '0+60x20'
            - series: 'vertx_http_server_response_time_seconds_bucket{%1$s,%3$s,code="200",le="+Inf"}'
              values: '0+60x20'
            - series: 'vertx_http_server_response_time_seconds_bucket{%2$s,%3$s,code="200",le="0.5"}'
              values: '0+60x20'
            - series: 'vertx_http_server_response_time_seconds_bucket{%2$s,%3$s,code="200",le="+Inf"}'
              values: '0+60x20'
            # breakers: individual-db opens at minute 2
            - series: 'gateway_breaker_state{%1$s,registry="individual-db"}'
              values: '0 0 2x18'
            - series: 'gateway_breaker_state{%1$s,registry="group-db"}'
              values: '0x20'
            - series: 'gateway_breaker_state{%1$s,registry="clients-db"}'
              values: '1x20'
            # pools: individual-db has waiters, group-db is fully in use; the migrations pool is ignored
            - series: 'vertx_pool_queue_pending{%1$s,pool_type="sql",pool_name="individual-db"}'
              values: '3x20'
            - series: 'vertx_pool_queue_pending{%1$s,pool_type="sql",pool_name="group-db"}'
              values: '0x20'
            - series: 'vertx_pool_queue_pending{%1$s,pool_type="sql",pool_name="migrations"}'
              values: '5x20'
            - series: 'vertx_pool_ratio{%1$s,pool_type="sql",pool_name="individual-db"}'
              values: '0.5x20'
            - series: 'vertx_pool_ratio{%1$s,pool_type="sql",pool_name="group-db"}'
              values: '1x20'
            - series: 'vertx_pool_ratio{%1$s,pool_type="sql",pool_name="audit-db"}'
              values: '0.5x20'
            # audit: gw-1 fails continuously, gw-2 never
            - series: 'gateway_audit_failures_total{%1$s}'
              values: '0+1x20'
            - series: 'gateway_audit_failures_total{application="spp-gateway",namespace="spp",job="spp-gateway",pod="gw-2"}'
              values: '0x20'
            # heap: gw-1 at 95.5 %% of its maximum (G1 reports -1 for eden/survivor max), gw-2 at 50 %%
            - series: 'jvm_memory_used_bytes{%1$s,area="heap",id="G1 Eden Space"}'
              values: '100000000x20'
            - series: 'jvm_memory_used_bytes{%1$s,area="heap",id="G1 Old Gen"}'
              values: '850000000x20'
            - series: 'jvm_memory_used_bytes{%1$s,area="heap",id="G1 Survivor Space"}'
              values: '5000000x20'
            - series: 'jvm_memory_used_bytes{%1$s,area="nonheap",id="Metaspace"}'
              values: '900000000x20'
            - series: 'jvm_memory_max_bytes{%1$s,area="heap",id="G1 Eden Space"}'
              values: '-1x20'
            - series: 'jvm_memory_max_bytes{%1$s,area="heap",id="G1 Old Gen"}'
              values: '1000000000x20'
            - series: 'jvm_memory_max_bytes{%1$s,area="heap",id="G1 Survivor Space"}'
              values: '-1x20'
            - series: 'jvm_memory_used_bytes{application="spp-gateway",namespace="spp",job="spp-gateway",pod="gw-2",area="heap",id="G1 Old Gen"}'
              values: '500000000x20'
            - series: 'jvm_memory_max_bytes{application="spp-gateway",namespace="spp",job="spp-gateway",pod="gw-2",area="heap",id="G1 Old Gen"}'
              values: '1000000000x20'
            # targets: both gateway pods answer scrapes until minute 3, then neither does
            - series: 'up{job="spp-gateway",namespace="spp",pod="gw-1",tier="gateway"}'
              values: '1 1 1 0x17'
            - series: 'up{job="spp-gateway",namespace="spp",pod="gw-2",tier="gateway"}'
              values: '1 1 1 0x17'
            - series: 'up{job="other-app",namespace="spp",pod="x-1"}'
              values: '1x20'
            # authentication: 2 refusals a second on the export endpoint in "spp", 0.5 a second in "quiet"
            - series: 'gateway_auth_failures_total{%1$s,tier="gateway",endpoint="export",reason="invalid_token"}'
              values: '0+120x20'
            - series: 'gateway_auth_failures_total{%2$s,tier="gateway",endpoint="export",reason="expired_token"}'
              values: '0+30x20'
          alert_rule_test:
            - eval_time: 4m
              alertname: SppGatewayDown
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayDown
              exp_alerts:
                - exp_labels: {severity: critical, job: spp-gateway}
            - eval_time: 15m
              alertname: SppGatewayAuthFailureSurge
              exp_alerts:
                - exp_labels: {severity: warning, namespace: spp, job: spp-gateway, tier: gateway, endpoint: export}
            - eval_time: 8m
              alertname: SppGatewayAuthFailureSurge
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayHigh5xxRatio
              exp_alerts:
                - exp_labels: {severity: critical, namespace: spp, job: spp-gateway}
                - exp_labels: {severity: critical, namespace: masked, job: spp-gateway}
            - eval_time: 3m
              alertname: SppGatewayHigh5xxRatio
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayExportLatencyHigh
              exp_alerts:
                - exp_labels: {severity: warning, namespace: spp, job: spp-gateway}
            - eval_time: 15m
              alertname: SppGatewayBreakerOpen
              exp_alerts:
                - exp_labels: {severity: critical, application: spp-gateway, namespace: spp, job: spp-gateway, pod: gw-1, registry: individual-db}
            - eval_time: 2m
              alertname: SppGatewayBreakerOpen
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayPoolSaturated
              exp_alerts:
                - exp_labels: {severity: warning, application: spp-gateway, namespace: spp, job: spp-gateway, pod: gw-1, pool_type: sql, pool_name: individual-db}
                - exp_labels: {severity: warning, application: spp-gateway, namespace: spp, job: spp-gateway, pod: gw-1, pool_type: sql, pool_name: group-db}
            - eval_time: 15m
              alertname: SppGatewayAuditFailures
              exp_alerts:
                - exp_labels: {severity: critical, application: spp-gateway, namespace: spp, job: spp-gateway, pod: gw-1}
            - eval_time: 15m
              alertname: SppGatewayJwksKeysStale
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayHeapHigh
              exp_alerts:
                - exp_labels: {severity: warning, namespace: spp, pod: gw-1}
            - eval_time: 5m
              alertname: SppGatewayHeapHigh
              exp_alerts: []
      """.formatted(C, Q, EXPORT, EXPORT_ENCODED, ANON, MASKED);

  /**
   * Targets of the two tiers as the ServiceMonitor (http) and the PodMonitor (resolver) label them. Namespace
   * "spp": one of two resolvers stops at minute 1, the other at minute 20; the HTTP tier stays up. Namespace
   * "web": the HTTP tier's only pod stops at minute 1.
   */
  private static final String CLUSTER_UNIT_TESTS = """
      rule_files:
        - rules.yaml
      evaluation_interval: 1m
      tests:
        - interval: 1m
          input_series:
            - series: 'up{job="spp-gateway",namespace="spp",tier="http",pod="http-1"}'
              values: '1x40'
            - series: 'up{job="spp-gateway",namespace="spp",tier="resolver",pod="res-1"}'
              values: '1 0x39'
            - series: 'up{job="spp-gateway",namespace="spp",tier="resolver",pod="res-2"}'
              values: '1x19 0x21'
          alert_rule_test:
            - eval_time: 15m
              alertname: SppGatewayResolverTierDegraded
              exp_alerts:
                - exp_labels: {severity: warning, namespace: spp}
            - eval_time: 5m
              alertname: SppGatewayResolverTierDegraded
              exp_alerts: []
            - eval_time: 15m
              alertname: SppGatewayResolverTierDown
              exp_alerts: []
            - eval_time: 25m
              alertname: SppGatewayResolverTierDown
              exp_alerts:
                - exp_labels: {severity: critical, job: spp-gateway, tier: resolver}
            - eval_time: 25m
              alertname: SppGatewayHttpTierDown
              exp_alerts: []
        - interval: 1m
          input_series:
            - series: 'up{job="spp-gateway",namespace="web",tier="http",pod="http-1"}'
              values: '1 0x19'
            - series: 'up{job="spp-gateway",namespace="web",tier="resolver",pod="res-1"}'
              values: '1x20'
          alert_rule_test:
            - eval_time: 10m
              alertname: SppGatewayHttpTierDown
              exp_alerts:
                - exp_labels: {severity: critical, job: spp-gateway, tier: http}
            - eval_time: 10m
              alertname: SppGatewayResolverTierDown
              exp_alerts: []
      """;

  private static void assertRule(Map<String, Object> rule, String forDuration, String... exprParts) {
    assertThat(rule).isNotNull();
    assertThat(rule.get("for")).as(rule.get("alert") + " for").isEqualTo(forDuration);
    String expr = ((String) rule.get("expr")).replaceAll("\\s+", " ");
    assertThat(expr).as(rule.get("alert") + " expr").contains(exprParts);
  }

  private static Map<String, Object> spec(Path file) {
    List<Map<String, Object>> docs = KubernetesManifestsTest.documents(file);
    assertThat(docs).hasSize(1);
    assertThat(docs.get(0)).containsEntry("kind", "PrometheusRule").containsEntry("apiVersion", "monitoring.coreos.com/v1");
    return KubernetesManifestsTest.map(docs.get(0).get("spec"));
  }

  private static List<Map<String, Object>> alerts(Path file) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object g : KubernetesManifestsTest.list(spec(file).get("groups"))) {
      Map<String, Object> group = KubernetesManifestsTest.map(g);
      assertThat(group.get("name")).isInstanceOf(String.class);
      for (Object r : KubernetesManifestsTest.list(group.get("rules"))) {
        Map<String, Object> rule = KubernetesManifestsTest.map(r);
        assertThat(rule).as("recording rules are not expected here").containsKey("alert");
        out.add(rule);
      }
    }
    return out;
  }

  /** The spec as a Prometheus rule file ({@code groups: ...}); optionally without annotations. */
  @SuppressWarnings("unchecked")
  private static Path writeRules(Path from, Path file, boolean withoutAnnotations) throws IOException {
    Map<String, Object> spec = spec(from);
    if (withoutAnnotations) {
      for (Object g : KubernetesManifestsTest.list(spec.get("groups"))) {
        for (Object r : KubernetesManifestsTest.list(KubernetesManifestsTest.map(g).get("rules"))) {
          ((Map<String, Object>) r).remove("annotations");
        }
      }
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return Files.writeString(file, new Yaml(options).dump(Map.of("groups", spec.get("groups"))), StandardCharsets.UTF_8);
  }

  private record Result(int exit, String output) {
  }

  private Result run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    return new Result(p.exitValue(), out);
  }
}
