package org.openspp.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * Hostile input against the real gateway over HTTP (spec §2, §3, §9): arbitrary JSON documents, arbitrary byte
 * strings and arbitrary identifier lists, sent by an authorised legal-basis client and by a consent-filtered
 * client. One gateway (fresh database, standard fixture) serves the whole class.
 *
 * <p>Invariants: never a 5xx; every 4xx is RFC 9457 problem+json with all members and never echoes an
 * identifier value; the HTTP status matches an independent oracle of the evaluation order (413 before 400
 * before 422 before 200); every 200 has exactly one item per identifier, byte-equal and in order, with
 * consistent counts and the outcome the fixture dictates. The shared gateway's breakers never open, so that one
 * failing sample cannot turn the following ones into 503s (the breaker itself is exercised by an example on a
 * gateway of its own).
 *
 * <p>The {@code @Example}s pin down, with minimal inputs, what the properties found: identifiers PostgreSQL
 * cannot store, invalid UTF-8 accepted by the parser, one client's input failing another client's requests
 * through the breaker or the audit group commit.
 *
 * <p>When a property fails, the last failing request body is written to {@code target/hostile-input/} so it
 * can be replayed with curl.
 */
@Label("Hostile input never breaks the export contract")
class HostileInputPropertiesTest {

  static final String LEGAL = "legal-client";
  static final String CONSENT = "consent-client";
  static final String EXPORT = GatewayHarness.ExportPaths.EXPORT;
  static final int MAX_BODY = 65_536;
  static final int MAX_DEPTH = 16;
  static final int MAX_IDS = 100;
  static final int MAX_ID_LENGTH = 512;
  static final String CANARY = "CNRY";

  static final String INVALID_FORMAT = "Invalid identifier format. Expected: {system}|{value}";
  static final String TOO_LONG = "Identifier too long";
  static final String AMBIGUOUS = "Identifier matches more than one registrant";
  static final Set<String> ITEM_STATUSES = Set.of("success", "not_found", "access_denied", "error");
  static final Set<String> CATEGORIES = Set.of("authentication", "authorization", "validation", "malformed-request",
      "unsupported-media-type", "payload-too-large", "rate-limited", "not-found", "method-not-allowed",
      "registry-unavailable", "registry-timeout", "server-error");
  static final Pattern PROBLEM_TYPE = Pattern.compile("urn:openspp:error:[a-z-]+");

  /** Live identifiers of the standard fixture and what a legal-basis client gets for each, per type. */
  static final Map<String, String> INDIVIDUAL_ORACLE = Map.of(
      "urn:test:nid|A-1", "success",
      "urn:test:tax|T-1", "success",
      "urn:test:nid|B-1", "success",
      "urn:test:nid|C-1", "success",
      "urn:test:nid|D-1", "success",
      "urn:test:nid|DUP-1", "error",
      "urn:test:nid|SHARED-KIND", "success",
      "urn:test:nid|P|Q|R", "success",
      "urn:test:nid|Ñoño-名前-✓", "success");
  static final Map<String, String> GROUP_ORACLE = Map.of(
      "urn:test:hh|G-1", "success",
      "urn:test:nid|SHARED-KIND", "success",
      "urn:test:hh|G-EMPTY", "success");
  static final List<String> FIXTURE_IDS = List.of("urn:test:nid|A-1", "urn:test:nid|DUP-1", "urn:test:hh|G-1",
      "urn:test:nid|D-1", "urn:test:nid|B-1", "urn:test:nid|C-1", "urn:test:tax|T-1", "urn:test:nid|SHARED-KIND",
      "urn:test:nid|P|Q|R", "urn:test:nid|P", "urn:test:nid|Ñoño-名前-✓", "urn:test:nid|Nono-名前-✓",
      "urn:test:nid|A-OLD", "urn:test:nid|E-GONE", "urn:test:hh|G-EMPTY", "urn:test:nid|a-1", "URN:TEST:NID|A-1",
      " urn:test:nid|A-1", "urn:test:nid|A-1 ", "urn:test:nid|A-1\u0000", "urn:test:nid| A-1");
  /** Words the gateway's own messages contain; an identifier equal to one of them is not an "echo". */
  static final Set<String> SERVER_WORDS = Set.of("Individual", "Group", "identifiers", "application/json");

  /**
   * {@code -Dhostile.scrubKnown=true} keeps the generators away from the characters behind the defects these properties found (fixed since) (U+0000 and unpaired
   * surrogates in strings, and the byte sequences the parser decodes into them; see
   * {@link #unstorableCharactersAreItemsNotOutages} and {@link #invalidUtf8IsMalformed}), to look past them for
   * other failures. Off by default: the properties are meant to find them.
   */
  static final boolean SCRUB_KNOWN = Boolean.getBoolean("hostile.scrubKnown");

