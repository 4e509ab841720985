package org.openspp.gateway.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * One structured log line in Elastic Common Schema field names (dotted keys): fields in the order added, absent
 * values left out. The message repeats them as {@code key=value}, so text output stays readable. Shared by the
 * access line ({@link AccessLog}) and the security line ({@link SecurityEvents}).
 */
final class EcsLine {

  private final List<Object> fields = new ArrayList<>(24);

  /** Adds {@code name}, unless {@code value} is {@code null}. */
  EcsLine add(String name, Object value) {
    if (value != null) {
      fields.add(kv(name, value));
    }
    return this;
  }

  /** Logs the line at WARN ({@code warn}) or INFO, after {@code message} (may be empty). */
  void log(Logger logger, boolean warn, String message) {
    String placeholders = "{} ".repeat(fields.size()).trim();
    String format = message.isEmpty() ? placeholders : message + " " + placeholders;
    if (warn) {
      logger.warn(format, fields.toArray());
    } else {
      logger.info(format, fields.toArray());
    }
  }
}
