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
}
