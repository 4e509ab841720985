package org.openspp.gateway.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.support.JibImage;

/**
 * The container image, built in CI by the pom's Jib profile to a tar (no Docker daemon), then opened and run: its
 * entrypoint, command, user, ports and layers are the profile's; its timestamps are the build's fixed output
 * timestamp and two builds give the same image; the jars it ships are the SBOM's; and its entrypoint, and the
 * Kubernetes Deployment's command, start the gateway as user 10001. The base is {@link CiBaseRootfs} on
 * {@code scratch}: the real base's registry is out of this machine's reach.
 */
@DisplayName("The container image (Jib, built to a tar)")
class ImageIT {

  static final Path WORK = Path.of("target", "image-it");
  static final Path BASE = WORK.resolve("base");
  static final Path TAR = WORK.resolve("spp-gateway-ci.tar");
  static final Path TAR_AGAIN = WORK.resolve("spp-gateway-ci-again.tar");
  static final Path OPENED = WORK.resolve("opened");
  static final Path ROOTFS = WORK.resolve("rootfs");

  static JsonObject manifest;
  static JsonObject config;
  static JibImage profile;

  @BeforeAll
  static void build() throws Exception {
    profile = JibImage.fromPom(Path.of("pom.xml"));
    delete(WORK);
    Files.createDirectories(WORK);
    CiBaseRootfs.assemble(BASE);
    jib(TAR);
    jib(TAR_AGAIN);
    run(List.of("tar", "-xf", TAR.toString(), "-C", Files.createDirectories(OPENED).toString()), 60);
    manifest = new JsonArray(Files.readString(OPENED.resolve("manifest.json"))).getJsonObject(0);
    config = new JsonObject(Files.readString(OPENED.resolve(manifest.getString("Config"))));
    Files.createDirectories(ROOTFS);
    for (Object layer : manifest.getJsonArray("Layers")) {
      run(List.of("tar", "-xzf", OPENED.resolve((String) layer).toString(), "-C", ROOTFS.toString()), 120);
    }
  }

  /** Runs the pom's Jib profile (goal jib:buildTar, on scratch plus the stand-in base) into {@code tar}. */
  static void jib(Path tar) throws Exception {
    String mavenHome = System.getProperty("maven.home");
    String mvn = mavenHome != null && !mavenHome.isBlank() ? Path.of(mavenHome, "bin", "mvn").toString() : "mvn";
    List<String> command = new ArrayList<>(List.of(mvn, "-q", "-B", "-Pimage", "jib:buildTar",
        "-Dimage.base=scratch", "-Dimage.name=spp-gateway:ci",
        "-Djib.outputPaths.tar=" + tar.toAbsolutePath(),
        "-Djib.extraDirectories.paths=" + BASE.toAbsolutePath(),
        "-Djib.extraDirectories.permissions=/usr/local/bin/*=755,/usr/local/lib/jspawnhelper=755,"
            + "/lib64/*=755,/lib/x86_64-linux-gnu/*=755,/tmp=777"));
    // offline first (the plugin is usually in the local repository already), else let Maven download it
    List<String> offline = new ArrayList<>(command);
    offline.add("-o");
    if (!run(offline, 600, true).isBlank() || !Files.exists(tar)) {
      run(command, 600);
    }
    assertThat(tar).exists();
  }

  @Test
  @DisplayName("entrypoint, command, user, working directory, ports and environment are the Jib profile's")
  void configIsTheProfiles() {
    JsonObject c = config.getJsonObject("config");
    List<Object> entrypoint = new ArrayList<>();
    entrypoint.add("java");
    entrypoint.addAll(profile.jvmFlags());
    entrypoint.addAll(List.of("-cp", "@/app/jib-classpath-file", profile.mainClass()));
    assertThat(c.getJsonArray("Entrypoint").getList()).isEqualTo(entrypoint);
    assertThat(c.getJsonArray("Cmd").getList()).isEqualTo(profile.args());
    assertThat(c.getString("User")).isEqualTo(profile.user()).isEqualTo("10001:10001");
    assertThat(c.getString("WorkingDir")).isEqualTo("/tmp");
    assertThat(c.getJsonObject("ExposedPorts").fieldNames()).containsExactlyInAnyOrder("8080/tcp", "9090/tcp");
    assertThat(c.getJsonArray("Env").getList()).contains("SPP_LOG_FORMAT=json");
    assertThat(config.getString("architecture")).isEqualTo("amd64");
    assertThat(config.getString("os")).isEqualTo("linux");
  }

