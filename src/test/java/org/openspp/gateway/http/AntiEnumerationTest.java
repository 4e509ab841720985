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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;

/**
 * Anti-enumeration (spec §5.3): for a consent-filtered client, "not found" and "not consented" look the same in
 * status, body and timing; a response holding {@code access_denied} items is delayed once, not per item.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Anti-enumeration")
class AntiEnumerationTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    gw.stop();
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
}
