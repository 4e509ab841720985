package org.openspp.gateway.openspp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.config.RegistryKind;
import org.openspp.gateway.support.FaultProxy;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.OpensppHarness;

/**
 * The OpenSPP database down at start and later: the gateway starts anyway, answers 503 problem+json with
 * {@code Retry-After} (never a partial 200, never a crash), and recovers without a restart once the database
 * answers — as with the gateway's own schema. The OpenSPP database is reached through a loopback
 * {@link FaultProxy} that refuses connections on demand.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("openspp kind: the OpenSPP database down at start and later")
class OpensppOutageTest {

  static OpensppHarness spp;
  static FaultProxy proxy;
  static Vertx vertx;
  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx setup) {
    spp = OpensppHarness.start(setup, RegistryKindDifferentialTest.FIXTURE, UnaryOperator.identity());
    proxy = FaultProxy.forUrl(spp.readerUrl);
    proxy.refuse();
    String viaProxy = proxy.url(spp.readerUrl);
    vertx = Vertx.vertx();
    // down at start: the gateway still starts
    gw = GatewayHarness.startOn(vertx, viaProxy,
        c -> c.withRegistry(RegistryKind.OPENSPP, viaProxy, spp.auditUrl), null);
  }

  @AfterAll
  static void stop() {
    gw.stop();
    vertx.close().await();
    proxy.close();
    spp.stop();
  }

  HttpResponse<Buffer> export() {
    return gw.export("legal-client", new JsonObject().put("type", "Individual")
        .put("identifiers", new JsonArray().add("urn:openspp:vocab:id-type#national_id|NID-0001"))).await();
  }

  static void assertUnavailable(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(503);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.getHeader("Retry-After")).isNotBlank();
    assertThat(r.bodyAsJsonObject().getString("type")).isEqualTo("urn:openspp:error:registry-unavailable");
  }

  /** Polls until an export succeeds; fails after {@code deadlineMs}. */
  HttpResponse<Buffer> awaitRecovery(long deadlineMs) {
    long deadline = System.currentTimeMillis() + deadlineMs;
    HttpResponse<Buffer> last = export();
    while (last.statusCode() != 200 && System.currentTimeMillis() < deadline) {
      vertx.timer(100).await();
      last = export();
    }
    return last;
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  @DisplayName("down at start: 503 with Retry-After; up: 200 without a restart; down later: 503 again; up: 200")
  void outageAtStartAndLater() {
    assertUnavailable(export());

    proxy.accept();
    HttpResponse<Buffer> recovered = awaitRecovery(15_000);
    assertThat(recovered.statusCode()).as(recovered.bodyAsString()).isEqualTo(200);
    assertThat(recovered.bodyAsJsonObject().getInteger("successful")).isEqualTo(1);

    proxy.refuse();
    proxy.resetAll();
    long deadline = System.currentTimeMillis() + 15_000;
    HttpResponse<Buffer> down = export();
    while (down.statusCode() == 200 && System.currentTimeMillis() < deadline) {
      // the client record is cached briefly; the registry statement fails on the next request
      vertx.timer(100).await();
      down = export();
    }
    assertUnavailable(down);

    proxy.accept();
    assertThat(awaitRecovery(15_000).statusCode()).isEqualTo(200);
  }
}
