package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * Response amplification is bounded (issue 13): 100 copies of a large household's identifier in a 5 KB request
 * would otherwise answer megabytes. A response over {@code export.maxResponseBytes} is refused with 413
 * {@code response-too-large}, nothing is exported, and the attempt is audited with the identifiers it named.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Response size bound")
class ResponseBoundTest {

  static final int LIMIT = 64 * 1024;
  static final int MEMBERS = 60;
  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    List<String> lines = new ArrayList<>(GatewayHarness.lines(GatewayHarness.FIXTURE));
    JsonArray members = new JsonArray();
    for (int i = 0; i < MEMBERS; i++) {
      String id = "BIG-" + i;
      lines.add(new JsonObject().put("kind", "Individual").put("ref", "big-" + i)
          .put("identifier", new JsonArray().add(new JsonObject().put("system", "urn:test:nid").put("value", id)))
          .put("active", true).put("name", new JsonObject().put("family", "MEMBER").put("given", "Number " + i))
          .encode());
      members.add(new JsonObject().put("individual", "urn:test:nid|" + id).put("role", new JsonObject()
          .put("system", "urn:openspp:membership-type").put("code", "member").put("display", "Member")));
    }
    lines.add(new JsonObject().put("kind", "Group").put("ref", "big-hh")
        .put("identifier", new JsonArray().add(new JsonObject().put("system", "urn:test:hh").put("value", "BIG-HH")))
        .put("name", "Large household").put("groupType", "household").put("active", true).put("member", members)
        .encode());
    gw = GatewayHarness.startWithLines(vertx, lines, c -> {
      GatewayConfig.Export e = c.export();
      return c.withExport(new GatewayConfig.Export(e.maxIdentifiers(), e.maxIdentifierLength(), e.busTimeoutMs(),
          e.denyDelayMinMs(), e.denyDelayMaxMs(), LIMIT));
    });
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  static HttpResponse<Buffer> export(String requestId, int copies) {
    JsonObject body = new JsonObject().put("type", "Group")
        .put("identifiers", new JsonArray(new ArrayList<>(Collections.nCopies(copies, "urn:test:hh|BIG-HH"))));
    return gw.exportRequest("legal-client").putHeader("X-Request-Id", requestId).sendBuffer(body.toBuffer()).await();
  }

  @Test
  @DisplayName("a response under the bound is served whole")
  void underTheBoundIsServed() {
    HttpResponse<Buffer> r = export("bound-one", 1);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().length()).isLessThan(LIMIT);
    assertThat(r.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("resource")
        .getInteger("quantity")).isEqualTo(MEMBERS);
  }

  @Test
  @DisplayName("100 copies of a large household are refused with 413 response-too-large, audited, nothing exported")
  void amplificationIsRefused() {
    HttpResponse<Buffer> r = export("bound-many", 100);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getString("type")).isEqualTo("urn:openspp:error:response-too-large");
    assertThat(problem.getString("detail")).contains(Integer.toString(LIMIT)).contains("_elements")
        .doesNotContain("BIG-HH");
    assertThat(r.body().length()).isLessThan(1024);

    Row req = gw.sql("SELECT * FROM audit_request WHERE request_id = 'bound-many'").iterator().next();
    assertThat(req.getInteger("http_status")).isEqualTo(413);
    assertThat(req.getString("reason")).isEqualTo("response-too-large");
    assertThat(req.getInteger("successful")).isZero();
    List<String> statuses = new ArrayList<>();
    gw.sql("SELECT i.status FROM audit_item i JOIN audit_request r ON r.id = i.audit_request_id "
        + "WHERE r.request_id = 'bound-many'").forEach(row -> statuses.add(row.getString("status")));
    assertThat(statuses).hasSize(100).containsOnly("refused");
  }

  @Test
  @DisplayName("the same request narrowed with _elements fits under the bound")
  void narrowedRequestFits() {
    JsonObject body = new JsonObject().put("type", "Group").put("_elements", "name")
        .put("identifiers", new JsonArray(new ArrayList<>(Collections.nCopies(100, "urn:test:hh|BIG-HH"))));
    HttpResponse<Buffer> r = gw.exportRequest("legal-client").sendBuffer(body.toBuffer()).await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("successful")).isEqualTo(100);
  }
}
