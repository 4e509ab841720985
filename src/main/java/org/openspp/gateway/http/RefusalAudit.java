package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit of a request the HTTP edge refused after it knew the client (a verified token): 401 for a valid
 * token of an unknown or inactive client, 403, 413, 415, 422, 429, 503, 504, 500. One {@link AuditRecord} with
 * the HTTP status, the problem category as reason, the remote address, the user agent and, when the body could
 * be read, the identifiers it named as {@link AuditRecord#REFUSED} items (never resolved: a refused request
 * costs the registry nothing). Answered exports are audited by the aggregator, not here.
 *
 * <p>{@link #record} waits for the commit (so that the refusal leaves after its audit row, like an export) but
 * never fails: a refusal carries no personal data, so an audit store outage is logged and counted by the audit
 * writer ({@code gateway.audit.failures}), and the client still gets the refusal it earned.
 */
final class RefusalAudit {

  private static final Logger log = LoggerFactory.getLogger(RefusalAudit.class);

  private final Vertx vertx;
  private final long timeoutMs;

  RefusalAudit(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** One refused request. */
  record Refusal(String requestId, String clientId, String legalBasis, ExportBody.Named named, int httpStatus,
      String reason, Instant receivedAt, String remoteAddress, String userAgent) {
  }

  /** Commits the refusal's audit rows; completes (successfully) once committed or once that failed. */
  Future<Void> record(Refusal refusal) {
    List<String> ids = refusal.named().identifiers();
    List<AuditRecord.Item> items = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      items.add(AuditRecord.Item.refused(i, ids.get(i)));
    }
    String type = refusal.named().type() == null ? null : refusal.named().type().wireName();
    AuditRecord record = new AuditRecord(AuditRecord.newId(), refusal.requestId(), refusal.clientId(),
        refusal.legalBasis(), type, ids.size(), 0, 0, refusal.receivedAt(), refusal.remoteAddress(),
        refusal.userAgent(), items, refusal.httpStatus(), refusal.reason());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs)
        .addHeader(Addresses.REQUEST_ID_HEADER, refusal.requestId());
    return vertx.eventBus().request(Addresses.AUDIT, record, options)
        .<Void>mapEmpty()
        .recover(err -> {
          log.error("request {}: the audit row of a refused request ({}) was not committed: {}",
              refusal.requestId(), refusal.httpStatus(), err.toString());
          return Future.succeededFuture();
        });
  }
}
