package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The CycloneDX SBOM that {@code mvn package} writes next to the fat jar ({@code target/spp-gateway-sbom.json}):
 * what the jar ships, each with a package URL and a SHA-256, and nothing that only the tests use.
 */
class SbomIT {

  static final Path SBOM = Path.of("target", "spp-gateway-sbom.json");

  static JsonObject sbom() throws Exception {
    assertThat(SBOM).as("mvn package writes the SBOM").exists();
    return new JsonObject(Files.readString(SBOM, StandardCharsets.UTF_8));
  }

  /** group:name → the component. */
  static Map<String, JsonObject> components(JsonObject sbom) {
    Map<String, JsonObject> out = new HashMap<>();
    JsonArray list = sbom.getJsonArray("components");
    for (int i = 0; i < list.size(); i++) {
      JsonObject c = list.getJsonObject(i);
      out.put(c.getString("group") + ":" + c.getString("name"), c);
    }
    return out;
  }

  @Test
  @DisplayName("the SBOM is CycloneDX JSON describing the spp-gateway application")
  void describesTheApplication() throws Exception {
    JsonObject sbom = sbom();
    assertThat(sbom.getString("bomFormat")).isEqualTo("CycloneDX");
    assertThat(sbom.getString("specVersion")).isNotBlank();
    JsonObject app = sbom.getJsonObject("metadata").getJsonObject("component");
    assertThat(app.getString("name")).isEqualTo("spp-gateway");
    assertThat(app.getString("type")).isEqualTo("application");
    assertThat(app.getString("version")).isNotBlank();
  }

  @Test
  @DisplayName("the libraries the jar ships are listed with their versions, a package URL and a SHA-256")
  void listsShippedLibraries() throws Exception {
    Map<String, JsonObject> components = components(sbom());
    assertThat(components.get("io.vertx:vertx-core").getString("version")).isEqualTo("5.0.7");
    for (String lib : new String[] {"io.vertx:vertx-pg-client", "io.vertx:vertx-web", "com.nimbusds:nimbus-jose-jwt",
        "com.fasterxml.uuid:java-uuid-generator", "io.micrometer:micrometer-registry-prometheus",
        "ch.qos.logback:logback-classic"}) {
      assertThat(components).as(lib).containsKey(lib);
    }
    for (JsonObject c : components.values()) {
      String name = c.getString("group") + ":" + c.getString("name");
      assertThat(c.getString("purl")).as(name).startsWith("pkg:maven/");
      JsonArray hashes = c.getJsonArray("hashes", new JsonArray());
      assertThat(hashes.stream().map(h -> ((JsonObject) h).getString("alg"))).as(name).contains("SHA-256");
    }
  }

  @Test
  @DisplayName("test-only libraries and the excluded slf4j-simple are not in it")
  void nothingTheJarDoesNotShip() throws Exception {
    Map<String, JsonObject> components = components(sbom());
    assertThat(components).doesNotContainKeys("org.junit.jupiter:junit-jupiter-api", "org.assertj:assertj-core",
        "io.vertx:vertx-junit5", "net.jqwik:jqwik", "org.slf4j:slf4j-simple");
  }
}
