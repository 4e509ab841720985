package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The edge's attack surface (issue 14): request framing that smuggling needs is refused and the connection closed,
 * slow heads and trickled bodies are cut off, bodies that are not UTF-8 are refused, and the token endpoint's
 * limits hold behind an ingress (per forwarded address) and against a distributed guess (per client id).
 * Raw sockets where the HTTP client would not send the bytes in question.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Edge hardening")
class EdgeHardeningTest {

  static final long HEADER_TIMEOUT_MS = 600;
  static final long BODY_TIMEOUT_MS = 800;
  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx, GatewayHarness.FIXTURE, c -> {
      GatewayConfig.Http h = c.http();
      return new GatewayConfig(new GatewayConfig.Http(h.host(), h.port(), h.instances(), h.maxBodyBytes(),
          h.requestTimeoutMs(), h.maxInFlight(), h.shutdownGraceMs(), HEADER_TIMEOUT_MS, BODY_TIMEOUT_MS,
          List.of("127.0.0.1/32")), c.management(), c.db(), c.registries(), c.auth(), c.export(), c.audit(),
          c.cluster());
    });
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  /** Sends {@code raw} and reads until the server closes, or 5 s. */
  static String exchange(String raw) throws IOException {
    return exchange(gw.config.http().port(), raw);
  }

  /** Sends {@code raw} to the gateway listening on {@code port} and reads until it closes, or 5 s. */
  static String exchange(int port, String raw) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      return readUntilClosed(socket.getInputStream());
    }
  }

  /** Everything the server sends until it closes the connection; "[open]" appended if it did not within 5 s. */
  static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return out.toString(StandardCharsets.ISO_8859_1) + "[open]";
    } catch (IOException e) {
      // reset by the server: closed as well
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  static int statusLines(String response) {
    Matcher m = Pattern.compile("HTTP/1\\.[01] \\d{3}").matcher(response);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static String exportHead(String extraHeaders) {
    return "POST /api/v2/spp/$bulk/export HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + gw.token("legal-client")
        + "\r\nContent-Type: application/json\r\n" + extraHeaders + "\r\n";
  }

  static final String FOLLOWING = "GET /api/v2/spp/openapi.json HTTP/1.1\r\nHost: gw\r\n\r\n";

  @Test
  @Timeout(20)
  @DisplayName("Content-Length with Transfer-Encoding: 400, the connection closed, a following request never served")
  void contentLengthWithTransferEncodingIsRefused() throws IOException {
    String response = exchange(exportHead("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n"
        + FOLLOWING);

    assertThat(response).startsWith("HTTP/1.1 400").doesNotEndWith("[open]");
    assertThat(statusLines(response)).as("the smuggled request was not answered").isEqualTo(1);
    assertProblem(response, 400, "malformed-request");
  }

  /** The single answer in {@code response} is problem+json of {@code status} and {@code category}. */
  static void assertProblem(String response, int status, String category) {
    int split = response.indexOf("\r\n\r\n");
    assertThat(split).as("a head and a body: " + response).isPositive();
    String head = response.substring(0, split).toLowerCase(java.util.Locale.ROOT);
    assertThat(head).contains("content-type: application/problem+json").contains("connection: close")
        .contains("x-request-id: ");
    io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject(
        response.substring(split + 4).replace("[open]", ""));
    assertThat(body.getString("type")).isEqualTo("urn:openspp:error:" + category);
    assertThat(body.getInteger("status")).isEqualTo(status);
    assertThat(body.getString("title")).isNotBlank();
    assertThat(body.getString("detail")).isNotBlank();
    assertThat(body.getString("instance")).as("no echo of an unparsed path").isEmpty();
    assertThat(head).contains("x-request-id: " + body.getString("requestId"));
  }

  @Test
  @Timeout(20)
  @DisplayName("a request line longer than 4 KiB: 414 uri-too-long problem+json, the connection closed, nothing echoed")
  void overlongRequestLineIs414Problem() throws IOException {
    String secretish = "urn:test:national-id|" + "7".repeat(5000);
    String response = exchange("GET /api/v2/spp/" + secretish + " HTTP/1.1\r\nHost: gw\r\n\r\n" + FOLLOWING);

    // Netty stands a request it could not read in for HTTP/1.0, and the answer takes its version
    assertThat(response).matches("(?s)HTTP/1\\.[01] 414 .*").doesNotEndWith("[open]");
    assertThat(statusLines(response)).isEqualTo(1);
    assertThat(response).doesNotContain("7777777777");
    assertProblem(response, 414, "uri-too-long");
  }

  @Test
  @Timeout(20)
  @DisplayName("request header fields over 16 KiB: 431 header-fields-too-large problem+json, the connection closed")
  void oversizedHeadIs431Problem() throws IOException {
    String response = exchange(exportHead("X-Filler: " + "a".repeat(17 * 1024) + "\r\nContent-Length: 2\r\n")
        + "{}" + FOLLOWING);

    assertThat(response).startsWith("HTTP/1.1 431").doesNotEndWith("[open]");
    assertThat(statusLines(response)).isEqualTo(1);
    assertProblem(response, 431, "header-fields-too-large");
  }

  @Test
  @Timeout(20)
  @DisplayName("Transfer-Encoding other than exactly one 'chunked' (a list, repeated, obs-folded): 400 and closed")
  void transferEncodingOtherThanChunkedIsRefused() throws IOException {
    for (String te : List.of("Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding:\r\n chunked\r\n")) {
      String response = exchange(exportHead(te) + "0\r\n\r\n" + FOLLOWING);
      assertThat(response).as(te).startsWith("HTTP/1.1 400").doesNotEndWith("[open]");
      assertThat(statusLines(response)).as(te).isEqualTo(1);
      assertProblem(response, 400, "malformed-request");
    }
    String chunked = exchange(exportHead("Transfer-Encoding: chunked\r\nConnection: close\r\n")
        + "2b\r\n{\"type\":\"Individual\",\"identifiers\":[\"x|y\"]}\r\n0\r\n\r\n");
    assertThat(chunked).as("a plain chunked body is served").startsWith("HTTP/1.1 200");
  }

  @Test
  @Timeout(20)
  @DisplayName("a request head that does not complete within http.headerTimeoutMs: the connection is closed")
  void slowHeadIsCutOff() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.config.http().port())) {
      socket.setSoTimeout(5000);
      long t0 = System.nanoTime();
      socket.getOutputStream().write("POST /api/v2/spp/$bulk/export HTTP/1.1\r\nHost: gw\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      String response = readUntilClosed(socket.getInputStream());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(response).as("closed, nothing answered").isEmpty();
      assertThat(ms).isBetween(HEADER_TIMEOUT_MS - 100, 4000L);
    }
  }

  @Test
  @Timeout(20)
  @DisplayName("an idle keep-alive connection is not cut by the head deadline: its next request is served")
  void idleKeepAliveSurvivesTheHeadDeadline(Vertx vertx) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.config.http().port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(FOLLOWING.getBytes(StandardCharsets.ISO_8859_1));
      String first = readResponse(socket.getInputStream());
      assertThat(first).startsWith("HTTP/1.1 200");
      vertx.timer(HEADER_TIMEOUT_MS * 2).await();
      out.write(FOLLOWING.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200");
    }
  }

  /** One response with a Content-Length body. */
  static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return head.toString();
      }
      head.append((char) b);
    }
    Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    byte[] body = in.readNBytes(length);
    return head + new String(body, StandardCharsets.UTF_8);
  }

  @Test
  @Timeout(20)
  @DisplayName("a body trickled past http.bodyTimeoutMs: 408 request-timeout problem+json and the connection closed")
  void trickledBodyGets408() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.config.http().port())) {
      socket.setSoTimeout(5000);
      long t0 = System.nanoTime();
      socket.getOutputStream().write((exportHead("Content-Length: 100\r\n") + "{\"type\":")
          .getBytes(StandardCharsets.ISO_8859_1));
      String response = readUntilClosed(socket.getInputStream());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(response).startsWith("HTTP/1.1 408").contains("urn:openspp:error:request-timeout")
          .doesNotEndWith("[open]");
      assertThat(ms).isBetween(BODY_TIMEOUT_MS - 100, 4000L);
    }
  }

  @Test
  @DisplayName("UTF-16 and UTF-32 bodies are refused as malformed: JSON text is UTF-8")
  void nonUtf8EncodingsAreRefused() {
    String json = new JsonObject().put("type", "Individual").put("identifiers", List.of("urn:test:nid|A-1")).encode();
    for (Charset cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, Charset.forName("UTF-32LE"),
        Charset.forName("UTF-32BE"))) {
      HttpResponse<Buffer> r = gw.exportRequest("legal-client").sendBuffer(Buffer.buffer(json.getBytes(cs))).await();
      assertThat(r.statusCode()).as(cs.name()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("type")).isEqualTo("urn:openspp:error:malformed-request");
    }
    assertThat(gw.exportRequest("legal-client").sendBuffer(Buffer.buffer(json)).await().statusCode()).isEqualTo(200);

    String credentials = new JsonObject().put("grant_type", "client_credentials").put("client_id", "legal-client")
        .put("client_secret", "legal-client-secret").encode();
    WebClient client = from("127.0.0.1");
    for (Charset cs : List.of(StandardCharsets.UTF_16LE, Charset.forName("UTF-32BE"))) {
      HttpResponse<Buffer> r = client.post(TokenEndpoint.PATH).putHeader("Content-Type", "application/json")
          .putHeader("X-Forwarded-For", "192.0.2.250").sendBuffer(Buffer.buffer(credentials.getBytes(cs))).await();
      assertThat(r.statusCode()).as("token endpoint, " + cs.name()).isEqualTo(400);
    }
    client.close();
  }

  static HttpResponse<Buffer> token(WebClient client, String forwardedFor, String clientId, String secret) {
    var request = client.post(TokenEndpoint.PATH).putHeader("Content-Type", "application/x-www-form-urlencoded");
    if (forwardedFor != null) {
      request.putHeader("X-Forwarded-For", forwardedFor);
    }
    return request.sendBuffer(Buffer.buffer("grant_type=client_credentials&client_id=" + clientId
        + "&client_secret=" + secret)).await();
  }

  static WebClient from(String localAddress) {
    return WebClient.create(gw.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(gw.config.http().port()).setLocalAddress(localAddress));
  }

  @Test
  @DisplayName("behind a trusted proxy each forwarded address has its own attempt budget: junk from one locks no one else out")
  void forwardedAddressesHaveTheirOwnBudget() {
    WebClient ingress = from("127.0.0.1");
    for (int i = 0; i < TokenEndpoint.ATTEMPTS_PER_MINUTE; i++) {
      token(ingress, "203.0.113.7", "nobody-" + i, "junk");
    }
    assertThat(token(ingress, "203.0.113.7", "nobody-x", "junk").statusCode()).isEqualTo(429);
    assertThat(token(ingress, "10.9.8.7, 198.51.100.9", "legal-client", "legal-client-secret").statusCode())
        .as("another client behind the same ingress").isEqualTo(200);
    ingress.close();
  }

  @Test
  @DisplayName("X-Forwarded-For from a peer that is not a trusted proxy is ignored: the TCP peer is the address")
  void untrustedPeerCannotChooseItsAddress() throws Exception {
    WebClient direct = from("127.0.0.77");
    for (int i = 0; i < TokenEndpoint.ATTEMPTS_PER_MINUTE; i++) {
      token(direct, "192.0.2." + i, "nobody-" + i, "junk");
    }
    assertThat(token(direct, "192.0.2.200", "nobody-y", "junk").statusCode()).isEqualTo(429);
    direct.close();
    assertThat(InetAddress.getByName("127.0.0.77").isLoopbackAddress()).isTrue();
  }

  @Test
  @DisplayName("a client id's failed checks from many addresses share one budget: past it 429 without a check")
  void failuresPerClientIdAreBounded() {
    WebClient ingress = from("127.0.0.1");
    for (int i = 0; i < TokenEndpoint.FAILURES_PER_CLIENT_PER_MINUTE; i++) {
      assertThat(token(ingress, "198.18.0." + i, "group-all", "wrong-" + i).statusCode()).isEqualTo(401);
    }
    assertThat(token(ingress, "198.18.1.1", "group-all", "group-all-secret").statusCode())
        .as("the budget of group-all is spent, from any address").isEqualTo(429);
    assertThat(token(ingress, "198.18.1.2", "consent-client", "consent-client-secret").statusCode())
        .as("other clients are not affected").isEqualTo(200);
    ingress.close();
  }
}
