package org.openspp.gateway.db;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import org.openspp.gateway.auth.SecretHasher;
import org.openspp.gateway.db.RegistryFile.Client;
import org.openspp.gateway.db.RegistryFile.Consent;
import org.openspp.gateway.db.RegistryFile.ConsentScope;
import org.openspp.gateway.db.RegistryFile.Identifier;
import org.openspp.gateway.db.RegistryFile.Member;
import org.openspp.gateway.db.RegistryFile.Reference;
import org.openspp.gateway.db.RegistryFile.Registrant;

/**
 * Parses and validates registry NDJSON (operations spec §3) without touching the database. Blank lines are
 * skipped; the first problem rejects the whole input with a {@link LoadException} that names the line and the
 * field but never quotes the data.
 *
 * <p>Records are strict: a field the format does not define is an error, so a misspelt field cannot be
 * silently dropped. JSON {@code null} counts as an absent field.
 */
final class RegistryFileParser {

  private static final Set<String> INDIVIDUAL_FIELDS = Set.of("kind", "ref", "identifier", "active", "name",
      "birthDate", "birthDateEstimated", "gender", "telecom", "address", "extension", "source", "lastUpdated");
  private static final Set<String> GROUP_FIELDS = Set.of("kind", "ref", "identifier", "active", "name",
      "groupType", "member", "telecom", "address", "extension", "source", "lastUpdated");
  private static final Set<String> CLIENT_FIELDS = Set.of("kind", "clientId", "name", "secret", "active",
      "legalBasis", "legalBasisReference", "organization", "organizationType", "scopes", "rateLimitPerMinute");
  private static final Set<String> CONSENT_FIELDS = Set.of("kind", "ref", "subject", "recipients", "status",
      "effective", "expiry", "scopes");

  private static final Set<String> IDENTIFIER_STATUSES = Set.of("valid", "invalid");
  private static final Set<String> CONSENT_STATUSES = Set.of("requested", "given", "renewed", "refused",
      "withdrawn", "expired", "invalidated");
  private static final Set<String> RECIPIENT_MODES = Set.of("specific", "category");
  private static final Set<String> RESOURCE_TYPES = Set.of("individual", "group", "all");
  private static final Set<String> FIELD_ACCESS = Set.of("all", "basic", "custom");

  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern CLIENT_SCOPE = Pattern.compile("[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+");
  private static final String DEFAULT_LEGAL_BASIS = "consent";

  private final List<Registrant> registrants = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final List<Consent> consents = new ArrayList<>();
  private final Map<String, Integer> registrantRefs = new HashMap<>();
  private final Map<String, Integer> clientIds = new HashMap<>();
  private final Map<String, Integer> consentRefs = new HashMap<>();

  private RegistryFileParser() {
  }

  /**
   * Validates every line.
   *
   * @throws LoadException on the first invalid line
   */
  static RegistryFile parse(String sourceName, List<String> lines) {
    RegistryFileParser parser = new RegistryFileParser();
    for (int index = 0; index < lines.size(); index++) {
      String line = lines.get(index);
      if (index == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isBlank()) {
        continue;
      }
      try {
        parser.parseLine(index + 1, line);
      } catch (Invalid e) {
        throw new LoadException(sourceName, index + 1, e.getMessage());
      }
    }
    return new RegistryFile(parser.registrants, parser.clients, parser.consents);
  }

