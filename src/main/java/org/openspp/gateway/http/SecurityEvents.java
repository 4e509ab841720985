package org.openspp.gateway.http;

import io.vertx.ext.web.RoutingContext;
import org.openspp.gateway.auth.AuthenticationException;
import org.openspp.gateway.metrics.GatewayMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentication, where no verified client can be held to account in the audit trail: one structured WARN
 * line on the {@code spp.security} logger, in Elastic Common Schema names like the access line ({@code event.action}
 * {@code authentication_failed}, {@code event.category} {@code authentication}, {@code event.outcome}
 * {@code failure}, {@code event.reason}, {@code event.dataset} {@code spp.security}, {@code spp.endpoint},
 * {@code http.request.id}, {@code client.address}, {@code user_agent.original}, and {@code user.id} only when a
 * valid token named the client) and the {@code gateway.auth.failures} counter, labelled by endpoint and reason only
 * (both from fixed sets). Never a token, a secret or a client id that was not verified.
 */
final class SecurityEvents {

  private static final Logger security = LoggerFactory.getLogger("spp.security");

  /** Why authentication failed; the metric label and the log's {@code reason}. */
  enum Reason {
    /** No bearer credentials at all. */
    MISSING_TOKEN("missing_token"),
    /** A token that does not verify (signature, algorithm, issuer, audience, shape). */
    INVALID_TOKEN("invalid_token"),
    /** A token past its expiry. */
    EXPIRED_TOKEN("expired_token"),
    /** A valid token whose client is unknown or inactive in the registry. */
    UNKNOWN_CLIENT("unknown_client"),
    /** Token endpoint: unknown client, inactive client or wrong secret (one answer for all three). */
    INVALID_CREDENTIALS("invalid_credentials"),
    /** Token endpoint: too many attempts from one address. */
    THROTTLED("throttled");

    final String label;

    Reason(String label) {
      this.label = label;
    }

    /** The reason of an export's 401. */
    static Reason of(AuthenticationException e) {
      return switch (e.detail()) {
        case AuthenticationException.MISSING_HEADER -> MISSING_TOKEN;
        case AuthenticationException.TOKEN_EXPIRED -> EXPIRED_TOKEN;
        case AuthenticationException.CLIENT_UNKNOWN -> UNKNOWN_CLIENT;
        default -> INVALID_TOKEN;
      };
    }
  }

  private final GatewayMeters meters;

  SecurityEvents(GatewayMeters meters) {
    this.meters = meters;
  }

  /**
   * Records one failed authentication, on the endpoint the request's route set ({@link EdgeContext#endpoint}).
   *
   * @param verifiedClientId the client id of a token whose signature verified, else {@code null}
   */
  void authenticationFailed(RoutingContext ctx, Reason reason, String verifiedClientId) {
    String endpoint = EdgeContext.endpoint(ctx);
    meters.authFailure(endpoint, reason.label);
    if (security.isWarnEnabled()) {
      new EcsLine()
          .add("event.action", "authentication_failed")
          .add("event.category", "authentication")
          .add("event.outcome", "failure")
          .add("event.reason", reason.label)
          .add("event.dataset", "spp.security")
          .add("spp.endpoint", endpoint)
          .add("http.request.id", EdgeContext.requestId(ctx))
          .add("client.address", EdgeContext.clientAddress(ctx))
          .add("user_agent.original", EdgeContext.userAgent(ctx))
          .add("user.id", verifiedClientId)
          .log(security, true, "authentication failed");
    }
  }
}
