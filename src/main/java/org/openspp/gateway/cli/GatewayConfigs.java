package org.openspp.gateway.cli;

import org.openspp.gateway.config.GatewayConfig;

/** Command-line overrides applied on top of the loaded configuration. */
final class GatewayConfigs {

  private GatewayConfigs() {
  }

  static GatewayConfig withDataDir(GatewayConfig c, String dir) {
    GatewayConfig.Db db = c.db();
    return new GatewayConfig(c.http(), c.management(), new GatewayConfig.Db(db.url(), db.poolSize(), dir, db.migrate(), db.kind(),
        db.language()), c.registries(), c.auth(), c.export(), c.audit(), c.cluster());
  }

  /** A copy whose HTTP and management listeners bind {@code httpHost} and {@code managementHost}. */
  static GatewayConfig withHosts(GatewayConfig c, String httpHost, String managementHost) {
    GatewayConfig.Http h = c.http();
    return new GatewayConfig(new GatewayConfig.Http(httpHost, h.port(), h.instances(), h.maxBodyBytes(),
        h.requestTimeoutMs(), h.maxInFlight(), h.shutdownGraceMs(), h.headerTimeoutMs(), h.bodyTimeoutMs(),
        h.trustedProxies()),
        new GatewayConfig.Management(managementHost, c.management().port()), c.db(), c.registries(), c.auth(),
        c.export(), c.audit(), c.cluster());
  }
}