  private void parseLine(int line, String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new Invalid("malformed JSON: expected one JSON object per line");
    }
    Fields record = new Fields(json, "");
    String kind = record.requiredString("kind");
    switch (kind) {
      case RegistryFile.INDIVIDUAL -> registrants.add(individual(line, record));
      case RegistryFile.GROUP -> registrants.add(group(line, record));
      case "ApiClient" -> clients.add(client(line, record));
      case "Consent" -> consents.add(consent(line, record));
      default -> throw new Invalid("'kind' must be one of Individual, Group, ApiClient, Consent");
    }
  }

  private Registrant individual(int line, Fields record) {
    record.allowOnly(INDIVIDUAL_FIELDS);
    String ref = uniqueRef(record, registrantRefs, line);
    Fields name = record.object("name");
    String family = null;
    String given = null;
    String middle = null;
    String display = null;
    if (name != null) {
      name.allowOnly(Set.of("text", "family", "given", "middle"));
      family = blankToNull(name.optionalString("family"));
      given = blankToNull(name.optionalString("given"));
      middle = blankToNull(name.optionalString("middle"));
      display = blankToNull(name.optionalString("text"));
      if (display == null) {
        StringJoiner joined = new StringJoiner(" ");
        for (String part : new String[] {given, middle, family}) {
          if (part != null) {
            joined.add(part.strip());
          }
        }
        display = blankToNull(joined.toString());
      }
    }
    Fields gender = record.object("gender");
    String genderCode = null;
    String genderDisplay = null;
    if (gender != null) {
      gender.allowOnly(Set.of("code", "display"));
      genderCode = gender.optionalString("code");
      genderDisplay = gender.optionalString("display");
    }
    Contact contact = contact(record);
    return new Registrant(line, RegistryFile.INDIVIDUAL, ref, record.bool("active", true), family, given, middle,
        display, record.date("birthDate"), record.optionalBool("birthDateEstimated"), genderCode, genderDisplay,
        contact.phone, contact.mobile, contact.email, contact.street, contact.city, contact.state, contact.country,
        contact.postalCode, null, record.extensionJson(), record.optionalString("source"), record.instant("lastUpdated"),
        identifiers(record), List.of());
  }

  private Registrant group(int line, Fields record) {
    record.allowOnly(GROUP_FIELDS);
    String ref = uniqueRef(record, registrantRefs, line);
    List<Member> members = new ArrayList<>();
    for (Fields member : record.objects("member")) {
      member.allowOnly(Set.of("individual", "role", "start", "end"));
      Reference individual = member.reference("individual", RegistryFile.INDIVIDUAL);
      String roleSystem = null;
      String roleCode = null;
      String roleDisplay = null;
      Fields role = member.object("role");
      if (role != null) {
        role.allowOnly(Set.of("system", "code", "display"));
        roleSystem = role.optionalString("system");
        roleCode = role.optionalString("code");
        roleDisplay = role.optionalString("display");
      }
      LocalDate start = member.date("start");
      LocalDate end = member.date("end");
      if (start != null && end != null && end.isBefore(start)) {
        throw new Invalid("'" + member.path("end") + "' is before '" + member.path("start") + "'");
      }
      members.add(new Member(individual, roleSystem, roleCode, roleDisplay, start, end));
    }
    Contact contact = contact(record);
    return new Registrant(line, RegistryFile.GROUP, ref, record.bool("active", true), null, null, null,
        record.optionalString("name"), null, null, null, null, contact.phone, contact.mobile, contact.email,
        contact.street, contact.city, contact.state, contact.country, contact.postalCode,
        record.optionalString("groupType"), record.extensionJson(), record.optionalString("source"),
        record.instant("lastUpdated"), identifiers(record), members);
  }

  private static List<Identifier> identifiers(Fields record) {
    List<Identifier> identifiers = new ArrayList<>();
    for (Fields identifier : record.objects("identifier")) {
      identifier.allowOnly(Set.of("system", "value", "status"));
      String system = identifier.requiredString("system");
      if (system.indexOf('|') >= 0) {
        throw new Invalid("'" + identifier.path("system") + "' must not contain '|'");
      }
      String value = identifier.requiredString("value");
      String status = identifier.oneOf("status", IDENTIFIER_STATUSES, "valid");
      identifiers.add(new Identifier(system, value, "valid".equals(status)));
    }
    return identifiers;
  }

  private static Contact contact(Fields record) {
    Contact contact = new Contact();
    Fields telecom = record.object("telecom");
    if (telecom != null) {
      telecom.allowOnly(Set.of("phone", "mobile", "email"));
      contact.phone = telecom.optionalString("phone");
      contact.mobile = telecom.optionalString("mobile");
      contact.email = telecom.optionalString("email");
    }
    Fields address = record.object("address");
    if (address != null) {
      address.allowOnly(Set.of("street", "city", "state", "country", "postalCode"));
      contact.street = address.optionalString("street");
      contact.city = address.optionalString("city");
      contact.state = address.optionalString("state");
      contact.country = address.optionalString("country");
      contact.postalCode = address.optionalString("postalCode");
    }
    return contact;
  }

  private Client client(int line, Fields record) {
    record.allowOnly(CLIENT_FIELDS);
    String clientId = record.requiredString("clientId");
    Integer first = clientIds.putIfAbsent(clientId, line);
    if (first != null) {
      throw new Invalid("'clientId' is already used on line " + first);
    }
    String secret = record.optionalString("secret");
    if (secret != null) {
      if (secret.isEmpty()) {
        throw new Invalid("'secret' must not be empty");
      }
      if (secret.startsWith(SecretHasher.PREFIX) && !SecretHasher.isHashed(secret)) {
        throw new Invalid("'secret' starts with " + SecretHasher.PREFIX + " but is not a valid scrypt hash");
      }
    }
    List<String> scopes = record.strings("scopes");
    for (int i = 0; i < scopes.size(); i++) {
      if (!CLIENT_SCOPE.matcher(scopes.get(i)).matches()) {
        throw new Invalid("'scopes[" + i + "]' must be written resource:action");
      }
    }
    String legalBasis = record.optionalString("legalBasis");
    String name = record.optionalString("name");
    return new Client(line, clientId, name == null ? "" : name, secret, record.bool("active", true),
        legalBasis == null ? DEFAULT_LEGAL_BASIS : legalBasis, record.optionalString("legalBasisReference"),
        record.optionalString("organization"), record.optionalString("organizationType"), scopes,
        record.positiveInt("rateLimitPerMinute"));
  }

  private Consent consent(int line, Fields record) {
    record.allowOnly(CONSENT_FIELDS);
    String ref = uniqueRef(record, consentRefs, line);
    Reference subject = record.subject("subject");
    Fields recipients = record.object("recipients");
    if (recipients == null) {
      throw new Invalid("'recipients' is missing");
    }
    recipients.allowOnly(Set.of("mode", "organizations", "organizationTypes"));
    String mode = recipients.oneOf("mode", RECIPIENT_MODES, null);
    List<String> organizations = recipients.strings("organizations");
    List<String> organizationTypes = recipients.strings("organizationTypes");
    if ("specific".equals(mode)) {
      requireRecipients(recipients, "organizations", organizations, "organizationTypes", organizationTypes);
    } else {
      requireRecipients(recipients, "organizationTypes", organizationTypes, "organizations", organizations);
    }
    String status = record.oneOf("status", CONSENT_STATUSES, null);
    LocalDate effective = record.date("effective");
    LocalDate expiry = record.date("expiry");
    if (effective != null && expiry != null && expiry.isBefore(effective)) {
      throw new Invalid("'expiry' is before 'effective'");
    }
    List<ConsentScope> scopes = new ArrayList<>();
    for (Fields scope : record.objects("scopes")) {
      scope.allowOnly(Set.of("resourceType", "fieldAccess", "customFields", "purpose", "includeExtensions",
          "allowedExtensions"));
      scopes.add(new ConsentScope(scope.oneOf("resourceType", RESOURCE_TYPES, null),
          scope.oneOf("fieldAccess", FIELD_ACCESS, null), scope.strings("customFields"),
          scope.optionalString("purpose"), scope.bool("includeExtensions", false),
          scope.strings("allowedExtensions")));
    }
    return new Consent(line, ref, subject, mode, organizations, organizationTypes, status, effective, expiry,
        scopes);
  }

  private static void requireRecipients(Fields recipients, String required, List<String> values, String other,
      List<String> otherValues) {
    if (values.isEmpty()) {
      throw new Invalid("'" + recipients.path(required) + "' must list at least one entry for mode '"
          + recipients.optionalString("mode") + "'");
    }
    if (!otherValues.isEmpty()) {
      throw new Invalid("'" + recipients.path(other) + "' does not apply to mode '"
          + recipients.optionalString("mode") + "'");
    }
  }

  private static String uniqueRef(Fields record, Map<String, Integer> seen, int line) {
    String ref = record.optionalString("ref");
    if (ref == null) {
      return null;
    }
    if (ref.isBlank()) {
      throw new Invalid("'ref' must not be blank");
    }
    Integer first = seen.putIfAbsent(ref, line);
    if (first != null) {
      throw new Invalid("'ref' is already used on line " + first);
    }
    return ref;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** Contact columns shared by both registrant kinds. */
  private static final class Contact {
    private String phone;
    private String mobile;
    private String email;
    private String street;
    private String city;
    private String state;
    private String country;
    private String postalCode;
  }

  /** Typed access to one JSON object, reporting problems with the field's path. */
  private static final class Fields {
    private final JsonObject json;
    private final String prefix;

    Fields(JsonObject json, String prefix) {
      this.json = json;
      this.prefix = prefix;
    }

    String path(String key) {
      return prefix + key;
    }

    void allowOnly(Set<String> keys) {
      for (String key : json.fieldNames()) {
        if (!keys.contains(key)) {
          throw new Invalid("unknown field '" + path(key) + "'");
        }
      }
    }

    String optionalString(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (!(value instanceof String text)) {
        throw new Invalid("'" + path(key) + "' must be a string");
      }
      return text;
    }

    String requiredString(String key) {
      String value = optionalString(key);
      if (value == null) {
        throw new Invalid("'" + path(key) + "' is missing");
      }
      if (value.isEmpty()) {
        throw new Invalid("'" + path(key) + "' must not be empty");
      }
      return value;
    }

    String oneOf(String key, Set<String> allowed, String defaultValue) {
      String value = optionalString(key);
      if (value == null && defaultValue != null) {
        return defaultValue;
      }
      if (value == null) {
        throw new Invalid("'" + path(key) + "' is missing");
      }
      if (!allowed.contains(value)) {
        throw new Invalid("'" + path(key) + "' must be one of " + String.join(", ", allowed.stream().sorted().toList()));
      }
      return value;
    }

    Boolean optionalBool(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (!(value instanceof Boolean flag)) {
        throw new Invalid("'" + path(key) + "' must be true or false");
      }
      return flag;
    }

    boolean bool(String key, boolean defaultValue) {
      Boolean value = optionalBool(key);
      return value == null ? defaultValue : value;
    }

    Integer positiveInt(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (value instanceof Integer number && number > 0) {
        return number;
      }
      throw new Invalid("'" + path(key) + "' must be a positive whole number");
    }

    LocalDate date(String key) {
      String value = optionalString(key);
      if (value == null) {
        return null;
      }
      if (!DATE.matcher(value).matches()) {
        throw new Invalid("'" + path(key) + "' must be a date written YYYY-MM-DD");
      }
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new Invalid("'" + path(key) + "' is not a valid calendar date");
      }
    }

    OffsetDateTime instant(String key) {
      String value = optionalString(key);
      if (value == null) {
        return null;
      }
      try {
        return OffsetDateTime.ofInstant(Instant.parse(value), ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new Invalid("'" + path(key) + "' must be an ISO-8601 instant such as 2026-01-02T03:04:05Z");
      }
    }

    Fields object(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return null;
      }
      if (!(value instanceof JsonObject object)) {
        throw new Invalid("'" + path(key) + "' must be an object");
      }
      return new Fields(object, path(key) + ".");
    }

    String extensionJson() {
      Fields extension = object("extension");
      return extension == null ? null : extension.json.encode();
    }

    List<Fields> objects(String key) {
      JsonArray array = array(key);
      List<Fields> objects = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof JsonObject object)) {
          throw new Invalid("'" + path(key) + "[" + i + "]' must be an object");
        }
        objects.add(new Fields(object, path(key) + "[" + i + "]."));
      }
      return objects;
    }

    List<String> strings(String key) {
      JsonArray array = array(key);
      List<String> strings = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof String text) || text.isEmpty()) {
          throw new Invalid("'" + path(key) + "[" + i + "]' must be a non-empty string");
        }
        strings.add(text);
      }
      return strings;
    }

    private JsonArray array(String key) {
      Object value = json.getValue(key);
      if (value == null) {
        return new JsonArray();
      }
      if (!(value instanceof JsonArray array)) {
        throw new Invalid("'" + path(key) + "' must be an array");
      }
      return array;
    }

    /** {@code <system>|<value>}, split at the first {@code |}. */
    Reference reference(String key, String kind) {
      Reference reference = splitReference(kind, requiredString(key));
      if (reference == null) {
        throw new Invalid("'" + path(key) + "' must be written <system>|<value>");
      }
      return reference;
    }

    /** {@code Individual/<system>|<value>} or {@code Group/<system>|<value>}. */
    Reference subject(String key) {
      String value = requiredString(key);
      for (String kind : new String[] {RegistryFile.INDIVIDUAL, RegistryFile.GROUP}) {
        if (value.startsWith(kind + "/")) {
          Reference reference = splitReference(kind, value.substring(kind.length() + 1));
          if (reference != null) {
            return reference;
          }
        }
      }
      throw new Invalid("'" + path(key) + "' must be written Individual/<system>|<value> or Group/<system>|<value>");
    }

    private static Reference splitReference(String kind, String text) {
      int bar = text.indexOf('|');
      if (bar <= 0 || bar == text.length() - 1) {
        return null;
      }
      return new Reference(kind, text.substring(0, bar), text.substring(bar + 1));
    }
  }

  /** A validation failure within one line; becomes a {@link LoadException} carrying the line number. */
  private static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String reason) {
      super(reason, null, false, false);
    }
  }
}
