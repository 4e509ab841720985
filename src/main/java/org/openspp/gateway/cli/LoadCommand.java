package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.db.EmbeddedRegistry;
import org.openspp.gateway.db.LoadException;
import org.openspp.gateway.db.LoadReport;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.db.RegistryLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code load FILE.ndjson [FILE...]}: loads registry data into the configured database (the embedded one when
 * none is configured), one transaction per file. A bad line rejects its file, naming the line; nothing from
 * that file is written. Exit 0 ok, 1 runtime failure, 2 input error.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Load registry data (NDJSON, one JSON object per line) in one transaction per file.")
public final class LoadCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "NDJSON files")
  List<Path> files;

  @Option(names = "--replace", description = "Empty the registry tables before loading the first file")
  boolean replace;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    GatewayConfig config = ConfigLoader.load(configFile, System.getenv());
    if (config.kind() == RegistryKind.OPENSPP) {
      spec.commandLine().getErr().println("load: registry.kind is openspp: the registry lives in OpenSPP and is "
          + "read there directly; the gateway never writes to it. Manage registrants, consents and API clients in "
          + "OpenSPP (load is for registry.kind gateway).");
      return 2;
    }
    EmbeddedRegistry embedded = null;
    if (config.db().url() == null) {
      embedded = EmbeddedRegistry.start(Path.of(config.db().embeddedDataDir()));
      config = config.withDbUrl(embedded.url());
    }
    Vertx vertx = Vertx.vertx();
    try {
      if (config.db().migrate()) {
        CliSupport.migrateAll(vertx, config);
      }
      Pool pool = PgPools.create(vertx, config.db().url(), 2, 8, 0, "load");
      try {
        boolean first = true;
        for (Path file : files) {
          List<String> lines;
          try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
          } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println(file + ": no such file");
            return 2;
          } catch (IOException e) {
            spec.commandLine().getErr().println(file + ": cannot read (" + e.getMessage() + ")");
            return 2;
          }
          try {
            LoadReport r = new RegistryLoader(vertx, pool).load(file.toString(), lines, replace && first).await();
            spec.commandLine().getOut().printf("%s: %d individuals, %d groups, %d clients, %d consents%n",
                file, r.individuals(), r.groups(), r.clients(), r.consents());
          } catch (LoadException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 2;
          }
          first = false;
        }
      } finally {
        pool.close().await();
      }
      return 0;
    } finally {
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
