package org.openspp.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A JWKS endpoint on 127.0.0.1 for tests, standing in for an IdP such as Keycloak: serves a mutable key set at
 * {@link #PATH}, counts requests per path, and can answer with an error status, hold requests until released,
 * or be stopped. Start and stop it from test threads (the methods await).
 */
public final class JwksTestServer {

  /** Where the key set is served. */
  public static final String PATH = "/realms/spp/protocol/openid-connect/certs";

  private final Vertx vertx;
  private final AtomicReference<JsonObject> document = new AtomicReference<>(new JsonObject().put("keys", new JsonArray()));
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final AtomicInteger failWithStatus = new AtomicInteger();
  private final AtomicReference<Promise<Void>> gate = new AtomicReference<>();
  private HttpServer server;
  private int port;

  private JwksTestServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts a server on a free loopback port serving {@code keys} (public JWKs as JSON objects). */
  public static JwksTestServer start(Vertx vertx, List<JsonObject> keys) {
    JwksTestServer s = new JwksTestServer(vertx);
    s.setKeys(keys);
    s.listen(0);
    return s;
  }

  private void listen(int onPort) {
    server = vertx.createHttpServer().requestHandler(this::handle);
    port = server.listen(onPort, "127.0.0.1").await().actualPort();
  }

  private void handle(HttpServerRequest request) {
    hits.computeIfAbsent(request.path(), p -> new AtomicInteger()).incrementAndGet();
    Promise<Void> held = gate.get();
    Future<Void> go = held == null ? Future.succeededFuture() : held.future();
    go.onComplete(v -> {
      int status = failWithStatus.get();
      if (!request.path().equals(PATH)) {
        request.response().setStatusCode(404).end();
      } else if (status != 0) {
        request.response().setStatusCode(status).end("{\"error\":\"unavailable\"}");
      } else {
        request.response().putHeader("Content-Type", "application/json").end(document.get().encode());
      }
    });
  }

  /** Replaces the served key set. */
  public void setKeys(List<JsonObject> keys) {
    document.set(new JsonObject().put("keys", new JsonArray(List.copyOf(keys))));
  }

  /** Serves this raw document instead of a key set built by {@link #setKeys}. */
  public void setDocument(JsonObject raw) {
    document.set(raw.copy());
  }

  /** Answers every request with this status (0 = serve normally again). */
  public void failWith(int status) {
    failWithStatus.set(status);
  }

  /** Holds every request from now on until {@link #release()}. */
  public void hold() {
    gate.set(Promise.promise());
  }

  /** Answers the held requests and stops holding. */
  public void release() {
    Promise<Void> held = gate.getAndSet(null);
    if (held != null) {
      vertx.runOnContext(v -> held.tryComplete());
    }
  }

  /** Requests for the key set so far. */
  public int hits() {
    return hits(PATH);
  }

  /** Requests for {@code path} so far. */
  public int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  /** The key-set URL. */
  public String url() {
    return "http://127.0.0.1:" + port + PATH;
  }

  /** A URL on this server that is not the key set (for key-location header tests). */
  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  public int port() {
    return port;
  }

  /** Stops listening: the IdP is down (connections refused). */
  public void stop() {
    release();
    if (server != null) {
      server.close().await();
      server = null;
    }
  }

  /** Listens again on the same port. */
  public void restart() {
    if (server == null) {
      listen(port);
    }
  }
}
