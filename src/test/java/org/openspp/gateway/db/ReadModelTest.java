package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openspp.gateway.support.TestRegistry;

/**
 * The registrants' read model ({@code V4__resource_read_model.sql}) stays equal to what the normalised tables say,
 * whoever writes them: the loader (which defers it to its commit) and any other writer (triggers). The expected
 * value is computed here independently of the migration's functions, the way the resolver statement computed it
 * on every read before version 4.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class ReadModelTest {

  /** Registrants whose stored read model differs from the normalised tables, by ref. */
  private static final String STALE = """
      SELECT r.ref FROM registrant r
       WHERE r.id_systems IS DISTINCT FROM ARRAY(SELECT x.system FROM registrant_identifier x
                                                  WHERE x.registrant_id = r.id AND x.status = 'valid'
                                                  ORDER BY x.position)
          OR r.id_values IS DISTINCT FROM ARRAY(SELECT x.value FROM registrant_identifier x
                                                 WHERE x.registrant_id = r.id AND x.status = 'valid'
                                                 ORDER BY x.position)
          OR r.links::text IS DISTINCT FROM (CASE WHEN r.kind = 'Individual' THEN
               (SELECT json_agg(json_build_array(
                         (SELECT y.system FROM registrant_identifier y
                           WHERE y.registrant_id = g.id AND y.status = 'valid' ORDER BY y.position LIMIT 1),
                         (SELECT y.value FROM registrant_identifier y
                           WHERE y.registrant_id = g.id AND y.status = 'valid' ORDER BY y.position LIMIT 1),
                         g.name, m.role_system, m.role_code, m.role_display, false, m.start_date, m.end_date)
                       ORDER BY m.group_id, m.position)
                  FROM group_membership m JOIN registrant g ON g.id = m.group_id
                 WHERE m.individual_id = r.id)
             ELSE
               (SELECT json_agg(json_build_array(
                         (SELECT y.system FROM registrant_identifier y
                           WHERE y.registrant_id = i.id AND y.status = 'valid' ORDER BY y.position LIMIT 1),
                         (SELECT y.value FROM registrant_identifier y
                           WHERE y.registrant_id = i.id AND y.status = 'valid' ORDER BY y.position LIMIT 1),
                         i.name, m.role_system, m.role_code, m.role_display, NOT i.active, m.start_date, m.end_date)
                       ORDER BY m.position)
                  FROM group_membership m JOIN registrant i ON i.id = m.individual_id
                 WHERE m.group_id = r.id)
             END)::text
       ORDER BY r.ref""";

  private Pool pool;
  private RegistryLoader loader;

  @BeforeEach
  void loadDemo(Vertx vertx) {
    pool = TestRegistry.pool(vertx, TestRegistry.migratedDatabaseUrl(vertx));
    loader = new RegistryLoader(vertx, pool);
    loader.load("registry.ndjson", demoLines(), false).await();
  }

  @AfterEach
  void closePool() {
    pool.close().await();
  }

  @Test
  @DisplayName("a load leaves every registrant's read model equal to its identifiers and memberships")
  void loadWritesTheReadModel() {
    assertThat(strings(STALE)).isEmpty();
    assertThat(strings("SELECT ref FROM registrant WHERE cardinality(id_values) = 0")).isEmpty();
    assertThat(strings("SELECT ref FROM registrant WHERE links IS NOT NULL ORDER BY ref")).isNotEmpty();
  }

  @Test
  @DisplayName("a second load that renames the household, puts a new identifier first and drops a member refreshes all")
  void reloadRefreshesLinkedRegistrants() {
    List<String> lines = new ArrayList<>();
    for (String line : demoLines()) {
      JsonObject record = new JsonObject(line);
      if ("demo-hh-001".equals(record.getString("ref"))) {
        JsonObject first = record.getJsonArray("identifier").getJsonObject(0).copy().put("value", "HX-001");
        record.put("identifier", new JsonArray().add(first).addAll(record.getJsonArray("identifier")));
        record.put("name", "Renamed");
        record.getJsonArray("member").remove(0);
      }
      lines.add(record.encode());
    }

    loader.load("changed.ndjson", lines, false).await();

    assertThat(strings(STALE)).isEmpty();
    assertThat(strings("SELECT DISTINCT links::text FROM registrant WHERE kind = 'Individual' AND links IS NOT NULL"))
        .allSatisfy(links -> assertThat(links).contains("Renamed", "HX-001").doesNotContain("HH-001"));
  }

  @Test
  @DisplayName("replacing the registry leaves no read model of the registrants it removed in the new ones")
  void replaceRefreshes() {
    loader.load("registry.ndjson", demoLines(), true).await();

    assertThat(strings(STALE)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("any other writer's change is in the read model when its statement ends")
  @ValueSource(strings = {
      "UPDATE registrant_identifier SET value = value || '-new' WHERE registrant_id = (SELECT id FROM registrant WHERE kind = 'Group' LIMIT 1)",
      "UPDATE registrant_identifier SET status = 'invalid' WHERE registrant_id = (SELECT min(individual_id) FROM group_membership)",
      "INSERT INTO registrant_identifier (registrant_id, position, system, value) SELECT group_id, -1, 'urn:x', 'first' FROM group_membership LIMIT 1",
      "DELETE FROM registrant_identifier WHERE registrant_id = (SELECT min(individual_id) FROM group_membership)",
      "DELETE FROM group_membership WHERE position = (SELECT min(position) FROM group_membership)",
      "UPDATE group_membership SET end_date = date '2001-01-01', role_code = 'gone'",
      "UPDATE group_membership SET individual_id = (SELECT min(id) FROM registrant WHERE kind = 'Individual' AND id NOT IN (SELECT individual_id FROM group_membership)) WHERE position = 0",
      "UPDATE registrant SET name = 'Renamed household' WHERE kind = 'Group'",
      "UPDATE registrant SET active = false, name = 'Archived' WHERE id = (SELECT max(individual_id) FROM group_membership)",
      "DELETE FROM registrant WHERE id = (SELECT max(individual_id) FROM group_membership)",
      "TRUNCATE group_membership",
      "TRUNCATE registrant_identifier"})
  void triggersKeepItRight(String sql) {
    assertThat(strings(STALE)).isEmpty();

    pool.query(sql).execute().await();

    assertThat(strings(STALE)).isEmpty();
  }

  @Test
  @DisplayName("a rebuild rewrites no row whose read model is already right")
  void refreshWritesOnlyWhatChanged() {
    String versions = "SELECT string_agg(ref || '@' || xmin, ',' ORDER BY id) FROM registrant";
    List<String> before = strings(versions);

    pool.query("SELECT registrant_read_model_rebuild()").execute().await();

    assertThat(strings(versions)).isEqualTo(before);
  }

  private List<String> strings(String sql) {
    List<String> values = new ArrayList<>();
    pool.query(sql).execute().await().forEach(row -> values.add(row.getString(0)));
    return values;
  }

  private static List<String> demoLines() {
    try (InputStream in = ReadModelTest.class.getClassLoader().getResourceAsStream("demo/registry.ndjson")) {
      assertThat(in).as("demo/registry.ndjson on the classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