  @Test
  @DisplayName("layers: dependencies, resources, classes, JVM argument files apart, so a code change replaces small layers")
  void layersSeparateDependenciesFromCode() throws IOException {
    List<String> comments = new ArrayList<>();
    for (Object h : config.getJsonArray("history")) {
      comments.add(((JsonObject) h).getString("comment"));
    }
    assertThat(comments).containsSubsequence("dependencies", "resources", "classes", "jvm arg files");
    assertThat(manifest.getJsonArray("Layers")).hasSize(comments.size());
    assertThat(Files.readString(ROOTFS.resolve("app/jib-main-class-file")).trim()).isEqualTo(profile.mainClass());
    assertThat(Files.readString(ROOTFS.resolve("app/jib-classpath-file")))
        .startsWith("/app/resources:/app/classes:/app/libs/");
    assertThat(ROOTFS.resolve("app/classes/org/openspp/gateway/GatewayMain.class")).exists();
    // the application is read-only to the user it runs as
    for (Path p : List.of(ROOTFS.resolve("app/classes/org/openspp/gateway/GatewayMain.class"),
        ROOTFS.resolve("app/libs"), ROOTFS.resolve("app/jib-classpath-file"))) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      assertThat(perms).as(p.toString()).doesNotContain(PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_WRITE);
      assertThat(Files.getOwner(p).getName()).as(p.toString()).isEqualTo("root");
    }
  }

  @Test
  @DisplayName("reproducible: creation time and file times are the build's output timestamp; two builds, one image")
  void reproducible() throws Exception {
    assertThat(config.getString("created")).isEqualTo(profile.outputTimestamp());
    for (Object h : config.getJsonArray("history")) {
      assertThat(((JsonObject) h).getString("created")).isEqualTo(profile.outputTimestamp());
    }
    Instant fixed = Instant.parse(profile.outputTimestamp());
    assertThat(Files.getLastModifiedTime(ROOTFS.resolve("app/classes/org/openspp/gateway/GatewayMain.class"))
        .toInstant()).isEqualTo(fixed);
    Path again = WORK.resolve("again");
    run(List.of("tar", "-xf", TAR_AGAIN.toString(), "-C", Files.createDirectories(again).toString()), 60);
    assertThat(Files.readString(again.resolve("manifest.json"))).as("same layer digests")
        .isEqualTo(Files.readString(OPENED.resolve("manifest.json")));
    assertThat(Files.readString(again.resolve("config.json"))).isEqualTo(Files.readString(OPENED.resolve("config.json")));
  }

  @Test
  @DisplayName("the jars the image ships are exactly the libraries of the SBOM")
  void shipsTheSbomsLibraries() throws IOException {
    Path sbomFile = Path.of("target", "spp-gateway-sbom.json");
    assumeTrue(Files.exists(sbomFile), "the SBOM is written by an online mvn package (CycloneDX skips offline)");
    Set<String> jars = new HashSet<>();
    try (Stream<Path> libs = Files.list(ROOTFS.resolve("app/libs"))) {
      libs.forEach(p -> jars.add(p.getFileName().toString()));
    }
    Set<String> listed = new HashSet<>();
    for (Object c : new JsonObject(Files.readString(sbomFile)).getJsonArray("components")) {
      JsonObject component = (JsonObject) c;
      listed.add(component.getString("name") + "-" + component.getString("version") + ".jar");
    }
    assertThat(jars).isNotEmpty().isEqualTo(listed);
  }

  @Test
  @DisplayName("its entrypoint, and the Kubernetes Deployment's command, start the gateway as user 10001")
  void entrypointAndDeploymentCommandRun() throws Exception {
    assumeTrue(canChroot(), "running the image's root file system needs root and unshare (CI runs as root)");
    JsonObject c = config.getJsonObject("config");
    List<String> entrypoint = new ArrayList<>();
    c.getJsonArray("Entrypoint").forEach(a -> entrypoint.add((String) a));
    entrypoint.add("--version");
    assertThat(inImage(entrypoint).strip()).as("the version, and nothing else on stdout or stderr")
        .matches("spp-gateway \\S+");

    List<String> deployment = deploymentCommand();
    assertThat(deployment).contains("@/app/jib-classpath-file", "@/app/jib-main-class-file");
    List<String> withVersion = new ArrayList<>(deployment);
    withVersion.add("--version");
    assertThat(inImage(withVersion).strip()).as("no JVM notice before the output either")
        .matches("spp-gateway \\S+");
  }

  /** The {@code command} of the single-process Deployment's container. */
  static List<String> deploymentCommand() throws IOException {
    String yaml = Files.readString(Path.of("k8s", "deployment.yaml"));
    Matcher m = Pattern.compile("(?m)^\\s*command:\\s*\\[(.*?)]", Pattern.DOTALL).matcher(yaml);
    assertThat(m.find()).as("a command in k8s/deployment.yaml").isTrue();
    List<String> out = new ArrayList<>();
    Matcher item = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
    while (item.find()) {
      out.add(item.group(1));
    }
    return out;
  }

  /**
   * Runs {@code command} inside the extracted image as the image's user: a private mount namespace with /proc, then
   * chroot; {@code java} is found on the default PATH as a container runtime would. Returns stdout and stderr.
   */
  static String inImage(List<String> command) throws Exception {
    String user = config.getJsonObject("config").getString("User");
    List<String> full = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "sh", "-c",
        "mount -t proc proc \"$0/proc\" && cd \"$0\" && exec env -i "
            + "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
            + "chroot --userspec=" + user + " \"$0\" \"$@\"",
        ROOTFS.toAbsolutePath().toString()));
    full.addAll(command);
    return run(full, 120);
  }

  static boolean canChroot() {
    try {
      return "0".equals(run(List.of("id", "-u"), 10).trim())
          && run(List.of("unshare", "--mount", "--pid", "--fork", "true"), 10, true).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  static String run(List<String> command, int timeoutSeconds) throws Exception {
    return run(command, timeoutSeconds, false);
  }

  /** Runs {@code command}; fails on a non-zero exit unless {@code tolerate}; returns its output. */
  static String run(List<String> command, int timeoutSeconds, boolean tolerate) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0 && !tolerate) {
      throw new AssertionError("exit " + p.exitValue() + ": " + command + "\n" + text);
    }
    return text;
  }

  static void delete(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
