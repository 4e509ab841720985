package org.openspp.gateway.cli;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.openspp.gateway.config.ConfigException;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.openspp.OpensppCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up steps of the {@code openspp} kind, on the main thread: check that the database holds every table and
 * column the gateway reads (else a configuration error, exit 2), log one line of index advice per missing
 * recommended index, and take the HS256 secret from OpenSPP's {@code ir_config_parameter} when none is configured.
 * All on a read-only connection. An unreachable database is not fatal when no secret must be read from it: the
 * gateway starts, answers 503 with {@code Retry-After} and recovers when the database answers, as with its own
 * schema.
 */
final class OpensppStartup {

  private static final Logger log = LoggerFactory.getLogger(OpensppStartup.class);

  private OpensppStartup() {
  }

  /** @return {@code config}, with the HS256 secret read from OpenSPP when it had none */
  static GatewayConfig prepare(Vertx vertx, GatewayConfig config) {
    Pool pool = OpensppCatalog.inspectionPool(vertx, config.db().url(), "openspp-startup");
    try {
      OpensppCatalog.Inspection found;
      try {
        found = OpensppCatalog.inspect(pool).await();
      } catch (RuntimeException unreachable) {
        if (config.auth().jwtSecret() == null && config.auth().jwks() == null) {
          throw new IllegalStateException("the OpenSPP database is unreachable (" + unreachable.getMessage()
              + ") and no token secret is configured: set SPP_JWT_SECRET or wait for the database");
        }
        log.warn("OpenSPP database unreachable at start ({}): schema check skipped; exports answer 503 with "
            + "Retry-After until it answers", unreachable.getMessage());
        return config;
      }
      if (!found.missingColumns().isEmpty()) {
        throw new ConfigException("db.url: not an OpenSPP 2 database the gateway can serve (registry.kind openspp): "
            + "missing " + OpensppCatalog.describe(found.missingColumns()));
      }
      for (OpensppCatalog.Index index : found.missingIndexes()) {
        log.warn("OpenSPP index advice: no index on {}({}) for {}; ask the database administrator to run: {}",
            index.table(), index.column(), index.why(), index.createStatement());
      }
      if (config.auth().jwtSecret() != null) {
        return config;
      }
      String secret = OpensppCatalog.jwtSecret(pool).await();
      if (secret == null) {
        log.warn("OpenSPP has no spp_api_v2.jwt_secret and none is configured (SPP_JWT_SECRET): "
            + "HS256 tokens will be refused");
        return config;
      }
      log.info("HS256 token secret read from OpenSPP (ir_config_parameter spp_api_v2.jwt_secret): tokens issued by "
          + "OpenSPP's /oauth/token are accepted");
      return config.withJwtSecret(secret);
    } finally {
      pool.close().await();
    }
  }
}
