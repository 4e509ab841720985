package org.openspp.gateway.aggregate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A sparse fieldset ({@code _elements}): the parts of a resource a client asked for. Immutable and safe to
 * share between threads.
 *
 * <p>A projection is a set of dot-separated paths. {@code type} and {@code identifier} are always kept
 * whole. A path selects into objects by member name and, through an array, from every element, keeping
 * array and element order and dropping elements that select nothing. Paths under one parent merge; a path
 * that selects a whole subtree wins over deeper paths under it. A path that selects nothing (an unknown
 * name, a step into a primitive or a {@code null}) adds nothing: no empty object or array is created for
 * it. Member order follows the source.
 */
public final class ElementsProjection {

  /** The absent projection: {@link #apply(JsonObject)} returns the resource it is given. */
  public static final ElementsProjection NONE = new ElementsProjection(null);

  private static final Set<String> ALWAYS_KEPT = Set.of("type", "identifier");

  private final Node root;

  private ElementsProjection(Node root) {
    this.root = root;
  }

  /**
   * Parses a comma-separated list of paths; tokens are trimmed, order and duplicates do not matter. Path
   * steps are matched case-sensitively as given. {@code null}, a blank string or a list of empty tokens
   * yields {@link #NONE}.
   */
  public static ElementsProjection parse(String raw) {
    if (raw == null || raw.isBlank()) {
      return NONE;
    }
    Node root = new Node();
    boolean any = false;
    for (String token : raw.split(",")) {
      String path = token.trim();
      if (!path.isEmpty()) {
        root.add(path.split("\\.", -1));
        any = true;
      }
    }
    return any ? new ElementsProjection(root) : NONE;
  }

  /** True for {@link #NONE}. */
  public boolean isNone() {
    return root == null;
  }

  /**
   * Projects {@code resource}. Returns a new object holding deep copies of the selected parts and never
   * modifies {@code resource}; {@link #NONE} returns {@code resource} itself.
   */
  public JsonObject apply(JsonObject resource) {
    if (root == null) {
      return resource;
    }
    JsonObject out = new JsonObject();
    for (String key : resource.fieldNames()) {
      Object value = resource.getValue(key);
      Object selected = ALWAYS_KEPT.contains(key) ? copyOf(value) : root.selectMember(key, value);
      if (selected != null) {
        out.put(key, selected);
      }
    }
    return out;
  }

  /**
   * One step of the path tree. A {@code whole} node keeps its value entirely and has no children.
   */
  private static final class Node {

    private final Map<String, Node> children = new LinkedHashMap<>();
    private boolean whole;

    void add(String[] steps) {
      Node node = this;
      for (String step : steps) {
        if (node.whole) {
          return;
        }
        node = node.children.computeIfAbsent(step, s -> new Node());
      }
      node.whole = true;
      node.children.clear();
    }

    /** The selection from the member {@code key} holding {@code value}, or {@code null} for nothing. */
    Object selectMember(String key, Object value) {
      Node child = children.get(key);
      return child == null ? null : child.select(value);
    }

    private Object select(Object value) {
      if (whole) {
        return copyOf(value);
      }
      if (value instanceof JsonObject object) {
        JsonObject out = new JsonObject();
        for (String key : object.fieldNames()) {
          Object selected = selectMember(key, object.getValue(key));
          if (selected != null) {
            out.put(key, selected);
          }
        }
        return out.isEmpty() ? null : out;
      }
      if (value instanceof JsonArray array) {
        JsonArray out = new JsonArray();
        for (int i = 0; i < array.size(); i++) {
          Object selected = select(array.getValue(i));
          if (selected != null) {
            out.add(selected);
          }
        }
        return out.isEmpty() ? null : out;
      }
      return null;
    }
  }

  /** A deep copy of a JSON value (objects and arrays copied, scalars shared: they are immutable). */
  static Object copyOf(Object value) {
    if (value instanceof JsonObject object) {
      return object.copy();
    }
    if (value instanceof JsonArray array) {
      return array.copy();
    }
    return value;
  }
}
