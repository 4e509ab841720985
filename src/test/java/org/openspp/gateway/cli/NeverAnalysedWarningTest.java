package org.openspp.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.db.RegistryLoader;
import org.openspp.gateway.support.TestRegistry;
import org.slf4j.LoggerFactory;

/**
 * A registry filled by other means than {@code load} (a restore, a bulk copy) has no planner statistics until
 * autovacuum analyses it, and every export is planned as if it were empty: {@code serve} says so at start, naming
 * the tables and the fix.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Start-up warning for never-analysed registry tables")
class NeverAnalysedWarningTest {

  @Test
  @DisplayName("tables with rows and no statistics are named in a start-up warning with the ANALYZE to run")
  void neverAnalysedTablesAreNamed(Vertx vertx) {
    String url = TestRegistry.migratedDatabaseUrl(vertx);
    Pool pool = TestRegistry.pool(vertx, url);
    pool.query("INSERT INTO registrant (kind, name) VALUES ('Individual', 'restored')").execute().await();
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<String> tables = RegistryLoader.neverAnalysed(pool).await();
    while (tables.isEmpty() && System.nanoTime() < deadline) {
      pool.query("SELECT pg_stat_force_next_flush()").execute().await();
      tables = RegistryLoader.neverAnalysed(pool).await();
    }
    assertThat(tables).containsExactly("registrant");

    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(CliSupport.class);
    logger.addAppender(logged);
    try {
      GatewayConfig config = ConfigLoader.load(null, Map.of("SPP_DB_URL", url));
      CliSupport.warnNeverAnalysed(vertx, config);
      assertThat(logged.list).map(ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.contains("[registrant]") && m.contains("ANALYZE registrant"));

      logged.list.clear();
      pool.query("ANALYZE registrant").execute().await();
      CliSupport.warnNeverAnalysed(vertx, config);
      assertThat(logged.list).as("nothing to say once analysed").isEmpty();
    } finally {
      logger.detachAppender(logged);
      pool.close().await();
    }
  }
}
