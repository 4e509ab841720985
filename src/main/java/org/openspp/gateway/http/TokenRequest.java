package org.openspp.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of one token request (spec §4.4): {@code grant_type}, {@code client_id} and
 * {@code client_secret}, read from an {@code application/x-www-form-urlencoded} body or a JSON object body.
 * A parameter sent empty counts as absent (RFC 6749 §3.1). Parse failures are {@link ApiProblem}s that never
 * echo a value.
 */
record TokenRequest(String grantType, String clientId, String clientSecret) {

  static final TokenRequest EMPTY = new TokenRequest(null, null, null);

  static final String GRANT_TYPE = "grant_type";
  static final String CLIENT_ID = "client_id";
  static final String CLIENT_SECRET = "client_secret";
  private static final Set<String> PARAMETERS = Set.of(GRANT_TYPE, CLIENT_ID, CLIENT_SECRET);

  /** The body's media type, lower-cased and without parameters; {@code null} when absent. */
  static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  /** Parses an {@code application/x-www-form-urlencoded} body; a repeated parameter is malformed (RFC 6749 §3.2). */
  static TokenRequest fromForm(Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8);
    Map<String, String> values = new HashMap<>();
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = formDecode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : formDecode(pair.substring(eq + 1));
      if (name == null || value == null) {
        throw ApiProblem.malformed("The request body is not valid application/x-www-form-urlencoded",
            new ApiProblem.FieldError("body", "invalid-form", "contains an invalid percent-encoding"));
      }
      if (PARAMETERS.contains(name) && values.put(name, value) != null) {
        throw ApiProblem.malformed("Parameter '" + name + "' must not be repeated",
            new ApiProblem.FieldError(name, "repeated", "must appear at most once"));
      }
    }
    return of(values.get(GRANT_TYPE), values.get(CLIENT_ID), values.get(CLIENT_SECRET));
  }

  /** Parses a JSON object body whose parameters are strings (or null). */
  static TokenRequest fromJson(Buffer body) {
    Object value;
    java.nio.CharBuffer text = ExportBody.decodeUtf8(body.getBytes());
    if (text == null) {
      throw ApiProblem.malformed("The request body is not valid UTF-8",
          new ApiProblem.FieldError("body", "invalid_utf8", "malformed, over-long or surrogate UTF-8 sequence"));
    }
    try {
      // from the decoded text, never from bytes: the JSON parser would read UTF-16 or UTF-32 bodies from bytes
      value = Json.decodeValue(text.toString());
    } catch (DecodeException e) {
      throw ApiProblem.malformed("The request body is not valid JSON",
          new ApiProblem.FieldError("body", "invalid-json", "must be a JSON object"));
    }
    if (!(value instanceof JsonObject object)) {
      throw ApiProblem.malformed("The request body must be a JSON object",
          new ApiProblem.FieldError("body", "type", "must be a JSON object"));
    }
    return of(string(object, GRANT_TYPE), string(object, CLIENT_ID), string(object, CLIENT_SECRET));
  }

  private static String string(JsonObject object, String key) {
    Object v = object.getValue(key);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw ApiProblem.malformed("'" + key + "' must be a string",
        new ApiProblem.FieldError(key, "type", "must be a string"));
  }

  private static TokenRequest of(String grantType, String clientId, String clientSecret) {
    return new TokenRequest(emptyToNull(grantType), emptyToNull(clientId), emptyToNull(clientSecret));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** {@code application/x-www-form-urlencoded} decoding ({@code +} is a space); {@code null} when malformed. */
  static String formDecode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      // the exception message quotes the input: never pass it on
      return null;
    }
  }

  /**
   * Client credentials presented with HTTP Basic. {@link #MALFORMED} stands for a Basic header that could not
   * be decoded: such a client presented credentials, but none that can match.
   */
  record Basic(String clientId, String clientSecret) {

    static final Basic MALFORMED = new Basic(null, null);

    /**
     * The Basic credentials of an {@code Authorization} header value, or {@code null} when the header is absent
     * or uses another scheme. Both parts are form-decoded as RFC 6749 §2.3.1 requires.
     */
    static Basic parse(String authorization) {
      if (authorization == null) {
        return null;
      }
      String header = authorization.strip();
      int space = header.indexOf(' ');
      String scheme = space < 0 ? header : header.substring(0, space);
      if (!scheme.equalsIgnoreCase("Basic")) {
        return null;
      }
      if (space < 0) {
        return MALFORMED;
      }
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(header.substring(space + 1).strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException notBase64) {
        return MALFORMED;
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return MALFORMED;
      }
      String id = formDecode(decoded.substring(0, colon));
      String secret = formDecode(decoded.substring(colon + 1));
      if (id == null || secret == null) {
        return MALFORMED;
      }
      return new Basic(emptyToNull(id), emptyToNull(secret));
    }

    @Override
    public String toString() {
      return "Basic[clientId=" + clientId + "]";
    }
  }

  @Override
  public String toString() {
    return "TokenRequest[grantType=" + grantType + ", clientId=" + clientId + "]";
  }
}
