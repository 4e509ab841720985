package org.openspp.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two consent-filtered clients with disjoint consents, under many concurrent, interleaved requests: neither may
 * ever see the other's registrants, and the field access and extension gating of one client's consents must
 * never leak into the other's responses (through client caches, per-request rendering, shared event loops or
 * anything else). Individuals 1–10 consent to organisation A with field access {@code all} and extensions;
 * individuals 11–20 consent to organisation B with field access {@code basic} and no extensions.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Client isolation under concurrency")
class ClientIsolationTest {

  static final int PEOPLE = 20;
  static final int REQUESTS = 400;
  static final int IN_FLIGHT = 32;
  static final String A = "isolation-a";
  static final String B = "isolation-b";
  static final String SYSTEM = "urn:iso:nid";
  static final Set<String> FULL = Set.of("type", "identifier", "active", "name", "birthDate", "gender", "telecom",
      "address", "meta");
  static final Set<String> BASIC = Set.of("type", "identifier", "active", "name", "meta");

  private static final Logger log = LoggerFactory.getLogger(ClientIsolationTest.class);

  static GatewayHarness gw;
  static WebClient web;
  static String tokenA;
  static String tokenB;

  static String value(int n) {
    return String.format("ISO-%02d", n);
  }

  static String id(int n) {
    return SYSTEM + "|" + value(n);
  }

  static String individual(int n) {
    String v = value(n);
    return "{\"kind\":\"Individual\",\"ref\":\"iso-" + n + "\",\"identifier\":[{\"system\":\"" + SYSTEM
        + "\",\"value\":\"" + v + "\"}],\"active\":true,\"name\":{\"family\":\"FAM-" + v + "\",\"given\":\"Given-" + n
        + "\"},\"birthDate\":\"1990-01-" + String.format("%02d", n) + "\",\"gender\":{\"code\":\"2\",\"display\":\"Female\"},"
        + "\"telecom\":{\"mobile\":\"+63-900-" + n + "\",\"email\":\"p" + n + "@example.org\"},"
        + "\"address\":{\"street\":\"" + n + " Rizal St\",\"city\":\"Manila\",\"country\":\"PH\"},"
        + "\"extension\":{\"farmer\":{\"url\":\"urn:ext:farmer\",\"size\":" + n + "}},"
        + "\"lastUpdated\":\"2026-01-01T00:00:00Z\"}";
  }

  static String consent(int n, String organization, String fieldAccess, boolean extensions) {
    return "{\"kind\":\"Consent\",\"subject\":\"Individual/" + id(n) + "\",\"recipients\":{\"mode\":\"specific\","
        + "\"organizations\":[\"" + organization + "\"]},\"status\":\"given\",\"scopes\":[{\"resourceType\":\"individual\","
        + "\"fieldAccess\":\"" + fieldAccess + "\",\"customFields\":[],\"purpose\":\"purpose-" + organization + "\","
        + "\"includeExtensions\":" + extensions + ",\"allowedExtensions\":[]}]}";
  }

  static List<String> registry() {
    List<String> lines = new ArrayList<>();
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"" + A + "\",\"secret\":\"isolation-a-secret\",\"legalBasis\":\"consent\","
        + "\"organization\":\"org-a\",\"organizationType\":\"ngo\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    lines.add("{\"kind\":\"ApiClient\",\"clientId\":\"" + B + "\",\"secret\":\"isolation-b-secret\",\"legalBasis\":\"\","
        + "\"organization\":\"org-b\",\"organizationType\":\"ngo\",\"scopes\":[\"individual:read\",\"group:read\"]}");
    for (int n = 1; n <= PEOPLE; n++) {
      lines.add(individual(n));
    }
    for (int n = 1; n <= PEOPLE; n++) {
      lines.add(n <= PEOPLE / 2 ? consent(n, "org-a", "all", true) : consent(n, "org-b", "basic", false));
    }
    return lines;
  }

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.startWithLines(vertx, registry(), c -> c);
    web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")
        .setDefaultPort(gw.config.http().port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
    tokenA = gw.token(A);
    tokenB = gw.token(B);
  }

