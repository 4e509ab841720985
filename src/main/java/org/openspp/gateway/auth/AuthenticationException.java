package org.openspp.gateway.auth;

/**
 * A request failed authentication. {@link #detail()} is one of the contract's 401 strings; the HTTP edge adds
 * {@code WWW-Authenticate}. Carries no stack trace: it is an expected outcome, not a bug.
 */
public final class AuthenticationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public static final String MISSING_HEADER = "Missing Authorization header";
  public static final String TOKEN_EXPIRED = "Token expired";
  public static final String INVALID_TOKEN = "Invalid token";
  public static final String MISSING_CLIENT_ID = "Invalid token: missing client_id";
  public static final String CLIENT_UNKNOWN = "Client not found or inactive";

  private final boolean tokenPresented;

  private AuthenticationException(String detail, boolean tokenPresented) {
    super(detail, null, false, false);
    this.tokenPresented = tokenPresented;
  }

  /** No bearer credentials were presented at all. */
  public static AuthenticationException missing() {
    return new AuthenticationException(MISSING_HEADER, false);
  }

  /** A bearer token was presented and rejected with this detail. */
  public static AuthenticationException rejected(String detail) {
    return new AuthenticationException(detail, true);
  }

  public String detail() {
    return getMessage();
  }

  /** True when a token was presented: the response then says {@code error="invalid_token"}. */
  public boolean tokenPresented() {
    return tokenPresented;
  }
}
