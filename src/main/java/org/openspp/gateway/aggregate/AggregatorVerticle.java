package org.openspp.gateway.aggregate;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;
import org.openspp.gateway.bus.Addresses;
import org.openspp.gateway.bus.ExportRequest;
import org.openspp.gateway.bus.ExportResult;
import org.openspp.gateway.bus.Failure;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.bus.ResolveRequest;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.logging.RequestLogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an {@link ExportRequest} into an {@link ExportResult}. Consumes {@link Addresses#EXPORT}; sends the
 * request's distinct valid keys to the resolver of its type once, then assembles the response with
 * {@link ExportAssembler}, then sends the audit record to the audit writer and replies only once it is
 * committed. A resolver failure fails the export message with the same {@link Failure} code (a registry outage
 * is never turned into a partial 200); a response over {@code export.maxResponseBytes} fails it with
 * {@link Failure#RESPONSE_TOO_LARGE} (message: the limit in bytes) before anything is audited as exported; an
 * audit failure fails it with {@link Failure#AUDIT_UNAVAILABLE} and nothing is exported. No SQL here.
 */
public final class AggregatorVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AggregatorVerticle.class);

  private final long resolveTimeoutMs;
  private final long auditTimeoutMs;
  private final int maxResponseBytes;

  /**
   * @param resolveTimeoutMs the event-bus send timeout towards the resolvers
   * @param auditTimeoutMs   how long to wait for the audit commit
   * @param maxResponseBytes the largest response body; a larger one fails the export with
   *                         {@link Failure#RESPONSE_TOO_LARGE}
   */
  public AggregatorVerticle(long resolveTimeoutMs, long auditTimeoutMs, int maxResponseBytes) {
    this.resolveTimeoutMs = resolveTimeoutMs;
    this.auditTimeoutMs = auditTimeoutMs;
    this.maxResponseBytes = maxResponseBytes;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<ExportRequest>localConsumer(Addresses.EXPORT, this::onExport).completion();
  }

  private void onExport(Message<ExportRequest> msg) {
    RequestLogContext.bind(msg);
    ExportRequest req = msg.body();
    resolve(req)
        .map(result -> ExportAssembler.assemble(req, result, maxResponseBytes))
        .compose(assembly -> audit(req, assembly).map(v -> assembly.result()))
        .onSuccess(msg::reply)
        .onFailure(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            msg.fail(re.failureCode(), re.getMessage());
          } else if (err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
            msg.fail(Failure.REGISTRY_TIMEOUT.code(), "resolver did not answer in time");
          } else if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            msg.fail(Failure.REGISTRY_UNAVAILABLE.code(), "no resolver for " + req.type().wireName());
          } else if (err instanceof ExportAssembler.ResponseTooLarge) {
            // refused before its audit: the HTTP edge audits the refusal (413) with the identifiers named
            msg.fail(Failure.RESPONSE_TOO_LARGE.code(), Integer.toString(maxResponseBytes));
          } else {
            log.error("request {}: export assembly failed", req.requestId(), err);
            msg.fail(Failure.INTERNAL.code(), "export assembly failed");
          }
        });
  }

  /** Commits the audit record; any failure, including a timeout, means the response must not leave. */
  private Future<Void> audit(ExportRequest req, ExportAssembler.Assembly assembly) {
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(auditTimeoutMs)
        .addHeader(Addresses.REQUEST_ID_HEADER, req.requestId());
    return vertx.eventBus().request(Addresses.AUDIT, assembly.audit(), options)
        .<Void>mapEmpty()
        .recover(err -> {
          log.error("request {}: audit not committed, nothing exported: {}", req.requestId(), err.toString());
          return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
              Failure.AUDIT_UNAVAILABLE.code(), "audit store unavailable"));
        });
  }

  private Future<ResolveResult> resolve(ExportRequest req) {
    List<ParsedIdentifier> keys = ExportAssembler.distinctKeys(req);
    if (keys.isEmpty()) {
      return Future.succeededFuture(new ResolveResult(List.of()));
    }
    ResolveRequest resolve = new ResolveRequest(req.requestId(), req.type(),
        keys.stream().map(ParsedIdentifier::system).toList(),
        keys.stream().map(ParsedIdentifier::value).toList(),
        req.client(), req.today());
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(resolveTimeoutMs)
        .addHeader(Addresses.REQUEST_ID_HEADER, req.requestId());
    long deadline = System.nanoTime() + resolveTimeoutMs * 1_000_000L;
    return vertx.eventBus().<ResolveResult>request(Addresses.resolve(req.type()), resolve, options)
        .recover(err -> {
          // On a clustered bus a resolver that is leaving refuses what was already on its way to it ("no
          // handlers", or RESOLVER_LEAVING): resolving is read-only, so ask once more, which goes to another
          // resolver. Timeouts are not retried (the registry may be the slow part, and the deadline is spent).
          long left = (deadline - System.nanoTime()) / 1_000_000L;
          if (err instanceof ReplyException re && left > 10 && (re.failureType() == ReplyFailure.NO_HANDLERS
              || (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && Failure.RESOLVER_LEAVING.equals(re.getMessage())))) {
            return vertx.eventBus().<ResolveResult>request(Addresses.resolve(req.type()), resolve,
                new DeliveryOptions(options).setSendTimeout(left));
          }
          return Future.failedFuture(err);
        })
        .map(Message::body);
  }
}
