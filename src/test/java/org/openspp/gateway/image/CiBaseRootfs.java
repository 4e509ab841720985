package org.openspp.gateway.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A stand-in base for the image test, assembled from this machine because the image's real base
 * ({@code eclipse-temurin:17-jre}) sits in a container registry this build machine cannot reach: a Java 17 runtime
 * made by {@code jlink} from the build's own JDK at {@code /usr/local} (so {@code java} is on the default
 * {@code PATH}), the shared libraries it links against at their own paths, and {@code /tmp}. Jib puts it under the
 * application's layers as an extra directory on a {@code scratch} base; the application's layers, entrypoint, user
 * and ports are exactly the image profile's.
 */
final class CiBaseRootfs {

  private static final Pattern LIBRARY = Pattern.compile("(/[^\\s()]+)");

  private CiBaseRootfs() {
  }

  /** Builds the root file system under {@code root} (which must not exist yet). */
  static void assemble(Path rootDirectory) throws IOException, InterruptedException {
    Path root = rootDirectory.toAbsolutePath().normalize();
    Path runtime = root.resolve("usr/local");
    Files.createDirectories(runtime.getParent());
    ToolProvider jlink = ToolProvider.findFirst("jlink")
        .orElseThrow(() -> new IllegalStateException("no jlink in this JDK"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = jlink.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true,
            StandardCharsets.UTF_8),
        "--add-modules", "ALL-MODULE-PATH", "--strip-debug", "--no-header-files", "--no-man-pages",
        "--compress=2", "--output", runtime.toString());
    if (rc != 0) {
      throw new IllegalStateException("jlink failed (is the JDK's jmods directory installed?): " + out);
    }
    Set<String> libraries = new TreeSet<>();
    List<Path> elves;
    try (Stream<Path> files = Files.walk(runtime)) {
      elves = files.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".so") || p.getParent().getFileName().toString().equals("bin"))
          .toList();
    }
    for (Path elf : elves) {
      libraries.addAll(linkedLibraries(elf, runtime));
    }
    // glibc loads it on thread cancellation, without a link-time dependency
    libraries.add("/lib/x86_64-linux-gnu/libgcc_s.so.1");
    for (String library : libraries) {
      Path target = root.resolve(library.substring(1));
      Files.createDirectories(target.getParent());
      Files.copy(Path.of(library), target, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.createDirectories(root.resolve("tmp"));
    Files.createDirectories(root.resolve("proc"));
  }

  /** The shared libraries {@code elf} links against outside {@code runtime}, as {@code ldd} lists them. */
  private static List<String> linkedLibraries(Path elf, Path runtime) throws IOException, InterruptedException {
    Process ldd = new ProcessBuilder("ldd", elf.toString()).redirectErrorStream(true).start();
    String listing = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ldd.waitFor();
    List<String> found = new ArrayList<>();
    for (String line : listing.lines().toList()) {
      Matcher m = LIBRARY.matcher(line);
      if (line.contains("=>") || line.trim().startsWith("/")) {
        while (m.find()) {
          String path = m.group(1);
          if (!Path.of(path).normalize().startsWith(runtime) && Files.isRegularFile(Path.of(path))) {
            found.add(path);
          }
        }
      }
    }
    return found;
  }
}
