package org.openspp.gateway.aggregate;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.RegistrantRecord.Address;
import org.openspp.gateway.bus.RegistrantRecord.Identifier;
import org.openspp.gateway.bus.RegistrantRecord.Link;
import org.openspp.gateway.bus.ResourceType;

/**
 * Maps a {@link RegistrantRecord} to the Individual or Group resource of the export contract.
 *
 * <p>Members appear in the order {@code type, identifier, active, name, birthDate, birthDateEstimated,
 * gender, telecom, address, groupType, member, quantity, groupMembership, extension, meta}. Blank strings,
 * {@code null}s, empty arrays and empty objects are omitted, except the four parts of an Individual's
 * {@code name}, which are always strings. {@code quantity} is always present on a Group. Database ids
 * never appear. Every call builds new JSON: nothing in the result is shared with the record or with a
 * previous result.
 */
public final class ResourceMapper {

  static final String GENDER_SYSTEM = "urn:iso:std:iso:5218";

  private ResourceMapper() {
  }

  /**
   * Builds the resource for {@code r}. {@code extensions} chooses the keys of the stored extension data to
   * include; {@code null} counts as {@link ExtensionSelection#none()}. Individual-only members
   * ({@code birthDate}, {@code gender}, {@code telecom}, {@code groupMembership}) never appear on a Group.
   *
   * @throws io.vertx.core.json.DecodeException when the stored extension data is not valid JSON
   * @throws IllegalArgumentException when the stored extension data is valid JSON but not an object
   */
  public static JsonObject toResource(RegistrantRecord r, ExtensionSelection extensions) {
    boolean individual = r.kind() == ResourceType.INDIVIDUAL;
    JsonObject resource = new JsonObject().put("type", r.kind().wireName());
    putNonEmpty(resource, "identifier", identifiers(r.identifiers()));
    resource.put("active", r.active());
    if (individual) {
      resource.put("name", individualName(r));
      if (r.birthDate() != null) {
        resource.put("birthDate", r.birthDate().toString()); // ISO-8601 yyyy-mm-dd, as ISO_LOCAL_DATE writes it
      }
      if (r.birthDateEstimated() != null) {
        resource.put("birthDateEstimated", r.birthDateEstimated());
      }
      putNonEmpty(resource, "gender", gender(r.genderCode(), r.genderDisplay()));
      putNonEmpty(resource, "telecom", telecom(r));
    } else {
      putText(resource, "name", r.name());
    }
    putNonEmpty(resource, "address", address(r.address()));
    if (individual) {
      putNonEmpty(resource, "groupMembership", groupMemberships(r.links()));
    } else {
      putText(resource, "groupType", r.groupType());
      JsonArray members = members(r.links());
      putNonEmpty(resource, "member", members);
      resource.put("quantity", members.size());
    }
    if (extensions != null && !extensions.isEmpty()) {
      putNonEmpty(resource, "extension", extension(r.extensionJson(), extensions));
    }
    return resource.put("meta", meta(r));
  }

  private static JsonArray identifiers(List<Identifier> identifiers) {
    JsonArray out = new JsonArray();
    for (Identifier id : identifiers) {
      JsonObject entry = new JsonObject();
      putText(entry, "system", id.system());
      putText(entry, "value", id.value());
      putNonEmpty(out, entry);
    }
    return out;
  }

  private static JsonObject individualName(RegistrantRecord r) {
    String text = isBlank(r.name())
        ? joinNonBlank(" ", r.givenName(), r.middleName(), r.familyName())
        : r.name();
    return new JsonObject()
        .put("family", orEmpty(r.familyName()))
        .put("given", orEmpty(r.givenName()))
        .put("middle", orEmpty(r.middleName()))
        .put("text", text);
  }

  private static JsonObject gender(String code, String display) {
    if (isBlank(code) && isBlank(display)) {
      return null;
    }
    JsonObject coding = new JsonObject().put("system", GENDER_SYSTEM);
    putText(coding, "code", code);
    putText(coding, "display", display);
    JsonObject gender = new JsonObject().put("coding", new JsonArray().add(coding));
    putText(gender, "text", display);
    return gender;
  }

  private static JsonArray telecom(RegistrantRecord r) {
    JsonArray out = new JsonArray();
    addContactPoint(out, "phone", r.phone(), "home", 1);
    addContactPoint(out, "phone", r.mobile(), "mobile", 2);
    addContactPoint(out, "email", r.email(), "work", 3);
    return out;
  }

  private static void addContactPoint(JsonArray out, String system, String value, String use, int rank) {
    if (!isBlank(value)) {
      out.add(new JsonObject()
          .put("system", system)
          .put("value", value)
          .put("use", use)
          .put("rank", rank));
    }
  }

