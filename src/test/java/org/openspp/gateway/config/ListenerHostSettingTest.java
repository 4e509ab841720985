package org.openspp.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether the operator chose the listeners' addresses ({@link ConfigLoader#isSet}): the embedded demo binds to
 * loopback unless they did, while every other deployment keeps the defaults: {@code 0.0.0.0} for the API and
 * {@code 127.0.0.1} for the management listener (the Kubernetes manifests set {@code SPP_MANAGEMENT_HOST=0.0.0.0}).
 */
class ListenerHostSettingTest {

  private static final Path REPO_CONFIG = Path.of("conf", "config.yaml");

  @TempDir
  Path dir;

  @Test
  @DisplayName("the repository's conf/config.yaml leaves the hosts unset: API on 0.0.0.0, management on 127.0.0.1")
  void repositoryConfigLeavesHostsToTheDefault() {
    assertThat(ConfigLoader.isSet(REPO_CONFIG, Map.of(), "http.host")).isFalse();
    assertThat(ConfigLoader.isSet(REPO_CONFIG, Map.of(), "management.host")).isFalse();
    GatewayConfig config = ConfigLoader.load(REPO_CONFIG, Map.of());
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.management().host()).isEqualTo("127.0.0.1");
  }

  @Test
  @DisplayName("SPP_HTTP_HOST and SPP_MANAGEMENT_HOST set the hosts and count as chosen by the operator")
  void environmentSetsHosts() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "", StandardCharsets.UTF_8);
    Map<String, String> env = Map.of("SPP_HTTP_HOST", "0.0.0.0", "SPP_MANAGEMENT_HOST", "10.1.2.3");

    assertThat(ConfigLoader.isSet(empty, env, "http.host")).isTrue();
    assertThat(ConfigLoader.isSet(empty, env, "management.host")).isTrue();
    assertThat(ConfigLoader.isSet(empty, Map.of(), "http.host")).isFalse();
    GatewayConfig config = ConfigLoader.load(empty, env);
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.management().host()).isEqualTo("10.1.2.3");
  }

  @Test
  @DisplayName("a host written in the configuration file counts as chosen, even when it is the default value")
  void fileSetsHosts() throws IOException {
    Path file = Files.writeString(dir.resolve("hosts.yaml"), "http:\n  host: 0.0.0.0\n", StandardCharsets.UTF_8);

    assertThat(ConfigLoader.isSet(file, Map.of(), "http.host")).isTrue();
    assertThat(ConfigLoader.isSet(file, Map.of(), "management.host")).isFalse();
  }
}