  @AfterAll
  static void stop() {
    web.close();
    gw.stop();
  }

  /** One planned request and what came back. */
  record Exchange(int index, String client, List<String> identifiers, boolean extensions, int status, String body) {
  }

  static JsonObject body(List<String> identifiers, boolean extensions) {
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(new ArrayList<>(identifiers)));
    if (extensions) {
      body.put("_extensions", "*");
    }
    return body;
  }

  /** A random mix of the 20 identifiers (duplicates allowed), sometimes with an unknown one. */
  static List<String> mix(Random random) {
    int size = 1 + random.nextInt(40);
    List<String> ids = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      ids.add(random.nextInt(30) == 0 ? SYSTEM + "|UNKNOWN-" + random.nextInt(5) : id(1 + random.nextInt(PEOPLE)));
    }
    return ids;
  }

  static int owner(String identifier) {
    String v = identifier.substring(identifier.indexOf('|') + 1);
    return v.startsWith("ISO-") ? Integer.parseInt(v.substring(4)) : -1;
  }

  /** Every problem with one exchange, as readable lines (empty when it is right). */
  static List<String> violations(Exchange x) {
    List<String> out = new ArrayList<>();
    String where = "request #" + x.index() + " by " + x.client();
    if (x.status() != 200) {
      out.add(where + ": HTTP " + x.status() + " " + x.body());
      return out;
    }
    JsonObject response = new JsonObject(x.body());
    JsonArray items = response.getJsonArray("items");
    if (items.size() != x.identifiers().size()) {
      out.add(where + ": " + items.size() + " items for " + x.identifiers().size() + " identifiers");
      return out;
    }
    int successes = 0;
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      String requested = x.identifiers().get(i);
      String at = where + " item " + i + " (" + requested + ")";
      if (!requested.equals(item.getString("identifier"))) {
        out.add(at + ": identifier " + item.getString("identifier"));
      }
      int n = owner(requested);
      boolean mine = A.equals(x.client()) ? n >= 1 && n <= PEOPLE / 2 : n > PEOPLE / 2;
      String status = item.getString("status");
      if ("success".equals(status)) {
        successes++;
      }
      if (!mine) {
        if (!"access_denied".equals(status) || item.containsKey("resource")) {
          out.add(at + ": LEAK — not consented to this client but got " + item.encode());
        }
        continue;
      }
      if (!"success".equals(status)) {
        out.add(at + ": own consented individual answered " + item.encode());
        continue;
      }
      JsonObject resource = item.getJsonObject("resource");
      Set<String> expected = new java.util.HashSet<>(A.equals(x.client()) ? FULL : BASIC);
      if (A.equals(x.client()) && x.extensions()) {
        expected.add("extension");
      }
      if (!resource.fieldNames().equals(expected)) {
        out.add(at + ": fields " + resource.fieldNames() + ", expected " + expected
            + (B.equals(x.client()) ? " — field access or extensions of another client leaked" : " — incomplete"));
      }
      JsonArray ids = resource.getJsonArray("identifier");
      String family = resource.getJsonObject("name") == null ? null : resource.getJsonObject("name").getString("family");
      if (ids == null || ids.size() != 1 || !value(n).equals(ids.getJsonObject(0).getString("value"))
          || !("FAM-" + value(n)).equals(family)) {
        out.add(at + ": resource of another registrant " + resource.encode());
      }
      if (A.equals(x.client())) {
        if (!String.format("1990-01-%02d", n).equals(resource.getString("birthDate"))) {
          out.add(at + ": birthDate " + resource.getString("birthDate"));
        }
        if (x.extensions() && (resource.getJsonObject("extension") == null
            || resource.getJsonObject("extension").getJsonObject("farmer") == null
            || resource.getJsonObject("extension").getJsonObject("farmer").getInteger("size") != n)) {
          out.add(at + ": extension " + resource.getValue("extension"));
        }
      }
    }
    if (response.getInteger("total") != items.size() || response.getInteger("successful") != successes
        || response.getInteger("failed") != items.size() - successes) {
      out.add(where + ": counts " + response.getInteger("total") + "/" + response.getInteger("successful") + "/"
          + response.getInteger("failed") + " for " + items.size() + " items, " + successes + " successes");
    }
    return out;
  }

  static Future<HttpResponse<Buffer>> send(String client, JsonObject body) {
    return web.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Authorization", "Bearer " + (A.equals(client) ? tokenA : tokenB))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body.toBuffer());
  }

  @Test
  @DisplayName("baseline, one request at a time: each client sees exactly its own individuals at its own field access")
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void sequentialBaseline() throws Exception {
    List<String> all = new ArrayList<>();
    for (int n = 1; n <= PEOPLE; n++) {
      all.add(id(n));
    }
    List<String> problems = new ArrayList<>();
    int index = 0;
    for (String client : List.of(A, B, A, B)) {
      boolean ext = index % 2 == 0 || index == 3;
      HttpResponse<Buffer> r = send(client, body(all, ext)).toCompletionStage().toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      problems.addAll(violations(new Exchange(index++, client, all, ext, r.statusCode(), r.bodyAsString())));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  @DisplayName("400 interleaved requests, 32 in flight: no cross-client success, no field-access or extension leak")
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void concurrentClientsStayIsolated() throws Exception {
    long seed = Long.getLong("isolation.seed", System.nanoTime());
    Random random = new Random(seed);
    List<Exchange> plan = new ArrayList<>(REQUESTS);
    for (int i = 0; i < REQUESTS; i++) {
      plan.add(new Exchange(i, i % 2 == 0 ? A : B, mix(random), random.nextBoolean(), 0, null));
    }
    ConcurrentLinkedQueue<Exchange> done = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < IN_FLIGHT; w++) {
      workers.add(drive(plan, next, inFlight, maxInFlight, done));
    }
    long started = System.nanoTime();
    Future.all(workers).toCompletionStage().toCompletableFuture().get(100, TimeUnit.SECONDS);
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    List<String> problems = new ArrayList<>();
    long successA = 0;
    long successB = 0;
    for (Exchange x : done) {
      problems.addAll(violations(x));
      if (x.status() == 200) {
        long s = new JsonObject(x.body()).getJsonArray("items").stream()
            .filter(o -> "success".equals(((JsonObject) o).getString("status"))).count();
        if (A.equals(x.client())) {
          successA += s;
        } else {
          successB += s;
        }
      }
    }
    String summary = "seed " + seed + " (-Disolation.seed=" + seed + "), " + done.size() + " exchanges in " + elapsedMs
        + " ms, at most " + maxInFlight.get() + " in flight, successes A=" + successA + " B=" + successB;
    log.info("client isolation: {}", summary);
    assertThat(done).as(summary).hasSize(REQUESTS);
    assertThat(problems).as(summary + "; first problems").hasSize(0);
    assertThat(maxInFlight.get()).as(summary).isGreaterThan(IN_FLIGHT / 2);
    assertThat(successA).as(summary).isPositive();
    assertThat(successB).as(summary).isPositive();
  }

  /** One worker: sends planned requests one after the other until the plan is exhausted. */
  static Future<Void> drive(List<Exchange> plan, AtomicInteger next, AtomicInteger inFlight, AtomicInteger maxInFlight,
      ConcurrentLinkedQueue<Exchange> done) {
    int i = next.getAndIncrement();
    if (i >= plan.size()) {
      return Future.succeededFuture();
    }
    Exchange p = plan.get(i);
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    return send(p.client(), body(p.identifiers(), p.extensions()))
        .transform(ar -> {
          inFlight.decrementAndGet();
          done.add(ar.succeeded()
              ? new Exchange(i, p.client(), p.identifiers(), p.extensions(), ar.result().statusCode(),
                  ar.result().bodyAsString())
              : new Exchange(i, p.client(), p.identifiers(), p.extensions(), -1, String.valueOf(ar.cause())));
          return drive(plan, next, inFlight, maxInFlight, done);
        });
  }
}