  private static JsonArray address(Address a) {
    if (a == null) {
      return null;
    }
    String text = joinNonBlank(", ", a.street(), a.city(), a.state(), a.postalCode(), a.country());
    if (text.isEmpty()) {
      return null;
    }
    JsonObject address = new JsonObject().put("type", "physical");
    if (!isBlank(a.street())) {
      address.put("line", new JsonArray().add(a.street()));
    }
    putText(address, "city", a.city());
    putText(address, "state", a.state());
    putText(address, "country", a.country());
    putText(address, "postalCode", a.postalCode());
    address.put("text", text);
    return new JsonArray().add(address);
  }

  private static JsonArray groupMemberships(List<Link> links) {
    JsonArray out = new JsonArray();
    for (Link link : links) {
      JsonObject membership = new JsonObject();
      putNonEmpty(membership, "group", reference(ResourceType.GROUP, link));
      putNonEmpty(membership, "role", role(link));
      putNonEmpty(out, membership);
    }
    return out;
  }

  private static JsonArray members(List<Link> links) {
    JsonArray out = new JsonArray();
    for (Link link : links) {
      JsonObject member = new JsonObject();
      putNonEmpty(member, "entity", reference(ResourceType.INDIVIDUAL, link));
      member.put("inactive", link.inactive());
      putNonEmpty(member, "role", role(link));
      out.add(member);
    }
    return out;
  }

  private static JsonObject reference(ResourceType target, Link link) {
    JsonObject ref = new JsonObject();
    if (!isBlank(link.refSystem()) && !isBlank(link.refValue())) {
      ref.put("reference", target.wireName() + "/" + link.refSystem() + "|" + link.refValue());
    }
    putText(ref, "display", link.display());
    return ref;
  }

  private static JsonObject role(Link link) {
    JsonObject coding = new JsonObject();
    putText(coding, "system", link.roleSystem());
    putText(coding, "code", link.roleCode());
    putText(coding, "display", link.roleDisplay());
    return coding.isEmpty() ? null : new JsonObject().put("coding", new JsonArray().add(coding));
  }

  /**
   * The selected entries of the stored extension object, in stored order, each with {@code url} first.
   * The stored text is parsed on every call, so the result never shares JSON with a cached record. An
   * entry that is not an object is skipped as unusable.
   */
  private static JsonObject extension(String stored, ExtensionSelection selection) {
    if (isBlank(stored)) {
      return null;
    }
    Object parsed = Json.decodeValue(stored);
    if (parsed == null) {
      return null;
    }
    if (!(parsed instanceof JsonObject data)) {
      throw new IllegalArgumentException("Stored extension data is not a JSON object");
    }
    JsonObject out = new JsonObject();
    for (String key : data.fieldNames()) {
      if (selection.includes(key)
          && data.getValue(key) instanceof JsonObject fields
          && pruned(fields) instanceof JsonObject kept) {
        out.put(key, urlFirst(kept));
      }
    }
    return out;
  }

  private static JsonObject urlFirst(JsonObject fields) {
    if (!fields.containsKey("url")) {
      return fields;
    }
    JsonObject out = new JsonObject().put("url", fields.getValue("url"));
    for (String key : fields.fieldNames()) {
      if (!key.equals("url")) {
        out.put(key, fields.getValue(key));
      }
    }
    return out;
  }

  /** A copy of {@code value} without blank strings, {@code null}s, empty arrays or empty objects. */
  private static Object pruned(Object value) {
    if (value instanceof JsonObject object) {
      JsonObject out = new JsonObject();
      for (String key : object.fieldNames()) {
        Object kept = pruned(object.getValue(key));
        if (kept != null) {
          out.put(key, kept);
        }
      }
      return out.isEmpty() ? null : out;
    }
    if (value instanceof JsonArray array) {
      JsonArray out = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        Object kept = pruned(array.getValue(i));
        if (kept != null) {
          out.add(kept);
        }
      }
      return out.isEmpty() ? null : out;
    }
    if (value instanceof String s && s.isBlank()) {
      return null;
    }
    return value;
  }

  private static JsonObject meta(RegistrantRecord r) {
    JsonObject meta = new JsonObject();
    putText(meta, "versionId", r.versionId());
    if (r.lastUpdated() != null) {
      meta.put("lastUpdated", DateTimeFormatter.ISO_INSTANT.format(r.lastUpdated()));
    }
    putText(meta, "source", r.source());
    return meta;
  }

  private static void putText(JsonObject target, String key, String value) {
    if (!isBlank(value)) {
      target.put(key, value);
    }
  }

  private static void putNonEmpty(JsonObject target, String key, Object value) {
    if ((value instanceof JsonObject object && !object.isEmpty())
        || (value instanceof JsonArray array && !array.isEmpty())) {
      target.put(key, value);
    }
  }

  private static void putNonEmpty(JsonArray target, JsonObject value) {
    if (!value.isEmpty()) {
      target.add(value);
    }
  }

  private static String joinNonBlank(String separator, String... parts) {
    StringBuilder out = new StringBuilder(64);
    for (String part : parts) {
      if (!isBlank(part)) {
        if (!out.isEmpty()) {
          out.append(separator);
        }
        out.append(part);
      }
    }
    return out.toString();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
