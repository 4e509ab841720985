package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.db.EmbeddedRegistry;
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

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  @DisplayName("the demo's HTTP and management listeners are bound to 127.0.0.1: unreachable on other addresses")
  void demoListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
    Started started = start(dir);
    try {
      assertThat(started.text()).contains("listening on 127.0.0.1");
      assertThat(reachable(InetAddress.getLoopbackAddress(), started.port())).isTrue();
      assertThat(reachable(InetAddress.getLoopbackAddress(), started.managementPort())).isTrue();
      List<InetAddress> others = nonLoopbackAddresses();
      assumeTrue(!others.isEmpty(), "this machine has no non-loopback address to try");
      for (InetAddress other : others) {
        assertThat(reachable(other, started.port())).as("HTTP on " + other).isFalse();
        assertThat(reachable(other, started.managementPort())).as("management on " + other).isFalse();
      }
    } finally {
      stop(started.process());
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  @DisplayName("fresh demo data directories get random client secrets, printed once, never the published examples")
  void freshDemoSecretsAreRandomAndPrintedOnce(@TempDir Path dir) throws Exception {
    Map<String, String> first = demoSecrets(runOnce(dir.resolve("a")));
    Map<String, String> second = demoSecrets(runOnce(dir.resolve("b")));

    assertThat(first.keySet()).containsExactly("demo-programme", "demo-ngo");
    assertThat(second.keySet()).containsExactly("demo-programme", "demo-ngo");
    for (String client : first.keySet()) {
      assertThat(first.get(client)).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo(second.get(client))
          .isNotEqualTo(client + "-secret");
    }
    assertThat(demoSecrets(runOnce(dir.resolve("a")))).as("a restart prints no secret").isEmpty();
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  @DisplayName("a demo client disabled in the database stays disabled, with its secret, after a restart")
  void disabledDemoClientStaysDisabledAfterRestart(@TempDir Path dir) throws Exception {
    Started fresh = start(dir);
    Map<String, String> secrets;
    try {
      secrets = demoSecrets(fresh.printed());
      assertThat(exchange(fresh.port(), "demo-ngo", secrets.get("demo-ngo"))).as("the printed secret works")
          .isEqualTo(200);
    } finally {
      stop(fresh.process());
    }
    Map<String, String> hashes;
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"));
         Connection c = jdbc(db); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("UPDATE api_client SET active = false WHERE client_id = 'demo-ngo'")).isEqualTo(1);
      hashes = clients(s);
    }

    Started again = start(dir);
    try {
      assertThat(demoSecrets(again.printed())).isEmpty();
      assertThat(again.text()).contains("# demo-programme").doesNotContain("# demo-ngo");
      assertThat(exchange(again.port(), "demo-ngo", secrets.get("demo-ngo"))).as("disabled").isEqualTo(401);
      assertThat(exchange(again.port(), "demo-programme", secrets.get("demo-programme"))).isEqualTo(200);
    } finally {
      stop(again.process());
    }
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"));
         Connection c = jdbc(db); Statement s = c.createStatement()) {
      assertThat(clients(s)).isEqualTo(hashes);
      assertThat(SecretHasher.verify(secrets.get("demo-ngo"), hashes.get("demo-ngo false"))).isTrue();
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  @DisplayName("a demo client still holding the published example secret (older versions) gets a random one, stays disabled")
  void publishedDemoSecretIsReplacedAtStart(@TempDir Path dir) throws Exception {
    runOnce(dir);
    String published = SecretHasher.hash("demo-ngo-secret");
    Map<String, String> before;
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"));
         Connection c = jdbc(db); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("UPDATE api_client SET active = false, secret_hash = '" + published
          + "' WHERE client_id = 'demo-ngo'")).isEqualTo(1);
      before = clients(s);
    }

    Map<String, String> printed = demoSecrets(runOnce(dir));

    assertThat(printed.keySet()).containsExactly("demo-ngo");
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"));
         Connection c = jdbc(db); Statement s = c.createStatement()) {
      Map<String, String> after = clients(s);
      assertThat(after.keySet()).isEqualTo(before.keySet()).contains("demo-ngo false");
      assertThat(after.get("demo-programme true")).isEqualTo(before.get("demo-programme true"));
      assertThat(SecretHasher.verify("demo-ngo-secret", after.get("demo-ngo false"))).isFalse();
      assertThat(SecretHasher.verify(printed.get("demo-ngo"), after.get("demo-ngo false"))).isTrue();
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  @DisplayName("serve --demo openspp: the reader login needs a password and disabled OpenSPP clients stay disabled")
  void opensppDemoReaderNeedsPasswordAndClientsAreKept(@TempDir Path dir) throws Exception {
    Map<String, String> secrets = demoSecrets(runOnce(dir, "--demo", "openspp"));
    assertThat(secrets.keySet()).containsExactly("demo-programme", "demo-ngo");
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"))) {
      Properties noPassword = new Properties();
      noPassword.setProperty("user", OpensppDemo.READER);
      assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://localhost:" + db.port() + "/"
          + OpensppDemo.OPENSPP_DB, noPassword).close()).isInstanceOf(SQLException.class);
      try (Connection c = jdbc(db); Statement s = c.createStatement()) {
        ResultSet rs = s.executeQuery("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = '"
            + OpensppDemo.READER + "'");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("the reader role has a password").isTrue();
      }
      try (Connection c = jdbc(db, OpensppDemo.OPENSPP_DB); Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("UPDATE spp_api_client SET active = false WHERE client_id = 'demo-ngo'"))
            .isEqualTo(1);
      }
    }
    List<String> again = runOnce(dir, "--demo", "openspp");
    assertThat(demoSecrets(again)).isEmpty();
    assertThat(String.join("\n", again)).contains("# demo-programme").doesNotContain("# demo-ngo");
    try (EmbeddedRegistry db = EmbeddedRegistry.start(dir.resolve("pg"));
         Connection c = jdbc(db, OpensppDemo.OPENSPP_DB); Statement s = c.createStatement()) {
      ResultSet rs = s.executeQuery("SELECT active, client_secret_hash FROM spp_api_client WHERE client_id = 'demo-ngo'");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).isFalse();
      assertThat(SecretHasher.verify(secrets.get("demo-ngo"), rs.getString(2))).isTrue();
    }
  }

  /** A started demo: its process, ports and what it printed up to the ready line. */
  private record Started(Process process, int port, int managementPort, List<String> printed) {
    String text() {
      return String.join("\n", printed);
    }
  }

  /** Starts the jar's embedded demo on {@code dir}/pg and waits until it printed its demo commands. */
  private static Started start(Path dir, String... extra) throws Exception {
    Path jar = Path.of("target", "spp-gateway.jar").toAbsolutePath();
    assertThat(jar).exists();
    Files.createDirectories(dir);
    int port = GatewayHarness.freePort();
    int managementPort = GatewayHarness.freePort();
    List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", jar.toString(), "serve",
        "--data-dir", dir.resolve("pg").toString()));
    command.addAll(List.of(extra));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()));
    Map<String, String> env = pb.environment();
    env.remove("SPP_DB_URL");
    env.remove("SPP_JWT_SECRET");
    env.remove("OPENSPP_JWT_SECRET");
    env.remove("SPP_REGISTRY_KIND");
    env.remove("SPP_AUDIT_DB_URL");
    env.remove("SPP_HTTP_HOST");
    env.remove("SPP_MANAGEMENT_HOST");
    env.put("SPP_HTTP_PORT", Integer.toString(port));
    env.put("SPP_MANAGEMENT_PORT", Integer.toString(managementPort));
    Process process = pb.start();
    try {
      return new Started(process, port, managementPort, readUntilReady(process));
    } catch (IllegalStateException | IOException exited) {
      stop(process);
      throw new IllegalStateException(exited.getMessage() + "\n" + stderr(dir), exited);
    }
  }

  /** Starts and stops the demo on {@code dir}; what it printed. */
  private static List<String> runOnce(Path dir, String... extra) throws Exception {
    Started started = start(dir, extra);
    stop(started.process());
    return started.printed();
  }

  /** SIGTERM, and the check that the gateway stops within a minute. */
  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    assertThat(exited).as("the gateway stops on SIGTERM").isTrue();
  }

  private static final Pattern SECRET_LINE = Pattern.compile("^  (demo-[a-z]+) +([A-Za-z0-9_-]+)$");

  /** The demo client secrets printed at a first start (empty when none were printed). */
  private static Map<String, String> demoSecrets(List<String> printed) {
    Map<String, String> secrets = new LinkedHashMap<>();
    boolean in = false;
    for (String line : printed) {
      if (line.startsWith("Demo client secrets")) {
        in = true;
        continue;
      }
      Matcher m = SECRET_LINE.matcher(line);
      if (in && m.matches()) {
        secrets.put(m.group(1), m.group(2));
      } else {
        in = false;
      }
    }
    return secrets;
  }

  /** The status of a client-credentials exchange at the token endpoint. */
  private static int exchange(int port, String client, String secret) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder()
        .uri(URI.create("http://127.0.0.1:" + port + "/api/v2/spp/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + client
            + "&client_secret=" + secret))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private static Connection jdbc(EmbeddedRegistry db) throws SQLException {
    return jdbc(db, "postgres");
  }

  private static Connection jdbc(EmbeddedRegistry db, String database) throws SQLException {
    String password = db.url().replaceFirst("^postgresql://postgres:([^@]+)@.*$", "$1");
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("password", password);
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + db.port() + "/" + database, props);
  }

  /** {@code "<client_id> <active>"} to its secret hash, for the demo clients. */
  private static Map<String, String> clients(Statement s) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (ResultSet rs = s.executeQuery("SELECT client_id, active, secret_hash FROM api_client ORDER BY client_id")) {
      while (rs.next()) {
        out.put(rs.getString(1) + " " + rs.getBoolean(2), rs.getString(3));
      }
    }
    return out;
  }

  private static boolean reachable(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp() && !nic.isLoopback()) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            out.add(address);
          }
        }
      }
    }
    return out;
  }

  /** Starts the jar's embedded demo with {@code extra} arguments, exports with the printed token; its stderr. */
  private static String servesDemo(Path dir, String... extra) throws Exception {
    Started started = start(dir, extra);
    Process process = started.process();
    int port = started.port();
    try {
      List<String> printed = started.printed();
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
      stop(process);
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
