package org.openspp.gateway.db;

/**
 * Rejects a registry file: names the source, the 1-based line and the reason, never the line's content.
 * The message reads {@code <sourceName>:<line>: <reason>}. When a load fails with this exception, nothing
 * from the file has been written.
 */
public final class LoadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String sourceName;
  private final int lineNumber;
  private final String reason;

  /**
   * @param sourceName the file name or other label of the input, as given to the loader
   * @param lineNumber the 1-based line the problem was found on
   * @param reason what is wrong, naming the field; must not quote registrant data
   */
  public LoadException(String sourceName, int lineNumber, String reason) {
    super(sourceName + ":" + lineNumber + ": " + reason, null, false, false);
    this.sourceName = sourceName;
    this.lineNumber = lineNumber;
    this.reason = reason;
  }

  /** The label of the rejected input. */
  public String sourceName() {
    return sourceName;
  }

  /** The 1-based line number of the offending (or referencing) record. */
  public int lineNumber() {
    return lineNumber;
  }

  /** What is wrong with the line, without the source name and line number. */
  public String reason() {
    return reason;
  }
}
