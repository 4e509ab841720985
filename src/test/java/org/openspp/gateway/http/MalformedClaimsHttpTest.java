package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.support.GatewayHarness;

/**
 * At the HTTP edge: a validly signed HS256 token whose time claims are text (or another non-number) is a
 * {@code 401 Invalid token} with {@code WWW-Authenticate}, not a {@code 500} from an exception escaping the
 * verifier.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Malformed claims at the HTTP edge")
class MalformedClaimsHttpTest {

  static final Buffer BODY = new JsonObject().put("type", "Individual")
      .put("identifiers", new JsonArray().add("urn:test:nid|A-1")).toBuffer();

  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.stop();
    }
  }

  static JsonObject claims() {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("iss", "openspp-api-v2").put("aud", "openspp").put("sub", "legal-client")
        .put("client_id", "legal-client").put("iat", now).put("exp", now + 600);
  }

  static HttpResponse<Buffer> export(JsonObject claims) {
    String token = gw.minter.sign(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims);
    return gw.client.post(GatewayHarness.ExportPaths.EXPORT).putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token).sendBuffer(BODY).await();
  }

  static void assertInvalidToken(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("detail")).isEqualTo("Invalid token");
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
  }

  @Test
  @DisplayName("control: the same token with numeric claims is accepted")
  void control() {
    assertThat(export(claims()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("\"exp\":\"9999999999\", a text iat or nbf, or an exp object: 401 Invalid token, not 500")
  void textTimeClaims() {
    long now = Instant.now().getEpochSecond();
    assertInvalidToken(export(claims().put("exp", "9999999999")));
    assertInvalidToken(export(claims().put("iat", Long.toString(now))));
    assertInvalidToken(export(claims().put("nbf", Long.toString(now))));
    assertInvalidToken(export(claims().put("exp", new JsonObject().put("n", now + 600))));
  }
}
