package org.openspp.gateway.bus;

import io.vertx.core.buffer.Buffer;

/**
 * The assembled export response: its counts (for logs and metrics) and the JSON body, ready to write.
 *
 * @param accessDenied items answered {@code access_denied}; any such item makes the HTTP edge apply the
 *                     anti-enumeration delay to the whole response
 * @param notFound     items answered {@code not_found} (the rest of {@code failed} are {@code error} items)
 */
public record ExportResult(int total, int successful, int failed, int accessDenied, int notFound, Buffer body) {

  /** Items answered {@code error}. */
  public int errors() {
    return failed - accessDenied - notFound;
  }
}
