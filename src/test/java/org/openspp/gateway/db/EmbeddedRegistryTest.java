package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openspp.gateway.config.ConfigException;

/**
 * The embedded PostgreSQL of the demo default, started for real: only the gateway's user (who can read the
 * password file) can connect, commits are durable, and data directories of older versions are upgraded.
 */
@Timeout(180)
class EmbeddedRegistryTest {

  @TempDir
  static Path shared;

  private static EmbeddedRegistry fresh;

  @BeforeAll
  static void startFresh() {
    fresh = EmbeddedRegistry.start(shared.resolve("pg"));
  }

  @AfterAll
  static void stopFresh() throws IOException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Test
  @DisplayName("a connection without the password, or with a wrong one, is refused; the generated password works")
  void connectionsNeedTheGeneratedPassword() throws Exception {
    assertThatThrownBy(() -> connect(fresh.port(), "postgres", null).close()).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> connect(fresh.port(), "postgres", "wrong-password").close())
        .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
    assertThatThrownBy(() -> connect(fresh.port(), "nobody", null).close()).isInstanceOf(SQLException.class);

    String password = Files.readString(shared.resolve("pg").resolve(EmbeddedRegistry.PASSWORD_FILE)).strip();
    assertThat(fresh.url()).contains("postgres:" + password + "@");
    try (Connection c = connect(fresh.port(), "postgres", password)) {
      assertThat(query(c, "SELECT DISTINCT auth_method FROM pg_hba_file_rules")).containsExactly("scram-sha-256");
      assertThat(query(c, "SHOW unix_socket_directories")).containsExactly("");
      assertThat(query(c, "SHOW listen_addresses")).containsExactly("localhost");
    }
  }

  @Test
  @DisplayName("the password file is 0600 inside the 0700 data directory; pg_hba.conf trusts nobody")
  void passwordFileIsOwnerOnly() throws IOException {
    Path file = shared.resolve("pg").resolve(EmbeddedRegistry.PASSWORD_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file).strip()).hasSizeGreaterThanOrEqualTo(40);
    assertThat(Files.readString(shared.resolve("pg").resolve("pg_hba.conf"))).doesNotContain("trust");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("pg"))))
        .as("the data directory").isEqualTo("rwx------");
  }

  @Test
  @DisplayName("commits are durable: synchronous_commit, fsync and full_page_writes are on")
  void commitsAreDurable() throws Exception {
    String password = Files.readString(shared.resolve("pg").resolve(EmbeddedRegistry.PASSWORD_FILE)).strip();
    try (Connection c = connect(fresh.port(), "postgres", password)) {
      assertThat(query(c, "SHOW synchronous_commit")).containsExactly("on");
      assertThat(query(c, "SHOW fsync")).containsExactly("on");
      assertThat(query(c, "SHOW full_page_writes")).containsExactly("on");
    }
  }

  @Test
  @DisplayName("a restart keeps the password; a password file others can read stops start-up naming the file")
  void restartKeepsPasswordAndRefusesReadablePasswordFile(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("pg");
    String first;
    try (EmbeddedRegistry registry = EmbeddedRegistry.start(data)) {
      first = registry.url();
    }
    try (EmbeddedRegistry again = EmbeddedRegistry.start(data)) {
      assertThat(again.initialised()).isFalse();
      assertThat(again.url().replaceFirst(":\\d+/", ":/")).isEqualTo(first.replaceFirst(":\\d+/", ":/"));
    }
    Path file = data.resolve(EmbeddedRegistry.PASSWORD_FILE);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> EmbeddedRegistry.start(data)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("chmod 600");
  }

  @Test
  @DisplayName("a data directory of an older version (trust, no password) is upgraded at start and keeps its data")
  void passwordlessDataDirectoryIsUpgraded(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("pg");
    // what the previous version did: zonky's defaults, initdb -A trust, no password
    try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data.toFile())
        .setCleanDataDirectory(false).setPGStartupWait(Duration.ofSeconds(30)).start();
         Connection c = connect(old.getPort(), "postgres", null); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kept (v text)");
      s.execute("INSERT INTO kept VALUES ('from the old version')");
    }
    assertThat(Files.readString(data.resolve("pg_hba.conf"))).contains("trust");

    try (EmbeddedRegistry upgraded = EmbeddedRegistry.start(data)) {
      assertThatThrownBy(() -> connect(upgraded.port(), "postgres", null).close()).isInstanceOf(SQLException.class);
      String password = Files.readString(data.resolve(EmbeddedRegistry.PASSWORD_FILE), StandardCharsets.UTF_8).strip();
      try (Connection c = connect(upgraded.port(), "postgres", password)) {
        assertThat(query(c, "SELECT v FROM kept")).containsExactly("from the old version");
        assertThat(query(c, "SELECT DISTINCT auth_method FROM pg_hba_file_rules")).containsExactly("scram-sha-256");
        assertThat(query(c, "SHOW synchronous_commit")).containsExactly("on");
      }
    }
    assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContain("trust");
  }

  static Connection connect(int port, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "10");
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", props);
  }

  static List<String> query(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
