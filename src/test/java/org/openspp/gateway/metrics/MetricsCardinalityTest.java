package org.openspp.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openspp.gateway.support.GatewayHarness;

/**
 * Issue 14: anonymous requests cannot mint metric series. Raw HTTP/1.1 requests with made-up methods (one of
 * 3,000 characters), the HTTP/2 preface and unknown paths are sent to the API port, then {@code /metrics} is
 * scraped over HTTP: no made-up method or path appears as a label value, every {@code method} label is a standard
 * method or {@code OTHER}, and a second burst with new made-up methods and paths adds no series at all.
 */
@DisplayName("Metrics cardinality under made-up methods and paths")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsCardinalityTest {

  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
      "TRACE", "PATCH", "OTHER");
  private static final Pattern METHOD_LABEL = Pattern.compile("[{,]method=\"([^\"]*)\"");
  private static final Pattern ROUTE_LABEL = Pattern.compile("[{,]route=\"([^\"]*)\"");

  static Vertx vertx;
  static PrometheusMeterRegistry registry;
  static GatewayHarness gw;
  static WebClient mgmt;

  @BeforeAll
  static void start() {
    registry = Metrics.newRegistry();
    vertx = Metrics.vertx(registry);
    gw = GatewayHarness.startMetered(vertx, registry);
    mgmt = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.stop();
    }
    vertx.close().await();
  }

  @Test
  @DisplayName("made-up methods, a 3,000-character method, the HTTP/2 preface and unknown paths add no label value and no series")
  void anonymousRequestsMintNoSeries() throws IOException {
    scrape(); // the scrape's own series (route /metrics) exist from here on
    // a first burst: whatever bounded series these answers need (method OTHER, codes 404/405/501) now exist
    String before = burst("first");
    String madeUp = "X".repeat(3000);
    String status = raw(madeUp + " /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertThat(status).as("the long method is answered").startsWith("HTTP/1.1 ");
    String first = scrape();

    assertThat(first).doesNotContain("RTfirst").doesNotContain("XXXXXXXXXX").doesNotContain("no-such-first")
        .doesNotContain("method=\"PRI\"");
    assertThat(labelValues(first, METHOD_LABEL)).as("method label values").isSubsetOf(METHODS).contains("OTHER");
    assertThat(labelValues(first, ROUTE_LABEL)).as("route label values")
        .allSatisfy(route -> assertThat(route).doesNotContain("first").doesNotContain("no-such"));
    List<String> firstSeries = httpServerSeries(first);

    // a second burst with new made-up methods and new paths: not one more series
    burst("second");
    raw("Y".repeat(3000) + " /y HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    String second = scrape();
    assertThat(second).doesNotContain("RTsecond").doesNotContain("YYYYYYYYYY").doesNotContain("no-such-second");
    assertThat(labelValues(second, METHOD_LABEL)).isSubsetOf(METHODS);
    List<String> secondSeries = httpServerSeries(second);
    assertThat(secondSeries).as("series after a second burst (before: %s)", before)
        .containsExactlyInAnyOrderElementsOf(firstSeries);
    assertThat(second.length() - first.length()).as("exposition growth in characters").isLessThan(2_000);
  }

  /** Made-up methods on unknown and real paths, the HTTP/2 preface and unknown paths under the API prefix. */
  private static String burst(String tag) throws IOException {
    StringBuilder statuses = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      statuses.append(raw("RT" + tag + i + " /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).append("; ");
      statuses.append(raw("RT" + tag + i + " " + GatewayHarness.ExportPaths.EXPORT
          + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).append("; ");
      statuses.append(raw("GET /api/v2/spp/no-such-" + tag + i
          + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).append("; ");
      statuses.append(raw("POST " + GatewayHarness.ExportPaths.EXPORT + "/no-such-" + tag + i
          + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).append("; ");
      statuses.append(raw("POST /no-such-" + tag + i + "/" + tag
          + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).append("; ");
    }
    statuses.append(raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    return statuses.toString();
  }

  /** Sends {@code request} on a new connection and returns the response's status line (empty when none). */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("localhost", gw.config.http().port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.write(b);
      }
      // read to the end so the server has finished (and metered) the answer before we scrape
      in.transferTo(OutputStream.nullOutputStream());
      return line.toString(StandardCharsets.US_ASCII).trim();
    }
  }

  private static String scrape() {
    return mgmt.get(gw.config.management().port(), "localhost", "/metrics").send().await().bodyAsString();
  }

  private static Set<String> labelValues(String exposition, Pattern label) {
    Set<String> out = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.startsWith("#")) {
        Matcher m = label.matcher(line);
        while (m.find()) {
          out.add(m.group(1).length() > 40 ? m.group(1).substring(0, 40) + "…" : m.group(1));
        }
      }
    }
    return out;
  }

  /** The sample names and labels of the {@code vertx_http_server_*} series, without values. */
  private static List<String> httpServerSeries(String exposition) {
    List<String> out = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("vertx_http_server_")) {
        out.add(line.substring(0, line.lastIndexOf(' ')));
      }
    }
    return out;
  }
}
