package org.openspp.gateway.http;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.openspp.gateway.auth.AuthenticationException;
import org.openspp.gateway.bus.Failure;

/**
 * The one place where failures become HTTP problems (spec §2): authentication 401, registry unavailable 503
 * (with {@code Retry-After}), registry or bus timeout 504, missing consumer 503, a response over its bound 413,
 * anything else 500.
 */
public final class FailureMapper {

  /** Seconds a client should wait before retrying after a 503. */
  static final int RETRY_AFTER_SECONDS = 5;

  private FailureMapper() {
  }

  public static ApiProblem toProblem(Throwable err) {
    if (err instanceof ApiProblem p) {
      return p;
    }
    if (err instanceof AuthenticationException a) {
      ApiProblem p = ApiProblem.of(401, "authentication", "Unauthorized", a.detail());
      return p.withHeader("WWW-Authenticate",
          a.tokenPresented() ? "Bearer error=\"invalid_token\"" : "Bearer");
    }
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return timeout();
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return unavailable();
      }
      return switch (Failure.fromCode(re.failureCode())) {
        case REGISTRY_UNAVAILABLE -> unavailable(retryAfter(re.getMessage()));
        case REGISTRY_TIMEOUT -> timeout();
        case AUDIT_UNAVAILABLE -> auditUnavailable();
        case RESPONSE_TOO_LARGE -> responseTooLarge(re.getMessage());
        default -> serverError();
      };
    }
    return serverError();
  }

  static ApiProblem unavailable() {
    return unavailable(RETRY_AFTER_SECONDS);
  }

  /** 503 with the given retry hint (an open breaker's time to its next trial). */
  static ApiProblem unavailable(long retryAfterSeconds) {
    return ApiProblem.of(503, "registry-unavailable", "Service Unavailable",
            "The registry is temporarily unavailable. Retry after " + retryAfterSeconds + " seconds.")
        .withHeader("Retry-After", Long.toString(retryAfterSeconds));
  }

  /** The hint carried as {@code retry-after=N} in a failure message, else the default. */
  static long retryAfter(String message) {
    if (message != null && message.startsWith(Failure.RETRY_AFTER_PREFIX)) {
      try {
        return Math.max(1, Long.parseLong(message.substring(Failure.RETRY_AFTER_PREFIX.length())));
      } catch (NumberFormatException e) {
        return RETRY_AFTER_SECONDS;
      }
    }
    return RETRY_AFTER_SECONDS;
  }

  /** The audit trail could not be written: the gateway refuses to export unaudited. */
  static ApiProblem auditUnavailable() {
    return ApiProblem.of(503, "registry-unavailable", "Service Unavailable",
            "The audit store is temporarily unavailable, so nothing was exported. Retry later.")
        .withHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
  }

  /**
   * 413 {@code response-too-large}: the answer would exceed {@code export.maxResponseBytes} (the failure message
   * carries the limit); nothing was exported.
   */
  static ApiProblem responseTooLarge(String limit) {
    String bound = limit != null && limit.matches("[0-9]{1,10}") ? "the limit of " + limit + " bytes" : "its limit";
    return ApiProblem.of(413, "response-too-large", "Response Too Large",
        "The response would exceed " + bound + ", so nothing was exported. Request fewer identifiers, "
            + "or fewer fields with _elements.");
  }

  static ApiProblem timeout() {
    return ApiProblem.of(504, "registry-timeout", "Gateway Timeout",
        "The registry did not answer in time. Retry later.");
  }

  static ApiProblem serverError() {
    return ApiProblem.of(500, "server-error", "Internal Server Error",
        "An unexpected error occurred. The request id identifies it in the gateway logs.");
  }
}
