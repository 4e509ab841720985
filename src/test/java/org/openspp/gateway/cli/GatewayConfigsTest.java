package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;

/**
 * The command-line overrides of {@link GatewayConfigs} change exactly the setting they name: every other setting,
 * the cluster's included, survives (compared field by field, so a setting added later is covered too).
 */
class GatewayConfigsTest {

  @TempDir
  Path dir;

  /** A configuration in which every section differs from its default. */
  private GatewayConfig configured() throws IOException {
    Path file = Files.writeString(dir.resolve("c.yaml"), """
        http: {host: 10.0.0.1, port: 18080, instances: 3}
        management: {host: 10.0.0.2, port: 19090}
        db: {url: "postgresql://u:p@db:5432/spp", poolSize: 7, migrate: false}
        registry: {kind: openspp, language: fr_FR}
        audit: {url: "postgresql://u:p@audit:5432/spp", poolSize: 2}
        cluster: {name: other, host: 10.0.0.3, hazelcastPort: 5801, eventBusPort: 5802,
                  members: "10.0.0.4:5801,10.0.0.5:5801", kubernetesService: gw-cluster.spp.svc}
        """, StandardCharsets.UTF_8);
    GatewayConfig c = ConfigLoader.load(file, Map.of("SPP_JWT_SECRET", "gateway-configs-test-secret-0123456789"));
    assertThat(c.cluster()).isNotEqualTo(GatewayConfig.Cluster.DEFAULT);
    assertThat(c.cluster().members()).containsExactly("10.0.0.4:5801", "10.0.0.5:5801");
    assertThat(c.db().kind()).isEqualTo(RegistryKind.OPENSPP);
    return c;
  }

  @Test
  @DisplayName("withDataDir changes only db.embeddedDataDir: cluster, registry kind and every other setting survive")
  void withDataDirKeepsEverythingElse() throws IOException {
    GatewayConfig c = configured();
    GatewayConfig moved = GatewayConfigs.withDataDir(c, "/var/lib/spp/pg");

    assertThat(moved.db().embeddedDataDir()).isEqualTo("/var/lib/spp/pg");
    assertThat(moved.cluster()).isEqualTo(c.cluster());
    assertThat(moved).usingRecursiveComparison().ignoringFields("db.embeddedDataDir").isEqualTo(c);
  }

  @Test
  @DisplayName("withHosts changes only http.host and management.host")
  void withHostsKeepsEverythingElse() throws IOException {
    GatewayConfig c = configured();
    GatewayConfig bound = GatewayConfigs.withHosts(c, "127.0.0.1", "127.0.0.1");

    assertThat(List.of(bound.http().host(), bound.management().host())).containsOnly("127.0.0.1");
    assertThat(bound.cluster()).isEqualTo(c.cluster());
    assertThat(bound).usingRecursiveComparison().ignoringFields("http.host", "management.host").isEqualTo(c);
  }
}
