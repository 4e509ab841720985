package org.openspp.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.config.ConfigException;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;

/** The {@code auth.jwks.*} and {@code auth.tokenScopes} configuration keys. */
@DisplayName("JWKS configuration")
class JwksConfigTest {

  static final Map<String, String> JWKS_ENV = Map.of(
      "SPP_JWKS_URL", "https://keycloak.example/realms/spp/protocol/openid-connect/certs",
      "SPP_JWKS_ISSUER", "https://keycloak.example/realms/spp",
      "SPP_JWKS_AUDIENCE", "spp-gateway");

  @TempDir
  Path dir;

  private GatewayConfig load(String yaml, Map<String, String> env) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "config", ".yaml"), yaml, StandardCharsets.UTF_8);
    return ConfigLoader.load(file, env);
  }

  @Test
  @DisplayName("by default there is no JWKS source and token scopes are off")
  void defaults() throws IOException {
    GatewayConfig.Auth auth = load("", Map.of()).auth();
    assertThat(auth.jwks()).isNull();
    assertThat(auth.tokenScopes()).isFalse();
  }

  @Test
  @DisplayName("SPP_JWKS_URL, SPP_JWKS_ISSUER and SPP_JWKS_AUDIENCE configure a source with the default timings")
  void fromEnvironment() throws IOException {
    GatewayConfig.Jwks jwks = load("", JWKS_ENV).auth().jwks();
    assertThat(jwks).isEqualTo(new GatewayConfig.Jwks(JWKS_ENV.get("SPP_JWKS_URL"), JWKS_ENV.get("SPP_JWKS_ISSUER"),
        "spp-gateway", 300, 30, 5000));
  }

  @Test
  @DisplayName("refreshSeconds, minRefetchSeconds, timeoutMs and tokenScopes come from the file")
  void fromFile() throws IOException {
    GatewayConfig.Auth auth = load("""
        auth:
          jwks:
            url: http://127.0.0.1:8180/realms/spp/protocol/openid-connect/certs
            issuer: http://127.0.0.1:8180/realms/spp
            audience: spp-gateway
            refreshSeconds: 600
            minRefetchSeconds: 10
            timeoutMs: 2500
          tokenScopes: true
        """, Map.of()).auth();
    assertThat(auth.jwks().refreshSeconds()).isEqualTo(600);
    assertThat(auth.jwks().minRefetchSeconds()).isEqualTo(10);
    assertThat(auth.jwks().timeoutMs()).isEqualTo(2500);
    assertThat(auth.tokenScopes()).isTrue();
  }

  @Test
  @DisplayName("a JWKS URL without an issuer fails start-up naming auth.jwks.issuer")
  void issuerRequired() {
    Map<String, String> env = Map.of("SPP_JWKS_URL", JWKS_ENV.get("SPP_JWKS_URL"), "SPP_JWKS_AUDIENCE", "a");
    assertThatThrownBy(() -> load("", env)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("auth.jwks.issuer:").hasMessageContaining("auth.jwks.url");
  }

  @Test
  @DisplayName("a JWKS URL without an audience fails start-up naming auth.jwks.audience")
  void audienceRequired() {
    Map<String, String> env = Map.of("SPP_JWKS_URL", JWKS_ENV.get("SPP_JWKS_URL"), "SPP_JWKS_ISSUER", "i");
    assertThatThrownBy(() -> load("", env)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("auth.jwks.audience:");
  }

  @Test
  @DisplayName("a JWKS URL that is not http(s) with a host, or carries credentials, fails naming auth.jwks.url")
  void urlChecked() {
    for (String url : new String[] {"file:///etc/jwks.json", "ftp://idp/keys", "https:///certs", "not a url",
        "https://user:pw@idp.example/certs"}) {
      Map<String, String> env = Map.of("SPP_JWKS_URL", url, "SPP_JWKS_ISSUER", "i", "SPP_JWKS_AUDIENCE", "a");
      assertThatThrownBy(() -> load("", env)).as(url).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("auth.jwks.url:");
    }
  }

  @Test
  @DisplayName("out-of-range timings and a non-boolean tokenScopes fail naming their key")
  void rangesChecked() {
    assertThatThrownBy(() -> load("auth:\n  jwks:\n    refreshSeconds: 0\n", Map.of()))
        .hasMessageStartingWith("auth.jwks.refreshSeconds:");
    assertThatThrownBy(() -> load("auth:\n  jwks:\n    minRefetchSeconds: 0\n", Map.of()))
        .hasMessageStartingWith("auth.jwks.minRefetchSeconds:");
    assertThatThrownBy(() -> load("auth:\n  jwks:\n    timeoutMs: 10\n", Map.of()))
        .hasMessageStartingWith("auth.jwks.timeoutMs:");
    assertThatThrownBy(() -> load("auth:\n  tokenScopes: maybe\n", Map.of()))
        .hasMessageStartingWith("auth.tokenScopes:");
    assertThatThrownBy(() -> load("auth:\n  jwks:\n    keys: []\n", Map.of()))
        .hasMessageStartingWith("auth.jwks.keys:");
  }

  @Test
  @DisplayName("withJwtSecret keeps the JWKS source and the token-scopes choice")
  void withJwtSecretKeepsJwks() throws IOException {
    GatewayConfig c = load("auth:\n  tokenScopes: true\n", JWKS_ENV).withJwtSecret("s".repeat(32));
    assertThat(c.auth().jwks()).isNotNull();
    assertThat(c.auth().tokenScopes()).isTrue();
    assertThat(c.auth().jwtSecret()).hasSize(32);
  }
}
