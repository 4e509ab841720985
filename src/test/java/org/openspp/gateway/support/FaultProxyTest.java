package org.openspp.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The fault proxy in front of the test PostgreSQL")
class FaultProxyTest {

  private static final String SELECT_ONE = "SELECT 1 AS one";

  private static String databaseUrl;

  private Vertx vertx;
  private FaultProxy proxy;
  private Pool pool;
  private Pool extraPool;

  @BeforeAll
  static void createDatabase() {
    databaseUrl = TestRegistry.freshDatabaseUrl();
  }

  @BeforeEach
  void startProxy(Vertx vertx) {
    this.vertx = vertx;
    proxy = FaultProxy.forUrl(databaseUrl);
    pool = TestRegistry.pool(vertx, proxy.url(databaseUrl));
  }

  @AfterEach
  void stopProxy() throws Exception {
    // The proxy goes first: whatever a fault left pending then fails at once and the pools close promptly.
    proxy.close();
    pool.close().await(5, TimeUnit.SECONDS);
    if (extraPool != null) {
      extraPool.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(5)
  @DisplayName("the proxy URL keeps user, password, database and options and points at the loopback port")
  void rewritesUrls() {
    int port = proxy.port();

    assertThat(proxy.url("postgresql://spp@db.example:5432/registry"))
        .isEqualTo("postgresql://spp@127.0.0.1:" + port + "/registry");
    assertThat(proxy.url("postgres://spp:s3cr@t@[::1]:6543/registry?sslmode=disable"))
        .isEqualTo("postgres://spp:s3cr@t@127.0.0.1:" + port + "/registry?sslmode=disable");
    assertThat(proxy.url("postgresql://localhost/registry")).isEqualTo("postgresql://127.0.0.1:" + port + "/registry");
    assertThat(proxy.url(databaseUrl)).startsWith("postgresql://").endsWith(":" + port + databaseUrl
        .substring(databaseUrl.lastIndexOf('/')));
    assertThatThrownBy(() -> proxy.url("jdbc:postgresql://localhost/registry"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @Timeout(15)
  @DisplayName("passing forwards queries and counts the open connection and the bytes")
  void passes() {
    assertThat(selectOne(pool)).isEqualTo(1);

    assertThat(proxy.openConnections()).isEqualTo(1);
    assertThat(proxy.bytesForwarded()).isPositive();
  }

  @Test
  @Timeout(15)
  @DisplayName("a delay of 300 ms holds a query back at least that long, and pass() removes it")
  void delays() {
    selectOne(pool);

    proxy.delay(300);
    long delayed = millis(() -> selectOne(pool));
    proxy.pass();
    long passed = millis(() -> selectOne(pool));

    assertThat(delayed).isGreaterThanOrEqualTo(300).isLessThan(5_000);
    assertThat(passed).isLessThan(300);
  }

  @Test
  @Timeout(15)
  @DisplayName("a blackhole stalls queries and new connections, and pass() does not revive what it swallowed")
  void blackholes() throws Exception {
    selectOne(pool);

    proxy.blackhole();
    Future<RowSet<Row>> stalled = pool.query(SELECT_ONE).execute();
    Future<RowSet<Row>> connecting = pool.query(SELECT_ONE).execute();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (proxy.openConnections() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10); // polling interval, bounded by the deadline
    }

    assertThat(proxy.openConnections()).isEqualTo(2);
    assertThat(stalled.isComplete()).as("query on a blackholed connection").isFalse();
    assertThat(connecting.isComplete()).as("query on a connection opened during the blackhole").isFalse();

    proxy.pass();
    assertThat(selectOne(pool)).as("a third connection, opened after pass()").isEqualTo(1);
    Thread.sleep(300);
    assertThat(stalled.isComplete()).isFalse();
    assertThat(connecting.isComplete()).isFalse();

    proxy.resetAll();
    assertThat(failureWithin(stalled, 1_000)).isNotNull();
    assertThat(failureWithin(connecting, 1_000)).isNotNull();
  }

  @Test
  @Timeout(15)
  @DisplayName("refusing closes every connection and refuses connects until accept() reopens the same port")
  void refusesAndAcceptsAgain() {
    selectOne(pool);
    int port = proxy.port();

    proxy.refuse();

    assertThat(proxy.openConnections()).isZero();
    // Closing a listening socket that another thread is blocked on in accept() completes when that thread
    // wakes up (the JDK's deferred close), and a connect to a closed ephemeral port can rarely succeed as a TCP
    // self-connection, or be reset while the close completes: so poll briefly for the refusal rather than expect
    // it on the very first attempt.
    long refusedIn = millis(() -> {
      long deadline = System.nanoTime() + 1_000_000_000L;
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
          Thread.onSpinWait();
        } catch (ConnectException e) {
          refused = true;
        } catch (java.io.IOException e) {
          // reset while the deferred close completes (seen once in a clean-clone run): not yet refused, poll on
          Thread.onSpinWait();
        }
      }
      assertThat(refused).as("connections to the proxy's port are refused").isTrue();
    });
    assertThat(refusedIn).isLessThan(1_000);
    assertThat(failureWithin(pool.query(SELECT_ONE).execute(), 1_000)).isNotNull();
    extraPool = TestRegistry.pool(vertx, proxy.url(databaseUrl));
    assertThat(rootCause(failureWithin(extraPool.query(SELECT_ONE).execute(), 1_000)))
        .isInstanceOf(ConnectException.class);

    proxy.accept();

    assertThat(proxy.port()).isEqualTo(port);
    assertThat(selectOne(pool)).isEqualTo(1);
    assertThat(selectOne(extraPool)).isEqualTo(1);
    assertThat(proxy.openConnections()).isEqualTo(2);
  }

  @Test
  @Timeout(15)
  @DisplayName("resetting fails an in-flight query promptly and the next query gets a new connection")
  void resetsInFlight() {
    selectOne(pool);
    long before = proxy.bytesForwarded();
    Future<RowSet<Row>> sleeping = pool.query("SELECT pg_sleep(10)").execute();
    awaitCondition(() -> proxy.bytesForwarded() > before, Duration.ofSeconds(2));

    proxy.resetAll();

    assertThat(failureWithin(sleeping, 1_000)).isNotNull();
    assertThat(selectOne(pool)).isEqualTo(1);
    assertThat(proxy.openConnections()).isEqualTo(1);
  }

  @Test
  @Timeout(10)
  @DisplayName("a reset reaches the client as a TCP reset, not as an orderly close")
  void resetsWithRst() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 1_000);
      socket.setSoTimeout(2_000);
      awaitCondition(() -> proxy.openConnections() == 1, Duration.ofSeconds(2));

      proxy.resetAll();

      InputStream in = socket.getInputStream();
      assertThatThrownBy(in::read).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      assertThat(proxy.openConnections()).isZero();
    }
  }

  @Test
  @Timeout(15)
  @DisplayName("open connections follow the pool: one per concurrent query, none once the pool is closed")
  void countsConnections() {
    List<Future<RowSet<Row>>> queries = List.of(
        pool.query("SELECT pg_sleep(0.3)").execute(),
        pool.query("SELECT pg_sleep(0.3)").execute(),
        pool.query("SELECT pg_sleep(0.3)").execute());
    queries.forEach(query -> query.await());

    assertThat(proxy.openConnections()).isEqualTo(3);

    pool.close().await();
    awaitCondition(() -> proxy.openConnections() == 0, Duration.ofSeconds(2));
  }

  @Test
  @Timeout(15)
  @DisplayName("closing ends every connection and proxy thread, refuses connects and may be repeated")
  void closesEverything(VertxTestContext testContext) throws InterruptedException {
    selectOne(pool);
    proxy.blackhole();
    Future<RowSet<Row>> stalled = pool.query(SELECT_ONE).execute();
    int port = proxy.port();

    proxy.close();
    proxy.close();

    stalled.onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(proxy.openConnections()).isZero();
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(thread -> thread.getName().startsWith("fault-proxy-" + port + "-"));
      assertThatThrownBy(() -> {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        }
      }).isInstanceOf(ConnectException.class);
      assertThatThrownBy(proxy::accept).isInstanceOf(IllegalStateException.class);
      testContext.completeNow();
    })));
    assertThat(testContext.awaitCompletion(5, TimeUnit.SECONDS)).isTrue();
  }

  private static int selectOne(Pool pool) {
    return pool.query(SELECT_ONE).execute().await().iterator().next().getInteger("one");
  }

  private static long millis(Runnable action) {
    long start = System.nanoTime();
    action.run();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** The failure of {@code future}, which must fail within {@code ms}. */
  private static Throwable failureWithin(Future<?> future, long ms) {
    awaitCondition(future::isComplete, Duration.ofMillis(ms));
    assertThat(future.failed()).as("outcome of %s", future).isTrue();
    return future.cause();
  }

  private static Throwable rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static void awaitCondition(BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within %s", within).isLessThan(deadline);
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
