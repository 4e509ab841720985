package org.openspp.gateway.bus;

/**
 * One requested identifier string, split at the first {@code |}. Either {@code system} and {@code value}
 * are set, or {@code error} says why the string is not a usable identifier.
 */
public record ParsedIdentifier(String raw, String system, String value, String error) {

  public static final String INVALID_FORMAT = "Invalid identifier format. Expected: {system}|{value}";
  public static final String TOO_LONG = "Identifier too long";

  /** Splits at the first {@code |}; no trimming, no decoding. */
  public static ParsedIdentifier parse(String raw, int maxLength) {
    if (raw.length() > maxLength) {
      return new ParsedIdentifier(raw, null, null, TOO_LONG);
    }
    int bar = raw.indexOf('|');
    if (bar <= 0 || bar == raw.length() - 1) {
      return new ParsedIdentifier(raw, null, null, INVALID_FORMAT);
    }
    return new ParsedIdentifier(raw, raw.substring(0, bar), raw.substring(bar + 1), null);
  }

  public boolean valid() {
    return error == null;
  }

  /**
   * True when PostgreSQL text can hold this identifier: no NUL, no unpaired surrogate (JSON escapes can spell
   * one). An identifier that cannot be stored cannot be held by anyone, so it is answered without a query.
   */
  public boolean storable() {
    return valid() && storable(system) && storable(value);
  }

  /** No NUL character and well-formed UTF-16. */
  public static boolean storable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 || Character.isLowSurrogate(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      }
    }
    return true;
  }
}