  static String scrub(String s) {
    if (!SCRUB_KNOWN) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append('\uFFFD');
      } else {
        sb.append(c == 0 ? (char) 1 : c);
      }
    }
    return sb.toString();
  }

  /** Whether {@code bytes} hold what the known defects are about (only consulted when scrubbing). */
  static boolean touchesKnownDefect(byte[] bytes) {
    String latin = new String(bytes, StandardCharsets.ISO_8859_1).toLowerCase();
    if (latin.contains("\\u0000") || Pattern.compile("\\\\ud[89a-f]").matcher(latin).find()) {
      return true;
    }
    for (int i = 0; i + 1 < bytes.length; i++) {
      int b0 = bytes[i] & 0xff;
      int b1 = bytes[i + 1] & 0xff;
      if ((b0 == 0xc0 && b1 == 0x80) || (b0 == 0xed && b1 >= 0xa0)) {
        return true;
      }
    }
    return false;
  }

  static Vertx vertx;
  static GatewayHarness gw;
  static final Map<String, String> TOKENS = new HashMap<>();

  @BeforeContainer
  static void startGateway() {
    vertx = Vertx.vertx();
    gw = GatewayHarness.start(vertx, GatewayHarness.FIXTURE, HostileInputPropertiesTest::isolatedSamples);
    TOKENS.put(LEGAL, gw.token(LEGAL));
    TOKENS.put(CONSENT, gw.token(CONSENT));
  }

  /**
   * The test configuration with breakers that never open: one sample that makes a registry call fail must be
   * reported (and shrunk) on its own, not open the breaker and turn every later sample into a 503.
   */
  static GatewayConfig isolatedSamples(GatewayConfig c) {
    Map<ResourceType, GatewayConfig.Registry> regs = new EnumMap<>(ResourceType.class);
    c.registries().forEach((type, r) -> regs.put(type, new GatewayConfig.Registry(r.url(), r.poolSize(),
        r.maxWaitQueue(), r.statementTimeoutMs(), r.instances(),
        new GatewayConfig.Breaker(1_000_000, r.breaker().timeoutMs(), r.breaker().resetTimeoutMs()))));
    return new GatewayConfig(c.http(), c.management(), c.db(), regs, c.auth(), c.export(), c.audit());
  }

  @AfterContainer
  static void stopGateway() {
    if (gw != null) {
      gw.stop();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Properties
  // ---------------------------------------------------------------------------------------------------------

  @Property(tries = 300)
  @Label("arbitrary JSON bodies: no 5xx, well-formed problems, status as the evaluation order dictates")
  void arbitraryJsonBodies(@ForAll("jsonBodies") JsonBody body, @ForAll("clients") String client) {
    byte[] bytes = body.bytes();
    int expected = body.expectedStatus();
    HttpResponse<Buffer> r = post(client, "application/json", bytes);
    Statistics.label("status").collect(r.statusCode());
    Statistics.label("kind").collect(body.kind());
    withEvidence("json", bytes, () -> {
      assertNoServerError(r, body + suspects(body.identifierStrings()));
      assertThat(r.statusCode()).as("expected %d for %s; got %s", expected, body, abbreviate(r.bodyAsString()))
          .isEqualTo(expected);
      if (r.statusCode() == 200) {
        assertExportResponse(r, client, identifiersOf(bytes), body.typeName());
      } else {
        assertProblem(r, body.identifierStrings());
      }
    });
  }

  @Property(tries = 250)
  @Label("arbitrary byte strings: no 5xx, well-formed problems, 200s keep the response invariants")
  void arbitraryByteBodies(@ForAll("byteBodies") ByteBody body, @ForAll("contentTypes") String contentType,
      @ForAll("clients") String client) {
    byte[] bytes = body.bytes();
    Assume.that(!SCRUB_KNOWN || !touchesKnownDefect(bytes));
    HttpResponse<Buffer> r = post(client, contentType, bytes);
    Statistics.label("status").collect(r.statusCode());
    Statistics.label("kind").collect(body.kind());
    withEvidence("bytes", bytes, () -> {
      assertNoServerError(r, body.toString());
      if (!isJsonMediaType(contentType)) {
        assertThat(r.statusCode()).as("unsupported content type %s", contentType).isEqualTo(415);
      } else if (bytes.length > MAX_BODY) {
        assertThat(r.statusCode()).isEqualTo(413);
      } else {
        assertThat(r.statusCode()).as(abbreviate(r.bodyAsString())).isIn(200, 400, 422);
      }
      if (r.statusCode() == 200) {
        JsonObject request = new JsonObject(Buffer.buffer(bytes));
        assertExportResponse(r, client, identifiersOf(bytes), request.getString("type"));
      } else {
        assertProblem(r, List.of());
      }
    });
  }

  @Property(tries = 300)
  @Label("arbitrary identifier lists: always 200, one item per identifier in order, outcomes as the fixture says")
  void arbitraryIdentifierLists(@ForAll("identifierLists") List<String> identifiers,
      @ForAll("types") String type, @ForAll("clients") String client, @ForAll("options") Options options) {
    JsonObject request = new JsonObject().put("type", type).put("identifiers", new JsonArray(new ArrayList<>(identifiers)));
    if (options.elements() != null) {
      request.put("_elements", options.elements());
    }
    if (options.extensions() != null) {
      request.put("_extensions", options.extensions());
    }
    byte[] bytes = request.toBuffer().getBytes();
    HttpResponse<Buffer> r = post(client, "application/json", bytes);
    Statistics.label("status").collect(r.statusCode());
    Statistics.label("client").collect(client);
    withEvidence("identifiers", bytes, () -> {
      assertNoServerError(r, abbreviate(request.encode()));
      assertThat(r.statusCode()).as(abbreviate(r.bodyAsString())).isEqualTo(200);
      JsonObject response = assertExportResponse(r, client, identifiers, type);
      JsonArray items = response.getJsonArray("items");
      Map<String, JsonObject> firstItem = new HashMap<>();
      for (int i = 0; i < identifiers.size(); i++) {
        String id = identifiers.get(i);
        JsonObject item = items.getJsonObject(i);
        Statistics.label("item").collect(item.getString("status"));
        assertItemOracle(id, item, type, client, options);
        JsonObject earlier = firstItem.putIfAbsent(id, item);
        if (earlier != null) {
          assertThat(item).as("every occurrence of a duplicated identifier gets the same item").isEqualTo(earlier);
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reproducers of what the properties found (each also falls out of the properties above)
  // ---------------------------------------------------------------------------------------------------------

  /**
   * U+0000 and unpaired surrogates are valid in a JSON string (as escapes) but cannot be stored in PostgreSQL
   * {@code text}: an identifier that carries one must still be an item (it can match nobody), never a failed
   * registry call (503) — whether it is well-formed (goes to the registry) or malformed (only audited).
   */
  @Example
  @Label("identifiers PostgreSQL cannot store (NUL, unpaired surrogates) are items, not registry outages")
  void unstorableCharactersAreItemsNotOutages() {
    List<String> ids = List.of("urn:test:nid|A-1" + (char) 0, (char) 0 + "|x", String.valueOf((char) 0),
        "urn:x|" + (char) 0xD800, "urn:x|" + (char) 0xDC00 + "x", String.valueOf((char) 0xD800),
        "urn:x|" + (char) 0xD800 + "é", "urn:x|" + (char) 0xDBFF + "名");
    List<String> outcomes = new ArrayList<>();
    boolean allOk = true;
    for (String client : List.of(LEGAL, CONSENT)) {
      for (String id : ids) {
        byte[] body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add(id))
            .toBuffer().getBytes();
        HttpResponse<Buffer> r = post(client, "application/json", body);
        boolean ok = r.statusCode() == 200;
        allOk &= ok;
        outcomes.add(client + " " + escapeForDisplay(id) + " -> " + r.statusCode()
            + (ok ? " " + r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("status")
                : " " + r.bodyAsJsonObject().getString("type")));
        if (ok) {
          assertExportResponse(r, client, List.of(id), "Individual");
        }
      }
    }
    assertThat(allOk).as(String.join("\n", outcomes)).isTrue();
  }

  /**
   * A body that is not UTF-8 is not JSON text (RFC 8259 §8.1): overlong forms, encoded surrogates, code points
   * past U+10FFFF and stray bytes are a 400, never decoded into something else (C0 80 is an overlong NUL).
   */
  @Example
  @Label("invalid UTF-8 inside a string is malformed JSON (400)")
  void invalidUtf8IsMalformed() {
    List<byte[]> raws = List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0x80},
        new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xc0, (byte) 0x80},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        new byte[] {(byte) 0xe2, (byte) 0x82});
    List<String> outcomes = new ArrayList<>();
    boolean allOk = true;
    for (byte[] raw : raws) {
      byte[] body = requestWithRawValue("00000000", raw);
      HttpResponse<Buffer> r = post(LEGAL, "application/json", body);
      allOk &= r.statusCode() == 400;
      outcomes.add(new ByteBody("raw", raw) + " -> " + r.statusCode() + " " + (r.statusCode() == 200
          ? "items[1].identifier = " + escapeForDisplay(r.bodyAsJsonObject().getJsonArray("items").getJsonObject(1)
              .getString("identifier"))
          : r.bodyAsJsonObject().getString("type")));
    }
    assertThat(allOk).as(String.join("\n", outcomes)).isTrue();
  }

  /**
   * Audit records of concurrent requests are committed together; one request's identifier that the audit
   * store cannot store (a malformed identifier never reaches the registry, only the audit: U+0000, or an
   * unpaired high surrogate followed by a non-ASCII character, which the driver encodes into invalid UTF-8) must
   * not fail the other requests of its batch. A legal-basis client's ordinary exports, interleaved with a
   * consent-filtered client's poisoned ones, must all be 200.
   */
  @Example
  @Label("one client's unstorable identifier never fails another client's export (audit group commit)")
  void poisonedAuditRecordsDoNotFailOtherClients() throws Exception {
    WebClient wide = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")
        .setDefaultPort(gw.config.http().port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
    List<String> outcomes = new ArrayList<>();
    boolean allOk = true;
    try {
      Buffer clean = new JsonObject().put("type", "Individual")
          .put("identifiers", new JsonArray().add("urn:test:nid|A-1").add("urn:test:nid|B-1")).toBuffer();
      for (String poisonId : List.of(String.valueOf((char) 0), (char) 0xD800 + "é")) {
        Buffer poison = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add(poisonId))
            .toBuffer();
        List<Future<HttpResponse<Buffer>>> victims = new ArrayList<>();
        List<Future<HttpResponse<Buffer>>> hostiles = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
          List<Future<HttpResponse<Buffer>>> wave = new ArrayList<>();
          for (int i = 0; i < 16; i++) {
            boolean hostile = i % 2 == 0;
            Future<HttpResponse<Buffer>> f = wide.post(EXPORT)
                .putHeader("Authorization", "Bearer " + TOKENS.get(hostile ? CONSENT : LEGAL))
                .putHeader("Content-Type", "application/json").sendBuffer(hostile ? poison : clean);
            wave.add(f);
            (hostile ? hostiles : victims).add(f);
          }
          Future.join(wave).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        long failedVictims = victims.stream().filter(f -> f.result().statusCode() != 200).count();
        long failedHostiles = hostiles.stream().filter(f -> f.result().statusCode() != 200).count();
        allOk &= failedVictims == 0;
        outcomes.add("poison " + escapeForDisplay(poisonId) + ": " + failedVictims + " of " + victims.size()
            + " ordinary legal-client exports failed (" + failedHostiles + " of " + hostiles.size()
            + " poisoned requests failed); e.g. " + victims.stream().filter(f -> f.result().statusCode() != 200)
            .map(f -> f.result().statusCode() + " " + f.result().bodyAsJsonObject().getString("detail"))
            .findFirst().orElse("-"));
      }
    } finally {
      wide.close();
    }
    assertThat(allOk).as(String.join("\n", outcomes)).isTrue();
  }

  /**
   * Identifiers match exactly (spec §3: no decoding). An unpaired surrogate cannot be sent to PostgreSQL as
   * such; it must never be replaced by another character and then match a registrant holding that character.
   * Runs on its own registry (a registrant {@code urn:q|A?}) and its own Vert.x instance.
   */
  @Example
  @Label("an identifier with an unpaired surrogate never matches a different registrant")
  void unpairedSurrogateNeverMatchesAnotherIdentifier() {
    Vertx ownVertx = Vertx.vertx();
    GatewayHarness own = GatewayHarness.startWithLines(ownVertx, List.of(
        "{\"kind\":\"ApiClient\",\"clientId\":\"" + LEGAL + "\",\"secret\":\"legal-client-secret\","
            + "\"legalBasis\":\"public_task\",\"organization\":\"org-dswd\",\"organizationType\":\"government\","
            + "\"scopes\":[\"individual:read\"]}",
        "{\"kind\":\"Individual\",\"ref\":\"q\",\"identifier\":[{\"system\":\"urn:q\",\"value\":\"A?\"}],"
            + "\"active\":true,\"name\":{\"family\":\"QUESTION\"},\"lastUpdated\":\"2026-01-01T00:00:00Z\"}"),
        c -> c);
    try {
      List<String> ids = List.of("urn:q|A" + (char) 0xD800, "urn:q|A" + (char) 0xDFFF, "urn:q|A?");
      HttpResponse<Buffer> r = await(own.export(LEGAL, new JsonObject().put("type", "Individual")
          .put("identifiers", new JsonArray(new ArrayList<>(ids)))));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
      List<String> statuses = new ArrayList<>();
      items.forEach(o -> statuses.add(((JsonObject) o).getString("status")));
      assertThat(statuses).as("urn:q|A\\ud800, urn:q|A\\udfff, urn:q|A? -> %s", statuses)
          .containsExactly("not_found", "not_found", "success");
    } finally {
      own.stop();
      ownVertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
  }

  /**
   * The registry breaker must count registry failures, not requests the gateway should never have sent: six
   * requests by any client with an identifier PostgreSQL refuses (U+0000; an unpaired high surrogate followed
   * by a non-ASCII character, which the driver encodes into invalid UTF-8) must not take the Individual
   * registry away from everyone. Each poison runs on its own gateway with the default breaker (5 failures), on
   * its own Vert.x instance (gateways sharing one instance would share its event bus, and so their resolvers).
   */
  @Example
  @Label("requests with identifiers the registry refuses do not open the breaker for other clients")
  void refusedIdentifiersDoNotOpenTheBreakerForEveryone() {
    List<String> poisons = List.of("x|" + (char) 0, "x|" + (char) 0xD800 + "é");
    List<String> outcomes = new ArrayList<>();
    boolean allOk = true;
    for (String poison : poisons) {
      Vertx ownVertx = Vertx.vertx();
      GatewayHarness own = GatewayHarness.start(ownVertx);
      try {
        Buffer body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add(poison))
            .toBuffer();
        String hostile = own.token(CONSENT);
        List<Integer> poisonStatuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          poisonStatuses.add(await(own.client.post(EXPORT).putHeader("Authorization", "Bearer " + hostile)
              .putHeader("Content-Type", "application/json").sendBuffer(body)).statusCode());
        }
        HttpResponse<Buffer> victim = await(own.export(LEGAL, new JsonObject().put("type", "Individual")
            .put("identifiers", new JsonArray().add("urn:test:nid|A-1"))));
        allOk &= victim.statusCode() == 200;
        outcomes.add("6 x consent-client " + escapeForDisplay(poison) + " -> " + poisonStatuses
            + "; then legal-client urn:test:nid|A-1 -> " + victim.statusCode()
            + (victim.statusCode() == 200 ? "" : " " + victim.bodyAsJsonObject().getString("detail")));
      } finally {
        own.stop();
        ownVertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
      }
    }
    assertThat(allOk).as(String.join("\n", outcomes)).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Checks
  // ---------------------------------------------------------------------------------------------------------

  static HttpResponse<Buffer> post(String client, String contentType, byte[] body) {
    HttpRequest<Buffer> req = gw.client.post(EXPORT).putHeader("Authorization", "Bearer " + TOKENS.get(client));
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return await(req.sendBuffer(Buffer.buffer(body)));
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("request did not complete: " + e, e);
    }
  }

  /** The identifiers holding invisible or troublesome characters (controls, unpaired surrogates, format). */
  static String suspects(List<String> identifiers) {
    List<String> out = new ArrayList<>();
    for (String id : identifiers) {
      String shown = escapeForDisplay(id);
      if (!shown.equals(id) && shown.contains("\\u")) {
        out.add(shown);
      }
    }
    return out.isEmpty() ? "" : "\n  identifiers with controls, unpaired surrogates or invisibles: " + out;
  }

  static void assertNoServerError(HttpResponse<Buffer> r, String request) {
    assertThat(r.statusCode()).as("5xx for %s: %s", request, abbreviate(r.bodyAsString())).isLessThan(500);
    assertThat(r.getHeader("X-API-Version")).isEqualTo("2.0.0");
    assertThat(r.getHeader("X-Request-Id")).isNotBlank();
  }

  /** RFC 9457 shape (spec §2) and no echo of any identifier value, token, SQL or trace. */
  static void assertProblem(HttpResponse<Buffer> r, List<String> identifiers) {
    int status = r.statusCode();
    assertThat(status).isBetween(400, 499);
    assertThat(mediaType(r.getHeader("Content-Type"))).isEqualTo("application/problem+json");
    String text = r.bodyAsString();
    JsonObject p = new JsonObject(text);
    assertThat(p.getString("type")).matches(PROBLEM_TYPE);
    assertThat(p.getString("type").substring("urn:openspp:error:".length())).isIn(CATEGORIES);
    assertThat(p.getString("title")).isNotBlank();
    assertThat(p.getValue("status")).isEqualTo(status);
    assertThat(p.getString("detail")).isNotBlank();
    assertThat(p.getString("instance")).isEqualTo(EXPORT);
    assertThat(p.getString("requestId")).isNotBlank().isEqualTo(r.getHeader("X-Request-Id"));
    if (status == 400 || status == 422) {
      assertThat(p.getJsonArray("errors")).isNotEmpty();
      for (Object e : p.getJsonArray("errors")) {
        JsonObject fe = (JsonObject) e;
        assertThat(fe.getString("field")).isNotNull();
        assertThat(fe.getString("code")).isNotBlank();
        assertThat(fe.getString("message")).isNotBlank();
      }
    }
    assertThat(text).doesNotContain(CANARY).doesNotContain("Exception").doesNotContain("at org.")
        .doesNotContain("at com.").doesNotContain("SELECT").doesNotContain(TOKENS.get(LEGAL))
        .doesNotContain(TOKENS.get(CONSENT));
    List<String> strings = new ArrayList<>();
    collectStrings(p, strings);
    for (String id : identifiers) {
      if (id.length() >= 8 && !SERVER_WORDS.contains(id)) {
        assertThat(text).as("problem body echoes an identifier").doesNotContain(id);
        for (String s : strings) {
          assertThat(s).as("problem member echoes an identifier").doesNotContain(id);
        }
      }
    }
  }

  static void collectStrings(Object o, List<String> out) {
    if (o instanceof JsonObject obj) {
      obj.forEach(e -> {
        out.add(e.getKey());
        collectStrings(e.getValue(), out);
      });
    } else if (o instanceof JsonArray arr) {
      arr.forEach(v -> collectStrings(v, out));
    } else if (o instanceof String s) {
      out.add(s);
    }
  }

  /** Spec §9 for a 200: one item per identifier, byte-equal, in order; counts; resource/error exclusivity. */
  static JsonObject assertExportResponse(HttpResponse<Buffer> r, String client, List<String> identifiers,
      String type) {
    assertThat(mediaType(r.getHeader("Content-Type"))).isEqualTo("application/json");
    JsonObject response = r.bodyAsJsonObject();
    assertThat(response.fieldNames()).containsExactlyInAnyOrder("total", "successful", "failed", "items");
    JsonArray items = response.getJsonArray("items");
    assertThat(items.size()).isEqualTo(identifiers.size());
    int successes = 0;
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      String expected = identifiers.get(i);
      String actual = item.getString("identifier");
      assertThat(actual).as("items[%d].identifier", i).isEqualTo(expected);
      assertThat(actual.getBytes(StandardCharsets.UTF_8)).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
      String status = item.getString("status");
      assertThat(status).isIn(ITEM_STATUSES);
      assertThat(item.containsKey("_consent")).isFalse();
      if ("success".equals(status)) {
        successes++;
        assertThat(item.getValue("resource")).isInstanceOf(JsonObject.class);
        assertThat(item.containsKey("error")).isFalse();
        assertThat(item.getJsonObject("resource").getString("type")).isEqualTo(type);
      } else {
        assertThat(item.containsKey("resource")).isFalse();
        assertThat(item.getString("error")).isNotBlank();
      }
      if (CONSENT.equals(client)) {
        assertThat(status).as("a consent-filtered client never sees not_found").isNotEqualTo("not_found");
      }
    }
    assertThat(response.getInteger("total")).isEqualTo(items.size());
    assertThat(response.getInteger("successful")).isEqualTo(successes);
    assertThat(response.getInteger("successful") + response.getInteger("failed")).isEqualTo(items.size());
    return response;
  }

  /** The outcome the fixture dictates for one identifier (spec §3, §5.3). */
  static void assertItemOracle(String id, JsonObject item, String type, String client, Options options) {
    String status = item.getString("status");
    String error = item.getString("error");
    int codePoints = id.codePointCount(0, id.length());
    if (id.length() > MAX_ID_LENGTH && codePoints > MAX_ID_LENGTH) {
      assertThat(status).isEqualTo("error");
      assertThat(error).isIn(TOO_LONG, INVALID_FORMAT);
      return;
    }
    if (id.length() > MAX_ID_LENGTH) {
      return; // over 512 UTF-16 units but not over 512 code points: the spec does not say which counts
    }
    int bar = id.indexOf('|');
    if (bar <= 0 || bar == id.length() - 1) {
      assertThat(status).isEqualTo("error");
      assertThat(error).isEqualTo(INVALID_FORMAT);
      return;
    }
    boolean filtered = CONSENT.equals(client);
    String legal = ("Individual".equals(type) ? INDIVIDUAL_ORACLE : GROUP_ORACLE).getOrDefault(id, "not_found");
    if (filtered) {
      // the fixture has no consents at all: every well-formed identifier is denied, found or not
      assertThat(status).as(id).isEqualTo("access_denied");
      assertThat(error).isEqualTo("Access denied");
      return;
    }
    assertThat(status).as(id).isEqualTo(legal);
    switch (legal) {
      case "not_found" -> assertThat(error).isEqualTo(type + " not found");
      case "error" -> assertThat(error).isEqualTo(AMBIGUOUS);
      default -> {
        JsonObject resource = item.getJsonObject("resource");
        JsonArray ids = resource.getJsonArray("identifier");
        assertThat(ids).as("type and identifier are always returned whole").isNotNull();
        JsonObject requested = new JsonObject().put("system", id.substring(0, bar)).put("value", id.substring(bar + 1));
        assertThat(ids.stream().map(o -> new JsonObject().put("system", ((JsonObject) o).getString("system"))
            .put("value", ((JsonObject) o).getString("value")))).contains(requested);
        if (options.elements() == null) {
          assertThat(resource.containsKey("meta")).isTrue();
        }
      }
    }
  }

  static List<String> identifiersOf(byte[] body) {
    JsonArray arr = new JsonObject(Buffer.buffer(body)).getJsonArray("identifiers");
    List<String> out = new ArrayList<>();
    arr.forEach(o -> out.add((String) o));
    return out;
  }

  static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase();
  }

  static boolean isJsonMediaType(String contentType) {
    String media = mediaType(contentType);
    return media != null && (media.equals("application/json")
        || (media.startsWith("application/") && media.endsWith("+json") && media.length() > "application/+json".length()));
  }

  /** Runs {@code checks}; on failure stores the request body under target/hostile-input/ and names the file. */
  static void withEvidence(String property, byte[] body, Runnable checks) {
    try {
      checks.run();
    } catch (AssertionError e) {
      Path dir = Path.of("target", "hostile-input");
      Path file = dir.resolve(property + "-last-failure.bin");
      try {
        Files.createDirectories(dir);
        Files.write(file, body);
      } catch (IOException io) {
        e.addSuppressed(io);
      }
      AssertionError wrapped = new AssertionError(e.getMessage() + "\n(request body: " + file.toAbsolutePath()
          + ", " + body.length + " bytes)", e);
      throw wrapped;
    }
  }

  static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    String escaped = escapeForDisplay(s.length() > 600 ? s.substring(0, 600) : s);
    return s.length() > 600 ? escaped + "…(" + s.length() + " chars)" : escaped;
  }

  static String escapeForDisplay(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1));
      if (pairedHigh) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isISOControl(c) || Character.isSurrogate(c) || !Character.isDefined(c)
          || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.PRIVATE_USE
          || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------------------
  // A JSON model that can express what JsonObject cannot: duplicate keys, exact number texts, escapes
  // ---------------------------------------------------------------------------------------------------------

  sealed interface J permits JObj, JArr, JStr, JNum, JLit {
  }

  record JObj(List<Map.Entry<String, J>> entries) implements J {
  }

  record JArr(List<J> items) implements J {
  }

  /** A string; {@code escapeAll} writes every non-ASCII character as a {@code \\uXXXX} escape. */
  record JStr(String value, boolean escapeAll) implements J {
  }

  record JNum(String text) implements J {
  }

  record JLit(String text) implements J {
  }

  static void write(StringBuilder sb, J j, String ws) {
    if (j instanceof JObj o) {
      sb.append('{').append(ws);
      for (int i = 0; i < o.entries().size(); i++) {
        if (i > 0) {
          sb.append(',').append(ws);
        }
        writeString(sb, o.entries().get(i).getKey(), false);
        sb.append(ws).append(':').append(ws);
        write(sb, o.entries().get(i).getValue(), ws);
      }
      sb.append(ws).append('}');
    } else if (j instanceof JArr a) {
      sb.append('[').append(ws);
      for (int i = 0; i < a.items().size(); i++) {
        if (i > 0) {
          sb.append(',').append(ws);
        }
        write(sb, a.items().get(i), ws);
      }
      sb.append(ws).append(']');
    } else if (j instanceof JStr s) {
      writeString(sb, s.value(), s.escapeAll());
    } else if (j instanceof JNum n) {
      sb.append(n.text());
    } else {
      sb.append(((JLit) j).text());
    }
  }

  /** Always valid JSON: controls, quotes, backslashes and unpaired surrogates are escaped. */
  static void writeString(StringBuilder sb, String s, boolean escapeAll) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      if (c == '"') {
        sb.append("\\\"");
      } else if (c == '\\') {
        sb.append("\\\\");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x20 || (escapeAll && c > 0x7e)) {
        sb.append(String.format("\\u%04X", (int) c));
      } else if (Character.isSurrogate(c)) {
        if (paired && !escapeAll) {
          sb.append(c).append(s.charAt(++i));
        } else {
          sb.append(String.format("\\u%04X", (int) c));
        }
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  static int depth(J j) {
    if (j instanceof JObj o) {
      return 1 + o.entries().stream().mapToInt(e -> depth(e.getValue())).max().orElse(0);
    }
    if (j instanceof JArr a) {
      return 1 + a.items().stream().mapToInt(HostileInputPropertiesTest::depth).max().orElse(0);
    }
    return 0;
  }

  static boolean hasDuplicateKeys(J j) {
    if (j instanceof JObj o) {
      Set<String> seen = new HashSet<>();
      boolean dup = false;
      for (Map.Entry<String, J> e : o.entries()) {
        dup |= !seen.add(e.getKey()) || hasDuplicateKeys(e.getValue());
      }
      return dup;
    }
    if (j instanceof JArr a) {
      return a.items().stream().anyMatch(HostileInputPropertiesTest::hasDuplicateKeys);
    }
    return false;
  }

  static boolean hasOverlongNumber(J j) {
    if (j instanceof JObj o) {
      return o.entries().stream().anyMatch(e -> hasOverlongNumber(e.getValue()));
    }
    if (j instanceof JArr a) {
      return a.items().stream().anyMatch(HostileInputPropertiesTest::hasOverlongNumber);
    }
    return j instanceof JNum n && n.text().length() > 64;
  }

  static void forEachIdentifierString(J j, boolean underIdentifiers, Consumer<String> sink) {
    if (j instanceof JObj o) {
      o.entries().forEach(e -> forEachIdentifierString(e.getValue(), e.getKey().equals("identifiers"), sink));
    } else if (j instanceof JArr a) {
      a.items().forEach(v -> forEachIdentifierString(v, underIdentifiers, sink));
    } else if (j instanceof JStr s && underIdentifiers) {
      sink.accept(s.value());
    }
  }

  /** A generated JSON document, how it is written, and the status the evaluation order of §2 dictates. */
  record JsonBody(String kind, J root, String ws) {

    byte[] bytes() {
      StringBuilder sb = new StringBuilder();
      write(sb, root, ws);
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    int expectedStatus() {
      if (bytes().length > MAX_BODY) {
        return 413;
      }
      if (depth(root) > MAX_DEPTH || hasDuplicateKeys(root) || hasOverlongNumber(root)) {
        return 400;
      }
      if (!(root instanceof JObj o)) {
        return 422;
      }
      Map<String, J> last = new HashMap<>();
      o.entries().forEach(e -> last.put(e.getKey(), e.getValue()));
      boolean ok = last.get("type") instanceof JStr t && (t.value().equals("Individual") || t.value().equals("Group"));
      ok &= last.get("identifiers") instanceof JArr a && !a.items().isEmpty() && a.items().size() <= MAX_IDS
          && a.items().stream().allMatch(v -> v instanceof JStr);
      for (String key : List.of("_elements", "elements", "_extensions", "extensions")) {
        J v = last.get(key);
        ok &= v == null || v instanceof JStr || (v instanceof JLit l && l.text().equals("null"));
      }
      return ok ? 200 : 422;
    }

    String typeName() {
      return root instanceof JObj o ? o.entries().stream().filter(e -> e.getKey().equals("type"))
          .map(e -> e.getValue() instanceof JStr s ? s.value() : null).reduce((a, b) -> b).orElse(null) : null;
    }

    List<String> identifierStrings() {
      List<String> out = new ArrayList<>();
      forEachIdentifierString(root, false, out::add);
      return out;
    }

    @Override
    public String toString() {
      byte[] b = bytes();
      String text = new String(b, StandardCharsets.UTF_8);
      return kind + " (" + b.length + " bytes, depth " + depth(root) + "): " + abbreviate(text);
    }
  }

  /** A generated byte string. */
  record ByteBody(String kind, byte[] bytes) {

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(kind).append(" (").append(bytes.length).append(" bytes): ");
      for (int i = 0; i < Math.min(bytes.length, 300); i++) {
        int b = bytes[i] & 0xff;
        if (b >= 0x20 && b < 0x7f && b != '\\') {
          sb.append((char) b);
        } else {
          sb.append(String.format("\\x%02x", b));
        }
      }
      return bytes.length > 300 ? sb.append("…").toString() : sb.toString();
    }
  }

  /** Optional {@code _elements} and {@code _extensions} sent along with an identifier list. */
  record Options(String elements, String extensions) {
  }

  // ---------------------------------------------------------------------------------------------------------
  // Generators
  // ---------------------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<String> clients() {
    return Arbitraries.frequency(Tuple.of(3, LEGAL), Tuple.of(1, CONSENT));
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.of("Individual", "Group");
  }

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.frequency(
        Tuple.of(12, "application/json"),
        Tuple.of(2, "application/fhir+json"),
        Tuple.of(2, "application/json; charset=utf-8"),
        Tuple.of(1, "APPLICATION/JSON;charset=ISO-8859-1"),
        Tuple.of(1, "text/plain"),
        Tuple.of(1, "application/x-www-form-urlencoded"),
        Tuple.of(1, "application/+json"),
        Tuple.of(1, "json"));
  }

  @Provide
  Arbitrary<Options> options() {
    Arbitrary<String> hostile = Arbitraries.oneOf(
        Arbitraries.of("*", ",", ",,,", " ", "", "identifier", "identifier.value", "name.family,telecom",
            "a..b", ".", "..", "name.", ".name", "extension.*", "__proto__", "meta.versionId,meta",
            "farmer,disability,*", "birthDate , gender.coding.code"),
        unicodeText(0, 40));
    Arbitrary<String> maybe = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.<String>just(null)), Tuple.of(1, hostile));
    return Combinators.combine(maybe, maybe).as(Options::new);
  }

  /** Code points: printable ASCII, controls (NUL included), BMP, supplementary planes and JSON/URL specials. */
  static Arbitrary<Integer> codePoint() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.integers().between(0x20, 0x7e)),
        Tuple.of(1, Arbitraries.integers().between(0x00, 0x1f)),
        Tuple.of(1, Arbitraries.of(0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xad, 0x2028, 0x2029, 0x200b, 0x200e, 0xfeff,
            0xfffd, 0xfffe, 0xffff, 0x10ffff, 0x1f600, 0x0301, (int) '|', (int) '"', (int) '\\', (int) '%',
            (int) '$', (int) '\'')),
        Tuple.of(2, Arbitraries.integers().between(0xa0, 0xd7ff)),
        Tuple.of(1, Arbitraries.integers().between(0xe000, 0xfffd)),
        Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10ffff)));
  }

  /** Valid Unicode text (no unpaired surrogates) of {@code min..max} code points. */
  static Arbitrary<String> unicodeText(int min, int max) {
    return codePoint().list().ofMinSize(min).ofMaxSize(max).map(cps -> {
      StringBuilder sb = new StringBuilder();
      cps.forEach(sb::appendCodePoint);
      return sb.toString();
    });
  }

  /** One requested identifier: fixture ids and their near misses, random, malformed, canaries, 500–600 chars. */
  static Arbitrary<String> identifier() {
    Arbitrary<String> system = Arbitraries.oneOf(Arbitraries.of("urn:test:nid", "urn:test:hh", "urn:test:tax", "urn:x"),
        unicodeText(1, 20).filter(s -> !s.contains("|")));
    Arbitrary<String> withBar = Combinators.combine(system, unicodeText(1, 30)).as((s, v) -> s + "|" + v);
    Arbitrary<String> withoutBar = unicodeText(1, 30).map(s -> s.replace('|', '/'));
    Arbitrary<String> canary = Arbitraries.strings().numeric().ofLength(8).map(d -> "urn:canary|" + CANARY + d);
    Arbitrary<String> edge = Arbitraries.of("", "|", "||", "|x", "x|", "urn:test:nid|", "|A-1", "a|b", "a||b",
        "\u0000|\u0000", "urn:test:nid|\u0000", "\t|\n", " | ");
    Arbitrary<String> longOnes = Combinators.combine(
            Arbitraries.of("urn:test:nid|", "urn:x|", "", "no-bar-"),
            Arbitraries.integers().between(490, 600),
            Arbitraries.of('x', 'A', '|', '9'),
            Arbitraries.of("", "é", "名", "\uD83D\uDE00", "\u0000"))
        .as((prefix, n, fill, tail) -> {
          String body = prefix + String.valueOf(fill).repeat(Math.max(0, n - prefix.length() - tail.length()));
          return body + tail;
        });
    Arbitrary<String> exactBoundary = Arbitraries.of(511, 512, 513).map(n -> {
      String prefix = "urn:test:nid|";
      return prefix + "y".repeat(n - prefix.length());
    });
    return Arbitraries.<String>frequencyOf(
        Tuple.of(5, Arbitraries.of(FIXTURE_IDS)),
        Tuple.of(5, withBar),
        Tuple.of(2, withoutBar),
        Tuple.of(1, edge),
        Tuple.of(1, canary),
        Tuple.of(1, longOnes),
        Tuple.of(1, exactBoundary)).map(HostileInputPropertiesTest::scrub);
  }

  @Provide
  Arbitrary<List<String>> identifierLists() {
    Arbitrary<List<String>> small = identifier().list().ofMinSize(1).ofMaxSize(10);
    Arbitrary<List<String>> large = identifier().list().ofMinSize(11).ofMaxSize(MAX_IDS);
    Arbitrary<List<String>> full = identifier().list().ofSize(MAX_IDS);
    return Arbitraries.frequencyOf(Tuple.of(3, small), Tuple.of(3, large), Tuple.of(1, full))
        .filter(ids -> new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(new ArrayList<>(ids)))
            .toBuffer().length() <= MAX_BODY - 600);
  }

  // JSON documents -------------------------------------------------------------------------------------------

  static Arbitrary<J> jsonString() {
    Arbitrary<String> text = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().ascii().ofMaxLength(20)),
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(20)), // includes unpaired surrogates
        Tuple.of(2, unicodeText(0, 20)),
        Tuple.of(2, Arbitraries.of("Individual", "Group", "individual", "", "null", "true", "{}", "\\u0000")),
        Tuple.of(2, identifier()),
        Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(100).ofMaxLength(3000)))
        .map(HostileInputPropertiesTest::scrub);
    return Combinators.combine(text, Arbitraries.frequency(Tuple.of(4, false), Tuple.of(1, true)))
        .as((v, e) -> (J) new JStr(v, e));
  }

  static Arbitrary<J> jsonNumber() {
    Arbitrary<String> text = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.longs().map(Object::toString)),
        Tuple.of(2, Arbitraries.doubles().between(-1e300, 1e300).map(Object::toString)),
        Tuple.of(1, Arbitraries.of("0", "-0", "0.0", "-0.0e-0", "1e999", "-1E-999", "1.5E+308", "4.9e-324",
            "123456789012345678901234567890", "0.1234567890123456789012345678901234567890", "9223372036854775808")),
        Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(80).ofMaxLength(2000).map(d -> "1" + d)),
        Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(80).ofMaxLength(500).map(d -> "0." + d + "e5")));
    return text.map(t -> (J) new JNum(t));
  }

  static Arbitrary<J> leaf() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, jsonString()),
        Tuple.of(3, jsonNumber()),
        Tuple.of(2, Arbitraries.of("true", "false", "null").map(t -> (J) new JLit(t))));
  }

  static Arbitrary<String> key() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of("type", "identifiers", "_elements", "_extensions", "elements", "extensions",
            "Type", "TYPE", "type ", " type", "identifiers\u0000", "identifier", "", "a", "__proto__", "$ref",
            "\uFEFFtype", "ｔｙｐｅ")),
        Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(8)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(8))).map(HostileInputPropertiesTest::scrub);
  }

  static Arbitrary<J> value(int depth) {
    if (depth <= 0) {
      return leaf();
    }
    return Arbitraries.frequencyOf(
        Tuple.of(5, leaf()),
        Tuple.of(2, Arbitraries.lazy(() -> value(depth - 1)).list().ofMaxSize(5).map(l -> (J) new JArr(l))),
        Tuple.of(2, entries(depth - 1, 5).map(l -> (J) new JObj(l))));
  }

  static Arbitrary<List<Map.Entry<String, J>>> entries(int depth, int max) {
    return Combinators.combine(key(), Arbitraries.lazy(() -> value(depth))).as(Map::entry).list().ofMaxSize(max);
  }

  /** Something close to a request: a type, identifiers of every sort, options, unknown keys, in any order. */
  static Arbitrary<JObj> requestLike() {
    Arbitrary<J> identifierStrings = Arbitraries.frequencyOf(
        Tuple.of(4, identifier().map(s -> (J) new JStr(s, false))),
        Tuple.of(1, identifier().map(s -> (J) new JStr(s, true))),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(12).map(s -> (J) new JStr("urn:x|" + scrub(s), false))));
    Arbitrary<J> typeValue = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of("Individual", "Group").map(s -> (J) new JStr(s, false))),
        Tuple.of(1, Arbitraries.of("Individual", "Group").map(s -> (J) new JStr(s, true))),
        Tuple.of(2, Arbitraries.of("individual", "GROUP", "Individual ", " Group", "Individual\u0000", "",
            "Household", "Individual\uD800").map(s -> (J) new JStr(s, false))),
        Tuple.of(1, value(2)));
    Arbitrary<J> identifiersValue = Arbitraries.frequencyOf(
        Tuple.of(8, identifierStrings.list().ofMinSize(1).ofMaxSize(30).map(l -> (J) new JArr(l))),
        Tuple.of(1, identifierStrings.list().ofMinSize(90).ofMaxSize(110).map(l -> (J) new JArr(l))),
        Tuple.of(2, Arbitraries.oneOf(identifierStrings, leaf()).list().ofMinSize(1).ofMaxSize(10)
            .map(l -> (J) new JArr(l))),
        Tuple.of(1, Arbitraries.<J>just(new JArr(List.of()))),
        Tuple.of(1, value(3)));
    Arbitrary<J> option = Arbitraries.frequencyOf(
        Tuple.of(3, jsonString()),
        Tuple.of(1, Arbitraries.<J>just(new JLit("null"))),
        Tuple.of(1, leaf()),
        Tuple.of(1, value(2)));
    Arbitrary<List<Map.Entry<String, J>>> optionEntries = Combinators.combine(
            Arbitraries.of("_elements", "elements", "_extensions", "extensions"), option)
        .as(Map::entry).list().ofMaxSize(2);
    Arbitrary<Boolean> present = Arbitraries.frequency(Tuple.of(9, true), Tuple.of(1, false));
    return Combinators.combine(present, typeValue, present, identifiersValue, optionEntries, entries(4, 3),
            Arbitraries.integers().between(0, 5))
        .as((hasType, type, hasIds, ids, opts, extras, order) -> {
          List<Map.Entry<String, J>> all = new ArrayList<>();
          if (hasType) {
            all.add(Map.entry("type", type));
          }
          if (hasIds) {
            all.add(Map.entry("identifiers", ids));
          }
          all.addAll(opts);
          all.addAll(extras);
          // a deterministic permutation chosen by 'order', so shrinking stays meaningful
          List<Map.Entry<String, J>> ordered = new ArrayList<>();
          while (!all.isEmpty()) {
            ordered.add(all.remove((order * 7 + ordered.size()) % all.size()));
          }
          return new JObj(ordered);
        });
  }

  /** Wraps {@code inner} in {@code levels} alternating arrays and objects. */
  static J nest(List<Boolean> levels, J inner) {
    J current = inner;
    for (Boolean array : levels) {
      current = array ? new JArr(List.of(current)) : new JObj(List.of(Map.entry("n", current)));
    }
    return current;
  }

  static JObj with(JObj base, String key, J value, boolean first) {
    List<Map.Entry<String, J>> entries = new ArrayList<>(base.entries());
    if (first) {
      entries.add(0, Map.entry(key, value));
    } else {
      entries.add(Map.entry(key, value));
    }
    return new JObj(entries);
  }

  @Provide
  Arbitrary<JsonBody> jsonBodies() {
    Arbitrary<String> ws = Arbitraries.frequency(Tuple.of(6, ""), Tuple.of(1, " "), Tuple.of(1, "\n"),
        Tuple.of(1, "\t"), Tuple.of(1, "\r\n  "));
    Arbitrary<JsonBody> request = Combinators.combine(requestLike(), ws).as((o, w) -> new JsonBody("request", o, w));
    Arbitrary<JsonBody> anyValue = Combinators.combine(value(6), ws).as((v, w) -> new JsonBody("any", v, w));
    Arbitrary<JsonBody> deep = Combinators.combine(requestLike(), Arbitraries.of(true, false).list().ofMinSize(12)
            .ofMaxSize(21), Arbitraries.oneOf(leaf(), Arbitraries.<J>just(new JArr(List.of()))), Arbitraries.of(true, false))
        .as((o, levels, inner, first) -> new JsonBody("deep", with(o, "x", nest(levels, inner), first), ""));
    Arbitrary<JsonBody> deepRoot = Combinators.combine(Arbitraries.of(true, false).list().ofMinSize(12).ofMaxSize(21),
            leaf())
        .as((levels, inner) -> new JsonBody("deep-root", nest(levels, inner), ""));
    Arbitrary<J> padding = Arbitraries.oneOf(
        Arbitraries.integers().between(20_000, 80_000).map(n -> (J) new JStr("p".repeat(n), false)),
        Arbitraries.integers().between(3_000, 14_000).map(n -> {
          List<J> many = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            many.add(new JNum(Integer.toString(i % 10)));
          }
          return (J) new JArr(many);
        }),
        Arbitraries.integers().between(4_000, 12_000).map(n -> (J) new JStr("é名".repeat(n), true)));
    Arbitrary<JsonBody> big = Combinators.combine(requestLike(), padding, Arbitraries.of(true, false))
        .as((o, pad, first) -> new JsonBody("big", with(o, "pad", pad, first), ""));
    Arbitrary<JsonBody> duplicate = Combinators.combine(requestLike(), Arbitraries.of("type", "identifiers",
            "_elements", "elements", "x"), leaf(), Arbitraries.of(true, false))
        .as((o, k, v, first) -> {
          JObj doubled = with(with(o, k, v, first), k, v, !first);
          return new JsonBody("duplicate", first ? doubled : with(o, "nested", doubled, false), "");
        });
    return Arbitraries.frequencyOf(
        Tuple.of(8, request),
        Tuple.of(3, anyValue),
        Tuple.of(2, deep),
        Tuple.of(1, deepRoot),
        Tuple.of(1, big),
        Tuple.of(1, duplicate));
  }

  // Byte strings ---------------------------------------------------------------------------------------------

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static byte[] validRequest(String canaryDigits) {
    return utf8("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\",\"urn:canary|" + CANARY
        + canaryDigits + "\",\"urn:test:nid|NOPE\"]}");
  }

  /** A request whose canary identifier carries the given raw bytes (often not UTF-8) in its value. */
  static byte[] requestWithRawValue(String canaryDigits, byte[] raw) {
    return concat(utf8("{\"type\":\"Individual\",\"identifiers\":[\"urn:test:nid|A-1\",\"urn:canary|" + CANARY
        + canaryDigits), raw, utf8("\"]}"));
  }

  /** One edit of a byte string: what, where (a fraction of the length) and which bytes. */
  record Mutation(int kind, double at, byte[] bytes) {

    byte[] apply(byte[] in) {
      int pos = (int) Math.min(in.length, Math.floor(at * (in.length + 1)));
      return switch (kind) {
        case 0 -> { // overwrite one byte
          byte[] out = in.clone();
          if (out.length > 0) {
            out[Math.min(pos, out.length - 1)] = bytes.length > 0 ? bytes[0] : 0;
          }
          yield out;
        }
        case 1 -> concat(java.util.Arrays.copyOfRange(in, 0, pos), bytes, java.util.Arrays.copyOfRange(in, pos, in.length));
        case 2 -> concat(java.util.Arrays.copyOfRange(in, 0, pos),
            java.util.Arrays.copyOfRange(in, Math.min(in.length, pos + Math.max(1, bytes.length)), in.length));
        default -> java.util.Arrays.copyOfRange(in, 0, pos); // truncate
      };
    }
  }

  static Arbitrary<byte[]> someBytes(int max) {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(max);
  }

  @Provide
  Arbitrary<ByteBody> byteBodies() {
    Arbitrary<String> digits = Arbitraries.strings().numeric().ofLength(8);
    Arbitrary<ByteBody> random = someBytes(2000).map(b -> new ByteBody("random", b));
    Arbitrary<byte[]> interesting = Arbitraries.oneOf(someBytes(4), Arbitraries.of(
        new byte[] {0}, new byte[] {(byte) 0xff}, new byte[] {'"'}, new byte[] {'\\'}, new byte[] {'{'},
        new byte[] {']'}, new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {'\\', 'u', 'd', '8', '0', '0'}));
    Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.doubles().between(0, 1), interesting).as(Mutation::new);
    Arbitrary<ByteBody> mutated = Combinators.combine(digits, mutation.list().ofMinSize(1).ofMaxSize(4))
        .as((d, ms) -> {
          byte[] b = validRequest(d);
          for (Mutation m : ms) {
            b = m.apply(b);
          }
          return new ByteBody("mutated", b);
        });
    Arbitrary<ByteBody> rawValues = Combinators.combine(digits, Arbitraries.of(
            new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe, (byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0xaf},
            new byte[] {(byte) 0xc0, (byte) 0x80}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            new byte[] {(byte) 0xed, (byte) 0xbf, (byte) 0xbf}, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xe2, (byte) 0x82},
            new byte[] {(byte) 0x80}, new byte[] {0}, new byte[] {0x1f}, new byte[] {'\n'}, new byte[] {0x7f},
            utf8("\\ud800"), utf8("\\udc00\\ud800"), utf8("\\ud83d\\ude00"), utf8("\\u0000"), utf8("\\uZZZZ"),
            utf8("\\x41"), utf8("\\'"), utf8("\\u00"), utf8("\\")))
        .as((d, raw) -> new ByteBody("raw-value", requestWithRawValue(d, raw)));
    Arbitrary<ByteBody> templates = Combinators.combine(digits, Arbitraries.integers().between(0, 21))
        .as((d, which) -> {
          byte[] valid = validRequest(d);
          String text = new String(valid, StandardCharsets.UTF_8);
          return switch (which) {
            case 0 -> new ByteBody("bom-utf8", concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, valid));
            case 1 -> new ByteBody("utf16be", text.getBytes(StandardCharsets.UTF_16BE));
            case 2 -> new ByteBody("utf16le", text.getBytes(StandardCharsets.UTF_16LE));
            case 3 -> new ByteBody("utf16-bom", text.getBytes(StandardCharsets.UTF_16));
            case 4 -> new ByteBody("utf32", text.getBytes(Charset.forName("UTF-32BE")));
            case 5 -> new ByteBody("deep-array", utf8("[".repeat(60_000)));
            case 6 -> new ByteBody("deep-object", utf8("{\"a\":".repeat(12_000)));
            case 7 -> new ByteBody("long-number", utf8("{\"type\":\"Individual\",\"n\":1" + "0".repeat(60_000) + "}"));
            case 8 -> new ByteBody("trailing-garbage", concat(valid, utf8(" x")));
            case 9 -> new ByteBody("two-values", concat(valid, valid));
            case 10 -> new ByteBody("trailing-nul", concat(valid, new byte[] {0}));
            case 11 -> new ByteBody("trailing-comma", utf8(text.replace("]}", ",]}")));
            case 12 -> new ByteBody("comment", utf8("/*c*/" + text));
            case 13 -> new ByteBody("single-quotes", utf8(text.replace('"', '\'')));
            case 14 -> new ByteBody("nan", utf8("{\"type\":\"Individual\",\"identifiers\":[\"a|b\"],\"n\":NaN}"));
            case 15 -> new ByteBody("empty", new byte[0]);
            case 16 -> new ByteBody("scalar", utf8(List.of("null", "true", "0", "\"" + CANARY + d + "\"", "[]").get(
                Integer.parseInt(d.substring(0, 1)) % 5)));
            case 17 -> new ByteBody("unquoted-key", utf8(text.replace("\"type\"", "type")));
            case 18 -> new ByteBody("whitespace-only", utf8(" \t\r\n "));
            case 19 -> new ByteBody("raw-control", utf8(text.replace("NOPE", "NO\u0001PE")));
            case 20 -> new ByteBody("long-string", utf8("{\"type\":\"Individual\",\"identifiers\":[\"urn:x|"
                + "s".repeat(65_400) + "\"]}"));
            default -> new ByteBody("over-limit", utf8("{\"type\":\"Individual\",\"identifiers\":[\"urn:x|"
                + "s".repeat(65_600) + "\"]}"));
          };
        });
    return Arbitraries.frequencyOf(
        Tuple.of(3, random),
        Tuple.of(5, mutated),
        Tuple.of(3, rawValues),
        Tuple.of(3, templates));
  }
}
