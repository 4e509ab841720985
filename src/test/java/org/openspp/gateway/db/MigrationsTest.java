package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.TestRegistry;

@ExtendWith(VertxExtension.class)
@Timeout(120)
class MigrationsTest {

  private Pool pool;

  @BeforeEach
  void createDatabase(Vertx vertx) {
    pool = TestRegistry.pool(vertx, TestRegistry.freshDatabaseUrl());
  }

  @AfterEach
  void closePool() {
    pool.close().await();
  }

  @Test
  @DisplayName("an empty database gets every migration and the registry tables")
  void appliesToEmptyDatabase() {
    assertThat(Migrations.apply(pool).await()).isEqualTo(4);

    List<String> tables = strings("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    assertThat(tables).contains("schema_version", "registrant", "registrant_identifier", "group_membership",
        "api_client", "consent", "consent_scope", "audit_request", "audit_item");
    Row version = pool.query("SELECT version, description, checksum, applied_at FROM schema_version ORDER BY version")
        .execute().await().iterator().next();
    assertThat(version.getInteger("version")).isEqualTo(1);
    assertThat(version.getString("description")).isEqualTo("registry");
    assertThat(version.getString("checksum")).matches("[0-9a-f]{64}");
    assertThat(version.getOffsetDateTime("applied_at")).isNotNull();
  }

  @Test
  @DisplayName("a second run applies nothing")
  void secondRunAppliesNothing() {
    Migrations.apply(pool).await();

    assertThat(Migrations.apply(pool).await()).isZero();
    assertThat(strings("SELECT version::text FROM schema_version ORDER BY version")).containsExactly("1", "2", "3", "4");
  }

  @Test
  @DisplayName("replicas starting together apply each migration once")
  void concurrentRuns() {
    List<Future<Integer>> runs = List.of(Migrations.apply(pool), Migrations.apply(pool), Migrations.apply(pool));

    int applied = 0;
    for (Future<Integer> run : runs) {
      applied += run.await();
    }
    assertThat(applied).isEqualTo(4);
    assertThat(strings("SELECT version::text FROM schema_version ORDER BY version")).containsExactly("1", "2", "3", "4");
  }

  @Test
  @DisplayName("a migration changed after it was applied fails with a message naming the file")
  void checksumMismatch() {
    Migrations.apply(pool).await();
    pool.query("UPDATE schema_version SET checksum = 'edited' WHERE version = 1").execute().await();

    assertThatThrownBy(() -> Migrations.apply(pool).await())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("V1__registry.sql was changed after it was applied");
  }

  @Test
  @DisplayName("versions applied by a newer build are tolerated")
  void unknownVersionTolerated() {
    Migrations.apply(pool).await();
    pool.query("INSERT INTO schema_version (version, description, checksum) VALUES (99, 'future', 'x')")
        .execute().await();

    assertThat(Migrations.apply(pool).await()).isZero();
  }

  private List<String> strings(String sql) {
    List<String> values = new ArrayList<>();
    pool.query(sql).execute().await().forEach(row -> values.add(row.getString(0)));
    return values;
  }
}
