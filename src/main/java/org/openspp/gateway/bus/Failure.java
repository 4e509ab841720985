package org.openspp.gateway.bus;

/**
 * Failure codes carried by {@code Message.fail(code, reason)} between verticles. The HTTP edge maps each
 * to one problem+json response; the reason text is for logs and never contains identifiers.
 */
public enum Failure {
  /** The looked-up entity does not exist (client lookup). */
  NOT_FOUND(404),
  /** The registry cannot take the request now: breaker open, pool saturated, connection refused. */
  REGISTRY_UNAVAILABLE(503),
  /** The registry did not answer within its deadline. */
  REGISTRY_TIMEOUT(504),
  /** The audit store could not commit the request's audit records: nothing may be exported. */
  AUDIT_UNAVAILABLE(533),
  /** The assembled response would exceed {@code export.maxResponseBytes}: nothing is exported. */
  RESPONSE_TOO_LARGE(413),
  /** Anything unexpected. */
  INTERNAL(500);

  /**
   * Message of a {@link #REGISTRY_UNAVAILABLE} failure from a resolver that is leaving the cluster: the request
   * never reached the registry, and the sender may ask another resolver.
   */
  public static final String RESOLVER_LEAVING = "resolver-leaving";

  /** Prefix of a failure message that carries a retry hint in seconds: {@code retry-after=N}. */
  public static final String RETRY_AFTER_PREFIX = "retry-after=";

  private final int code;

  Failure(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static Failure fromCode(int code) {
    for (Failure f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return INTERNAL;
  }
}
