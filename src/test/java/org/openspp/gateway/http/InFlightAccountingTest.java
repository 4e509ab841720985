package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;

/**
 * The per-verticle in-flight count must come back down after every kind of answer, including those sent
 * before the body was read; with a limit of 2, a leak shows after two refused requests as a permanent
 * "at capacity" 503.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("In-flight accounting")
class InFlightAccountingTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx, GatewayHarness.FIXTURE, c -> new GatewayConfig(
        new GatewayConfig.Http(c.http().host(), c.http().port(), 1, c.http().maxBodyBytes(),
            c.http().requestTimeoutMs(), 2, 0),
        c.management(), c.db(), c.registries(), c.auth(), c.export(), c.audit()));
  }

  @AfterAll
  static void stop() {
    gw.stop();
  }

  @Test
  @DisplayName("401, 415, 413, 400 and 422 answers release their in-flight slot")
  void refusedRequestsReleaseTheirSlot() {
    for (int i = 0; i < 3; i++) {
      assertThat(gw.client.post(GatewayHarness.ExportPaths.EXPORT).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{}")).await().statusCode()).isEqualTo(401);
      assertThat(gw.exportRequest("legal-client").putHeader("Content-Type", "text/plain")
          .sendBuffer(Buffer.buffer("x")).await().statusCode()).isEqualTo(415);
      assertThat(gw.exportRequest("legal-client").sendBuffer(Buffer.buffer(new byte[70_000])).await().statusCode())
          .isEqualTo(413);
      assertThat(gw.exportRequest("legal-client").sendBuffer(Buffer.buffer("{")).await().statusCode()).isEqualTo(400);
      assertThat(gw.exportRequest("legal-client").sendBuffer(Buffer.buffer("{}")).await().statusCode()).isEqualTo(422);
    }
    JsonObject body = new JsonObject().put("type", "Individual").put("identifiers", new JsonArray().add("urn:test:nid|A-1"));
    assertThat(gw.export("legal-client", body).await().statusCode()).as("no slot leaked").isEqualTo(200);
  }
}
