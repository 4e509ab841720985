package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The README's first command, for real: the packaged jar started with no database configured starts its own
 * PostgreSQL, loads the demo registry and prints curl commands whose token exports a demo record; SIGTERM
 * stops it. Runs in the integration-test phase, against {@code target/spp-gateway.jar}.
 */
@DisplayName("Embedded start-up of the packaged jar")
class EmbeddedStartIT {

  private static final Pattern TOKEN = Pattern.compile("Authorization: Bearer ([A-Za-z0-9_\\-.]+)");

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  @DisplayName("serve with no database prints a curl whose token exports a demo identifier, then stops on SIGTERM")
  void embeddedServeExportsDemoRecord(@TempDir Path dir) throws Exception {
    servesDemo(dir);
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  @DisplayName("serve --demo openspp serves a fake OpenSPP database read-only, with OpenSPP's own token secret")
  void embeddedOpensppDemoExportsDemoRecord(@TempDir Path dir) throws Exception {
    String log = servesDemo(dir, "--demo", "openspp");
    assertThat(log).contains("HS256 token secret read from OpenSPP");
  }

  /** Starts the jar's embedded demo with {@code extra} arguments, exports with the printed token; its stderr. */
  private static String servesDemo(Path dir, String... extra) throws Exception {
    Path jar = Path.of("target", "spp-gateway.jar").toAbsolutePath();
    assertThat(jar).exists();
    int port = GatewayHarness.freePort();
    List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", jar.toString(), "serve",
        "--data-dir", dir.resolve("pg").toString()));
    command.addAll(List.of(extra));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectError(dir.resolve("stderr.log").toFile());
    Map<String, String> env = pb.environment();
    env.remove("SPP_DB_URL");
    env.remove("SPP_JWT_SECRET");
    env.remove("OPENSPP_JWT_SECRET");
    env.remove("SPP_REGISTRY_KIND");
    env.remove("SPP_AUDIT_DB_URL");
    env.put("SPP_HTTP_PORT", Integer.toString(port));
    env.put("SPP_MANAGEMENT_PORT", Integer.toString(GatewayHarness.freePort()));
    Process process = pb.start();
    try {
      List<String> printed;
      try {
        printed = readUntilReady(process);
      } catch (IllegalStateException exited) {
        throw new IllegalStateException(exited.getMessage() + "\n" + stderr(dir), exited);
      }
      String text = String.join("\n", printed);
      assertThat(text).contains("curl -s -X POST").contains("localhost:" + port);
      Matcher m = TOKEN.matcher(text);
      assertThat(m.find()).as("a demo token is printed:\n" + text + "\n" + stderr(dir)).isTrue();
      String token = m.group(1);

      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder()
          .uri(URI.create("http://localhost:" + port + "/api/v2/spp/$bulk/export"))
          .header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"type\":\"Individual\",\"identifiers\":[\"" + ServeCommand.DEMO_IDENTIFIER + "\"]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getInteger("successful")).isEqualTo(1);

      if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
        String firstCurl = firstCurlCommand(printed);
        Process curl = new ProcessBuilder("bash", "-c", firstCurl).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new JsonObject(out).getInteger("successful")).as(out).isEqualTo(1);
      }
    } finally {
      process.destroy();
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly();
      }
      assertThat(exited).as("the gateway stops on SIGTERM").isTrue();
    }
    return stderr(dir);
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static List<String> readUntilReady(Process process) throws IOException {
    List<String> lines = new ArrayList<>();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      lines.add(line);
      if (line.startsWith("Metrics:")) {
        return lines;
      }
    }
    throw new IllegalStateException("the gateway exited before printing its demo commands: " + lines);
  }

  private static String firstCurlCommand(List<String> lines) {
    StringBuilder cmd = new StringBuilder();
    boolean in = false;
    for (String line : lines) {
      if (line.startsWith("curl ")) {
        in = true;
      }
      if (in) {
        cmd.append(line).append('\n');
        if (!line.endsWith("\\")) {
          break;
        }
      }
    }
    return cmd.toString();
  }

  private static String stderr(Path dir) throws IOException {
    Path log = dir.resolve("stderr.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
