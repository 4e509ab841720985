package org.openspp.gateway.db;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema migrations shipped on the classpath under {@code db/}.
 *
 * <p>The index {@value #INDEX} lists the migration files in order, one {@code V<version>__<description>.sql}
 * name per line ({@code #} starts a comment line); an index is used rather than a directory scan so that the
 * same code works from a shaded jar. Applied versions are recorded in {@code schema_version} together with the
 * SHA-256 checksum of the file (line endings normalised to LF).
 *
 * <p>Every migration runs in its own transaction, sent through the simple query protocol so a file may hold
 * several statements (and therefore must not contain {@code BEGIN}/{@code COMMIT} or statements that cannot
 * run in a transaction, such as {@code CREATE INDEX CONCURRENTLY}). Each transaction first takes a
 * transaction-scoped advisory lock, so replicas starting together apply each migration exactly once: the
 * ones that wait find the version recorded and skip it.
 *
 * <p>Before anything is applied, the checksums of the already applied versions are compared with the files;
 * a mismatch, or a pending version older than an applied one, fails the returned future with an
 * {@link IllegalStateException} naming the file. Versions recorded in the database but unknown to this build
 * (a newer replica migrated first) are logged and tolerated.
 */
public final class Migrations {

  /** Classpath location of the ordered list of migration files. */
  public static final String INDEX = "db/migrations.txt";

  /** Advisory lock key shared by every gateway replica: the ASCII bytes of {@code spp-migr}. */
  static final long LOCK_KEY = 0x7370702d6d696772L;

  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  private static final String DIRECTORY = "db/";
  private static final Pattern FILE_NAME = Pattern.compile("V([1-9][0-9]{0,8})__([A-Za-z0-9_]+)\\.sql");

  private static final String LOCK = "SELECT pg_advisory_xact_lock($1)";
  private static final String TABLE_EXISTS = "SELECT to_regclass('schema_version') IS NOT NULL AS present";
  private static final String CREATE_TABLE = """
      CREATE TABLE schema_version (
          version     integer PRIMARY KEY,
          description text        NOT NULL,
          checksum    text        NOT NULL,
          applied_at  timestamptz NOT NULL DEFAULT now()
      )""";
  private static final String APPLIED = "SELECT version, checksum FROM schema_version";
  private static final String APPLIED_CHECKSUM = "SELECT checksum FROM schema_version WHERE version = $1";
  private static final String RECORD = "INSERT INTO schema_version (version, description, checksum) VALUES ($1, $2, $3)";

  private Migrations() {
  }

  /**
   * Applies the pending migrations.
   *
   * <p>The migration files are read from the classpath on a worker thread when called from a Vert.x context,
   * else on the calling thread.
   *
   * @return the number of migrations this call applied (0 when the schema is current)
   */
  public static Future<Integer> apply(Pool pool) {
    Context context = Vertx.currentContext();
    Future<List<Script>> scripts;
    if (context == null) {
      try {
        scripts = Future.succeededFuture(readScripts());
      } catch (RuntimeException e) {
        scripts = Future.failedFuture(e);
      }
    } else {
      scripts = context.executeBlocking(Migrations::readScripts);
    }
    return scripts.compose(list -> apply(pool, list));
  }

  private static Future<Integer> apply(Pool pool, List<Script> scripts) {
    return pool.withTransaction(conn -> lock(conn).compose(v -> ensureTable(conn)).compose(v -> appliedVersions(conn)))
        .compose(applied -> {
          List<Script> pending;
          try {
            pending = pending(scripts, applied);
          } catch (IllegalStateException e) {
            return Future.failedFuture(e);
          }
          Future<Integer> chain = Future.succeededFuture(0);
          for (Script script : pending) {
            chain = chain.compose(count -> applyOne(pool, script).map(done -> count + done));
          }
          return chain;
        })
        .onSuccess(count -> log.info("Schema migrations: {} applied, {} known", count, scripts.size()));
  }

  private static List<Script> pending(List<Script> scripts, Map<Integer, String> applied) {
    int newestApplied = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
    List<Script> pending = new ArrayList<>();
    for (Script script : scripts) {
      String checksum = applied.get(script.version());
      if (checksum != null) {
        verifyChecksum(script, checksum);
      } else if (script.version() < newestApplied) {
        throw new IllegalStateException("Migration " + script.fileName() + " is pending but the database already has"
            + " the newer version " + newestApplied + "; migrations must be added with increasing versions");
      } else {
        pending.add(script);
      }
    }
    TreeSet<Integer> unknown = new TreeSet<>(applied.keySet());
    scripts.forEach(script -> unknown.remove(script.version()));
    if (!unknown.isEmpty()) {
      log.warn("The database has schema versions {} that this build does not know; a newer build migrated it",
          unknown);
    }
    return pending;
  }

  private static void verifyChecksum(Script script, String recorded) {
    if (!script.checksum().equals(recorded)) {
      throw new IllegalStateException("Migration " + script.fileName() + " was changed after it was applied: the"
          + " database recorded checksum " + recorded + " but the file now has " + script.checksum()
          + "; restore the original file and put the change in a new migration");
    }
  }

  private static Future<Integer> applyOne(Pool pool, Script script) {
    return pool.withTransaction(conn -> lock(conn)
        .compose(v -> conn.preparedQuery(APPLIED_CHECKSUM).execute(Tuple.of(script.version())))
        .compose(rows -> {
          if (rows.size() > 0) {
            verifyChecksum(script, rows.iterator().next().getString("checksum"));
            log.info("Migration {} was applied concurrently by another instance", script.fileName());
            return Future.succeededFuture(0);
          }
          return conn.query(script.sql()).execute()
              .compose(done -> conn.preparedQuery(RECORD)
                  .execute(Tuple.of(script.version(), script.description(), script.checksum())))
              .map(done -> {
                log.info("Applied migration {}", script.fileName());
                return 1;
              });
        }))
        .recover(failure -> Future.failedFuture(failure instanceof IllegalStateException
            ? failure
            : new IllegalStateException("Migration " + script.fileName() + " failed: " + failure.getMessage(), failure)));
  }

  private static Future<Void> lock(SqlConnection conn) {
    return conn.preparedQuery(LOCK).execute(Tuple.of(LOCK_KEY)).mapEmpty();
  }

  private static Future<Void> ensureTable(SqlConnection conn) {
    return conn.query(TABLE_EXISTS).execute().compose(rows -> rows.iterator().next().getBoolean("present")
        ? Future.succeededFuture()
        : conn.query(CREATE_TABLE).execute().mapEmpty());
  }

  private static Future<Map<Integer, String>> appliedVersions(SqlConnection conn) {
    return conn.query(APPLIED).execute().map(rows -> {
      Map<Integer, String> applied = new HashMap<>();
      for (Row row : rows) {
        applied.put(row.getInteger("version"), row.getString("checksum"));
      }
      return applied;
    });
  }

  private static List<Script> readScripts() {
    List<Script> scripts = new ArrayList<>();
    int previous = 0;
    for (String line : readResource(INDEX).split("\n")) {
      String fileName = line.strip();
      if (fileName.isEmpty() || fileName.startsWith("#")) {
        continue;
      }
      Matcher matcher = FILE_NAME.matcher(fileName);
      if (!matcher.matches()) {
        throw new IllegalStateException(INDEX + ": '" + fileName + "' is not named V<version>__<description>.sql");
      }
      int version = Integer.parseInt(matcher.group(1));
      if (version <= previous) {
        throw new IllegalStateException(INDEX + ": version " + version + " does not follow version " + previous);
      }
      previous = version;
      String sql = readResource(DIRECTORY + fileName).replace("\r\n", "\n");
      scripts.add(new Script(version, matcher.group(2).replace('_', ' '), fileName, sql, sha256(sql)));
    }
    return scripts;
  }

  private static String readResource(String name) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("Missing classpath resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read classpath resource " + name, e);
    }
  }

  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private record Script(int version, String description, String fileName, String sql, String checksum) {
  }
}
