package org.openspp.gateway.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.openspp.gateway.bus.ResourceType;

/**
 * The export request body (spec §3), parsed with a streaming parser that enforces the nesting depth while it
 * reads. Syntax errors, duplicate keys and nesting deeper than {@link #MAX_DEPTH} are 400; schema violations
 * are 422 with one entry per problem. Error texts give positions and field names, never values.
 *
 * @param elements   {@code _elements} (or its alias {@code elements}), {@code null} when absent
 * @param extensions {@code _extensions} (or its alias {@code extensions}), {@code null} when absent
 */
public record ExportBody(ResourceType type, List<String> identifiers, String elements, String extensions) {

  /** Deepest nesting of objects and arrays accepted. */
  public static final int MAX_DEPTH = 16;

  /** Longest JSON string accepted (characters); longer ones are 400 while parsing. */
  public static final int MAX_STRING_LENGTH = 65_536;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          // enforced while parsing, whatever the body limit: no string or number can be larger than this
          .maxStringLength(MAX_STRING_LENGTH)
          .maxNumberLength(64)
          .build())
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  public ExportBody {
    identifiers = List.copyOf(identifiers);
  }

  /**
   * Parses and validates a body.
   *
   * @throws ApiProblem 400 or 422
   */
  public static ExportBody parse(Buffer body, int maxIdentifiers) {
    if (body.length() == 0) {
      throw ApiProblem.malformed("The request body is empty", new ApiProblem.FieldError("body", "empty",
          "a JSON object is required"));
    }
    java.nio.CharBuffer text = decodeUtf8(body.getBytes());
    if (text == null) {
      throw ApiProblem.malformed("The request body is not valid UTF-8",
          new ApiProblem.FieldError("body", "invalid_utf8", "malformed, over-long or surrogate UTF-8 sequence"));
    }
    // parsed from the decoded characters, never from bytes: Jackson would detect UTF-16 or UTF-32 from the byte
    // pattern and read such a body; as characters its NULs are a syntax error (JSON text is UTF-8, RFC 8259 §8.1)
    try (JsonParser p = FACTORY.createParser(text.array(), text.arrayOffset() + text.position(), text.remaining())) {
      return read(p, maxIdentifiers);
    } catch (StreamConstraintsException e) {
      if (e.getMessage() != null && e.getMessage().contains("nesting")) {
        throw ApiProblem.malformed("JSON nesting depth exceeds " + MAX_DEPTH,
            new ApiProblem.FieldError("body", "max_depth", "nesting deeper than " + MAX_DEPTH + " levels"));
      }
      throw ApiProblem.malformed("A JSON value exceeds the parser's limits",
          new ApiProblem.FieldError("body", "too_long", "a string or number is too long"));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      String reason = e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
          ? "duplicate key" + where : "invalid JSON" + where;
      throw ApiProblem.malformed("The request body is not valid JSON",
          new ApiProblem.FieldError("body", "invalid_json", reason));
    } catch (IOException e) {
      throw ApiProblem.malformed("The request body could not be read",
          new ApiProblem.FieldError("body", "invalid_json", "unreadable body"));
    }
  }

  /**
   * What a body names, read leniently for the audit of a refused request: its {@code type} when it is one of the
   * two kinds, and its {@code identifiers} array's string entries, at most {@code max}. A body that is not a
   * JSON object, not UTF-8 or otherwise unreadable names nothing. Never throws.
   */
  static Named named(Buffer body, int max) {
    if (body == null || body.length() == 0 || !validUtf8(body.getBytes())) {
      return Named.NOTHING;
    }
    try {
      io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(body);
      ResourceType type = json.getValue("type") instanceof String t ? ResourceType.fromWireName(t) : null;
      List<String> ids = new ArrayList<>();
      if (json.getValue("identifiers") instanceof io.vertx.core.json.JsonArray array) {
        for (Object v : array) {
          if (ids.size() >= max) {
            break;
          }
          if (v instanceof String id) {
            ids.add(id);
          }
        }
      }
      return new Named(type, ids);
    } catch (RuntimeException e) {
      return Named.NOTHING;
    }
  }

  /** The type (or {@code null}) and identifiers a body named. */
  record Named(ResourceType type, List<String> identifiers) {
    static final Named NOTHING = new Named(null, List.of());

    Named {
      identifiers = List.copyOf(identifiers);
    }
  }

  /**
   * Strict UTF-8 (RFC 3629): the JDK decoder refuses over-long forms, encoded surrogates and code points
   * beyond U+10FFFF, which a lenient JSON decoder would turn into other characters ({@code C0 AF} into
   * {@code /}) or into text PostgreSQL cannot store.
   */
  static boolean validUtf8(byte[] bytes) {
    return decodeUtf8(bytes) != null;
  }

  /** The text of {@code bytes} under strict UTF-8, or {@code null} when they are not strict UTF-8. */
  static java.nio.CharBuffer decodeUtf8(byte[] bytes) {
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes));
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static ExportBody read(JsonParser p, int maxIdentifiers) throws IOException {
    List<ApiProblem.FieldError> errors = new ArrayList<>();
    JsonToken first = p.nextToken();
    if (first == null) {
      throw ApiProblem.malformed("The request body is empty", new ApiProblem.FieldError("body", "empty",
          "a JSON object is required"));
    }
    if (first != JsonToken.START_OBJECT) {
      p.skipChildren();
      requireEnd(p);
      throw ApiProblem.validation(List.of(new ApiProblem.FieldError("body", "type", "must be a JSON object")));
    }
    boolean sawType = false;
    boolean sawIdentifiers = false;
    String typeName = null;
    boolean typeIsString = false;
    List<String> identifiers = new ArrayList<>();
    String elements = null;
    String elementsAlias = null;
    String extensions = null;
    String extensionsAlias = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken t = p.nextToken();
      switch (key) {
        case "type" -> {
          sawType = true;
          typeIsString = t == JsonToken.VALUE_STRING;
          typeName = typeIsString ? p.getText() : null;
          p.skipChildren();
        }
        case "identifiers" -> {
          sawIdentifiers = true;
          readIdentifiers(p, t, identifiers, errors, maxIdentifiers);
        }
        case "_elements" -> elements = optionalString(p, t, key, errors);
        case "elements" -> elementsAlias = optionalString(p, t, key, errors);
        case "_extensions" -> extensions = optionalString(p, t, key, errors);
        case "extensions" -> extensionsAlias = optionalString(p, t, key, errors);
        default -> p.skipChildren();
      }
    }
    requireEnd(p);

    ResourceType type = null;
    if (!sawType) {
      errors.add(0, new ApiProblem.FieldError("type", "required", "type is required"));
    } else if (!typeIsString) {
      errors.add(0, new ApiProblem.FieldError("type", "type", "must be a string"));
    } else {
      type = ResourceType.fromWireName(typeName);
      if (type == null) {
        errors.add(0, new ApiProblem.FieldError("type", "enum", "must be 'Individual' or 'Group'"));
      }
    }
    if (!sawIdentifiers) {
      errors.add(new ApiProblem.FieldError("identifiers", "required", "identifiers is required"));
    }
    if (!errors.isEmpty()) {
      throw ApiProblem.validation(errors);
    }
    return new ExportBody(type, identifiers,
        elements != null ? elements : elementsAlias,
        extensions != null ? extensions : extensionsAlias);
  }

  private static void readIdentifiers(JsonParser p, JsonToken t, List<String> out, List<ApiProblem.FieldError> errors,
      int max) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      errors.add(new ApiProblem.FieldError("identifiers", "type", "must be an array of strings"));
      return;
    }
    int index = 0;
    boolean nonString = false;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == JsonToken.VALUE_STRING) {
        if (index < max) {
          out.add(p.getText());
        }
      } else {
        if (errors.size() < 20) {
          errors.add(new ApiProblem.FieldError("identifiers[" + index + "]", "type", "must be a string"));
        }
        nonString = true;
        p.skipChildren();
      }
      index++;
    }
    if (index == 0) {
      errors.add(new ApiProblem.FieldError("identifiers", "min_items", "must contain at least 1 identifier"));
    } else if (index > max) {
      errors.add(new ApiProblem.FieldError("identifiers", "max_items",
          "must contain at most " + max + " identifiers (got " + index + ")"));
    } else if (nonString) {
      out.clear();
    }
  }

  private static String optionalString(JsonParser p, JsonToken t, String key, List<ApiProblem.FieldError> errors)
      throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    errors.add(new ApiProblem.FieldError(key, "type", "must be a string or null"));
    return null;
  }

  private static void requireEnd(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw ApiProblem.malformed("The request body is not valid JSON",
          new ApiProblem.FieldError("body", "invalid_json", "unexpected content after the JSON value"));
    }
  }
}
