package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;

/**
 * Anti-enumeration (spec §5.3): for a consent-filtered client, "not found" and "not consented" look the same in
 * status, body and timing; a response holding {@code access_denied} items is released once, at the request's
 * arrival plus the delay, whatever work the identifiers cost.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Anti-enumeration")
class AntiEnumerationTest {

  static GatewayHarness gw;

  /**
   * The fixed delay ({@code min == max}) of the crowd registries: no random spread, so with the delay added
   * after the work (the old behaviour) the whole work difference shows in the medians, and with the release time
   * both sides leave at {@code arrival + FIXED_DELAY_MS}. 100 ms leaves room for the work of 100 identifiers or
   * a 300-member household on a busy 2-core machine (measured 20-40 ms under load): only work longer than the
   * delay could show.
   */
  static final long FIXED_DELAY_MS = 100;
  /**
   * Pairs per comparison, interleaved; 30 pairs of about 2 x 100 ms keep one comparison near 7 s.
   */
  static final int PAIRS = 30;
  /**
   * Largest accepted gap between the two medians. Measured on a 2-core machine: with the release time 0.0-0.35 ms
   * with other builds running, up to 2.7 ms with both cores saturated by two busy loops; with the delay added
   * after the work (the old behaviour) 7-32 ms, every comparison of both kinds failing. 4 ms sits between the two
   * with margin on either side.
   */
  static final double MEDIAN_GAP_MS = 4.0;
  static final int CROWD = 100;
  static final int HOUSEHOLD = 300;

  /** The registry kinds the timing tests run against. */
  enum Kind { GATEWAY, OPENSPP }

  /** One Vert.x per gateway: gateways sharing a Vert.x would share its event-bus addresses (and registries). */
  static Vertx crowdGatewayVertx;
  static Vertx crowdOpensppVertx;
  static GatewayHarness crowdGateway;
  static OpensppHarness crowdOpenspp;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
    List<String> crowd = crowdRegistry();
    UnaryOperator<GatewayConfig> fixedDelay = AntiEnumerationTest::withFixedDelay;
    crowdGatewayVertx = Vertx.vertx();
    crowdGateway = GatewayHarness.startWithLines(crowdGatewayVertx, crowd, fixedDelay);
    crowdOpensppVertx = Vertx.vertx();
    crowdOpenspp = OpensppHarness.startWithLines(crowdOpensppVertx, crowd, fixedDelay);
  }

  @AfterAll
  static void stop() {
    gw.stop();
    crowdGateway.stop();
    crowdOpenspp.stop();
    crowdGatewayVertx.close().await();
    crowdOpensppVertx.close().await();
  }

  static GatewayConfig withFixedDelay(GatewayConfig c) {
    GatewayConfig.Export e = c.export();
    return new GatewayConfig(c.http(), c.management(), c.db(), c.registries(), c.auth(),
        new GatewayConfig.Export(e.maxIdentifiers(), e.maxIdentifierLength(), e.busTimeoutMs(), FIXED_DELAY_MS,
            FIXED_DELAY_MS), c.audit(), c.cluster());
  }

  /**
   * A registry for the timing tests, in the loader's NDJSON: {@value #CROWD} individuals with full records who
   * belong to no group ({@code L-i}), a household of {@value #HOUSEHOLD} members ({@code M-i}, group {@code BIG-1}),
   * a consent-filtered client, and consents none of which lets that client read them: for another organisation,
   * expired, or for someone else. Unknown identifiers ({@code U-i}, {@code BIG-2}) have the same lengths.
   */
  static List<String> crowdRegistry() {
    List<String> lines = new ArrayList<>();
    int consents = 0;
    for (int i = 0; i < CROWD; i++) {
      lines.add(person("L-" + i));
      // what an unconsented person typically has: a consent for another organisation, an expired one for ours
      lines.add(consent(++consents, "Individual/urn:test:nid|L-" + i, "individual", "org-other", "2999-12-31"));
      lines.add(consent(++consents, "Individual/urn:test:nid|L-" + i, "individual", "org-ngo", "2020-12-31"));
    }
    JsonArray members = new JsonArray();
    for (int i = 0; i < HOUSEHOLD; i++) {
      lines.add(person("M-" + i));
      lines.add(consent(++consents, "Individual/urn:test:nid|M-" + i, "individual", "org-other", "2999-12-31"));
      members.add(new JsonObject().put("individual", "urn:test:nid|M-" + i)
          .put("role", new JsonObject().put("system", "urn:openspp:membership-type")
              .put("code", i == 0 ? "head" : "child").put("display", i == 0 ? "Head" : "Child"))
          .put("start", "2020-01-01"));
    }
    lines.add(person("OTHER-1"));
    lines.add(new JsonObject().put("kind", "Group").put("ref", "big")
        .put("identifier", new JsonArray().add(new JsonObject().put("system", "urn:test:hh").put("value", "BIG-1")))
        .put("name", "Large household").put("groupType", "household").put("active", true)
        .put("address", new JsonObject().put("street", "2 Mabini St").put("city", "Manila").put("country", "PH"))
        .put("lastUpdated", "2026-02-03T04:05:06Z").put("member", members).encode());
    lines.add(consent(++consents, "Group/urn:test:hh|BIG-1", "group", "org-other", "2999-12-31"));
    lines.add("""
        {"kind":"ApiClient","clientId":"consent-client","name":"NGO","secret":"consent-client-secret","active":true,\
        "legalBasis":"consent","organization":"org-ngo","organizationType":"ngo",\
        "scopes":["individual:read","group:read"]}""");
    lines.add("""
        {"kind":"Consent","ref":"7b2f4c1e-0000-4000-8000-00000000ffff","subject":"Individual/urn:test:nid|OTHER-1",\
        "recipients":{"mode":"specific","organizations":["org-ngo"]},"status":"given","expiry":"2999-12-31",\
        "scopes":[{"resourceType":"individual","fieldAccess":"all","purpose":"service_delivery"}]}""");
    return lines;
  }

  /** A given consent of {@code subject} ({@code Individual/system|value} or {@code Group/...}) for one organisation. */
  static String consent(int n, String subject, String resourceType, String organization, String expiry) {
    return new JsonObject().put("kind", "Consent").put("ref", String.format("7b2f4c1e-0000-4000-8000-%012d", n))
        .put("subject", subject)
        .put("recipients", new JsonObject().put("mode", "specific")
            .put("organizations", new JsonArray().add(organization)))
        .put("status", "given").put("expiry", expiry)
        .put("scopes", new JsonArray().add(new JsonObject().put("resourceType", resourceType)
            .put("fieldAccess", "all").put("purpose", "service_delivery"))).encode();
  }

  static String person(String value) {
    return new JsonObject().put("kind", "Individual").put("ref", value.toLowerCase(java.util.Locale.ROOT))
        .put("identifier", new JsonArray().add(new JsonObject().put("system", "urn:test:nid").put("value", value))
            .add(new JsonObject().put("system", "urn:test:tax").put("value", "TAX-" + value)))
        .put("active", true)
        .put("name", new JsonObject().put("family", "CRUZ").put("given", "Person " + value))
        .put("birthDate", "1990-01-01").put("gender", new JsonObject().put("code", "1").put("display", "Male"))
        .put("address", new JsonObject().put("street", "2 Mabini St").put("city", "Manila").put("country", "PH"))
        .put("lastUpdated", "2026-01-02T03:04:05Z").encode();
  }

  static long timedMs(String client, String... ids) {
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray(List.of((Object[]) ids)));
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = gw.export(client, body).await();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    return ms;
  }

  static double median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
  }

  @Test
  @Timeout(60)
  @DisplayName("median response times of unknown and existing-but-unconsented identifiers differ by a few ms only")
  void timingIndistinguishable() {
    for (int i = 0; i < 5; i++) {
      timedMs("consent-client", "urn:test:nid|A-1");
      timedMs("consent-client", "urn:test:nid|WARMUP-" + i);
    }
    List<Long> unknown = new ArrayList<>();
    List<Long> unconsented = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      unknown.add(timedMs("consent-client", "urn:test:nid|UNKNOWN-" + i));
      unconsented.add(timedMs("consent-client", "urn:test:nid|A-1"));
    }
    double mu = median(unknown);
    double mc = median(unconsented);
    assertThat(Math.abs(mu - mc)).as("medians %s ms (unknown) vs %s ms (unconsented)", mu, mc).isLessThan(6.0);
    assertThat(Math.min(mu, mc)).as("the delay is applied").isGreaterThanOrEqualTo(50.0);
  }

  @Test
  @DisplayName("100 unknown identifiers are answered with one delay, well under a second")
  void hundredUnknownIsFast() {
    String[] ids = new String[100];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "urn:test:nid|NOBODY-" + i;
    }
    timedMs("consent-client", ids);
    long ms = timedMs("consent-client", ids);
    assertThat(ms).isGreaterThanOrEqualTo(50).isLessThan(500);
  }

  @Test
  @DisplayName("responses without access_denied items are not delayed")
  void noDelayWithoutDenials() {
    for (int i = 0; i < 5; i++) {
      timedMs("legal-client", "urn:test:nid|NOPE");
    }
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      times.add(timedMs("legal-client", "urn:test:nid|NOPE-" + i));
    }
    assertThat(median(times)).isLessThan(45.0);
  }

  static GatewayHarness crowd(Kind kind) {
    return kind == Kind.GATEWAY ? crowdGateway : crowdOpenspp.gateway;
  }

  static String[] ids(String system, String prefix, int n) {
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = system + "|" + prefix + i;
    }
    return ids;
  }

  /** Milliseconds of one request whose every item must come back {@code access_denied}. */
  static double deniedMs(GatewayHarness harness, String type, String... ids) {
    JsonObject body = new JsonObject().put("type", type).put("identifiers", new JsonArray(List.of((Object[]) ids)));
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = harness.export("consent-client", body).await();
    double ms = (System.nanoTime() - t0) / 1e6;
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray items = r.bodyAsJsonObject().getJsonArray("items");
    assertThat(items.size()).isEqualTo(ids.length);
    for (int i = 0; i < items.size(); i++) {
      assertThat(items.getJsonObject(i).getString("status")).isEqualTo("access_denied");
    }
    return ms;
  }

  /**
   * Sends {@link #PAIRS} interleaved pairs of requests (which side goes first alternates, so neither always
   * follows the other) after a warm-up, and checks that the medians of the two sides are within
   * {@link #MEDIAN_GAP_MS} and that the delay was applied.
   */
  static void assertSameMedians(String what, Kind kind, String type, String[] unknown, String[] existing) {
    GatewayHarness harness = crowd(kind);
    for (int i = 0; i < 3; i++) {
      deniedMs(harness, type, unknown);
      deniedMs(harness, type, existing);
    }
    List<Double> u = new ArrayList<>();
    List<Double> e = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      if (i % 2 == 0) {
        u.add(deniedMs(harness, type, unknown));
        e.add(deniedMs(harness, type, existing));
      } else {
        e.add(deniedMs(harness, type, existing));
        u.add(deniedMs(harness, type, unknown));
      }
    }
    double mu = medianOf(u);
    double me = medianOf(e);
    String report = String.format(java.util.Locale.ROOT, "%s, %s kind: medians %.2f ms (unknown) vs %.2f ms "
        + "(existing, unconsented) over %d pairs", what, kind, mu, me, PAIRS);
    System.out.println(report);
    assertThat(Math.abs(mu - me)).as(report).isLessThan(MEDIAN_GAP_MS);
    assertThat(Math.min(mu, me)).as(report + ": the delay is applied")
        .isGreaterThanOrEqualTo(FIXED_DELAY_MS);
  }

  static double medianOf(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
  }

  @ParameterizedTest(name = "{0} kind")
  @EnumSource(Kind.class)
  @Timeout(60)
  @DisplayName("100 unknown and 100 existing-unconsented individuals are released at the same time after arrival")
  void hundredUnknownAndHundredUnconsentedIndividualsTakeTheSameTime(Kind kind) {
    assertSameMedians("100 individuals", kind, "Individual", ids("urn:test:nid", "U-", CROWD),
        ids("urn:test:nid", "L-", CROWD));
  }

  @ParameterizedTest(name = "{0} kind")
  @EnumSource(Kind.class)
  @Timeout(60)
  @DisplayName("a household of 300 unconsented members and an unknown group identifier take the same time")
  void largeUnconsentedHouseholdAndUnknownGroupTakeTheSameTime(Kind kind) {
    assertSameMedians("300-member household", kind, "Group", new String[] {"urn:test:hh|BIG-2"},
        new String[] {"urn:test:hh|BIG-1"});
  }

  @ParameterizedTest(name = "{0} kind")
  @EnumSource(Kind.class)
  @Timeout(60)
  @DisplayName("100 unconsented household members and 100 unknown individuals take the same time")
  void hundredUnconsentedHouseholdMembersAndHundredUnknownTakeTheSameTime(Kind kind) {
    assertSameMedians("100 household members", kind, "Individual", ids("urn:test:nid", "U-", CROWD),
        ids("urn:test:nid", "M-", CROWD));
  }
}
