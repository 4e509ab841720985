package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.openspp.OpensppCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code openspp-check}: inspects the OpenSPP database at {@code SPP_DB_URL} (read-only) and prints, per missing
 * recommended index, the {@code CREATE INDEX CONCURRENTLY} statement for the database administrator. Exit 0 when
 * every table, column and recommended index is there, 1 when an index is missing or the database is unreachable,
 * 2 when it is not an OpenSPP database the gateway can serve (or no URL is configured).
 */
@Command(name = "openspp-check", mixinStandardHelpOptions = true,
    description = "Check an OpenSPP 2 database (SPP_DB_URL) for the tables, columns and indexes the gateway needs.")
public final class OpensppCheckCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
  Path configFile;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayConfig config = ConfigLoader.load(configFile, System.getenv());
    if (config.db().url() == null) {
      err.println("openspp-check: set SPP_DB_URL to the OpenSPP database (a read replica is fine)");
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = OpensppCatalog.inspectionPool(vertx, config.db().url(), "openspp-check");
    try {
      OpensppCatalog.Inspection found;
      try {
        found = OpensppCatalog.inspect(pool).await();
      } catch (RuntimeException unreachable) {
        err.println("openspp-check: cannot read the database: " + unreachable.getMessage());
        return 1;
      }
      if (!found.missingColumns().isEmpty()) {
        err.println("openspp-check: not an OpenSPP 2 database the gateway can serve: missing "
            + OpensppCatalog.describe(found.missingColumns()));
        return 2;
      }
      List<OpensppCatalog.Index> indexes = found.missingIndexes();
      if (indexes.isEmpty()) {
        out.println("openspp-check: every table, column and recommended index is present ("
            + OpensppCatalog.INDEXES.size() + " indexes)");
        return 0;
      }
      out.println("openspp-check: " + indexes.size() + " recommended index(es) missing; run as the database owner:");
      for (OpensppCatalog.Index index : indexes) {
        out.println("-- " + index.table() + "(" + index.column() + "): " + index.why());
        out.println(index.createStatement());
      }
      return 1;
    } finally {
      out.flush();
      err.flush();
      pool.close().await();
      vertx.close().await();
    }
  }
}
