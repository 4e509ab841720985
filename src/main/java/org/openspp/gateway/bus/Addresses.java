package org.openspp.gateway.bus;

/** Event-bus addresses. One place, so that every tier agrees on them. */
public final class Addresses {

  /** {@link ExportRequest} in, {@link ExportResult} out; consumed by the aggregator verticles. */
  public static final String EXPORT = "gateway.aggregate";

  /** {@code String} client id in, {@link ClientRecord} out (or failure {@link Failure#NOT_FOUND}). */
  public static final String CLIENT_LOOKUP = "gateway.clients.lookup";

  /**
   * {@code String} client id in, {@link Credentials} out (or failure {@link Failure#NOT_FOUND}); asked by the token
   * endpoint, consumed by the client directory.
   */
  public static final String CREDENTIALS_LOOKUP = "gateway.clients.credentials";

  /** {@link AuditRecord} in, an empty reply once its rows are committed; consumed by the audit writer. */
  public static final String AUDIT = "gateway.audit";

  /** Message header that carries the request id on every message of a request. */
  public static final String REQUEST_ID_HEADER = "request-id";

  private Addresses() {
  }

  /** {@link ResolveRequest} in, {@link ResolveResult} out; one address per resource type. */
  public static String resolve(ResourceType type) {
    return "gateway.resolve." + type.scopeName();
  }
}
