package org.openspp.gateway.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem the HTTP edge answers with. Thrown or used to fail futures along the request chain; has
 * no stack trace. {@code detail} and {@code errors} never contain identifier values, tokens, SQL or traces.
 */
public final class ApiProblem extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** One entry of {@code errors}: the offending field, a machine code and a human message. */
  public record FieldError(String field, String code, String message) {
    JsonObject toJson() {
      return new JsonObject().put("field", field).put("code", code).put("message", message);
    }
  }

  private final int status;
  private final String category;
  private final String title;
  private final List<FieldError> errors;
  private final Map<String, String> headers;

  public ApiProblem(int status, String category, String title, String detail, List<FieldError> errors,
      Map<String, String> headers) {
    super(detail, null, false, false);
    this.status = status;
    this.category = category;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
  }

  public static ApiProblem of(int status, String category, String title, String detail) {
    return new ApiProblem(status, category, title, detail, List.of(), Map.of());
  }

  public static ApiProblem malformed(String detail, FieldError error) {
    return new ApiProblem(400, "malformed-request", "Malformed request", detail, List.of(error), Map.of());
  }

  public static ApiProblem validation(List<FieldError> errors) {
    return new ApiProblem(422, "validation", "Validation failed", "The request body does not match the schema",
        errors, Map.of());
  }

  /** A copy with one more response header. */
  public ApiProblem withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiProblem(status, category, title, getMessage(), errors, h);
  }

  public int status() {
    return status;
  }

  public String category() {
    return category;
  }

  public String detail() {
    return getMessage();
  }

  public List<FieldError> errors() {
    return errors;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** The problem+json body. */
  public JsonObject toJson(String instance, String requestId) {
    JsonObject body = new JsonObject(new LinkedHashMap<>(8))
        .put("type", "urn:openspp:error:" + category)
        .put("title", title)
        .put("status", status)
        .put("detail", getMessage())
        .put("instance", instance)
        .put("requestId", requestId);
    if (status == 400 || status == 422) {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(e.toJson()));
      body.put("errors", list);
    }
    return body;
  }
}
