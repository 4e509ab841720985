package org.openspp.gateway.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.openspp.gateway.config.GatewayConfig;

/** {@code POST /api/v2/spp/oauth/token} (spec §4.4). */
public final class TokenEndpoint {

  private TokenEndpoint() {
  }

  /** Adds the token route to the API router. */
  public static void mount(Vertx vertx, Router router, GatewayConfig config) {
  }
}
