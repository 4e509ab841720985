package org.openspp.gateway.db;

import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ConsentRecord;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.ResolveResult;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.bus.Credentials;

/**
 * Turns rows of {@link RegistryQueries} into message records; nothing of {@link Row} escapes. The {@code openspp}
 * kind's statements return the same column names, so this reader serves both kinds.
 *
 * <p>Links: each entry of the {@code links} JSON array is {@code [system, value, name, role_system, role_code,
 * role_display, inactive]}, optionally followed by the membership's {@code start_date, end_date}. Entries with
 * dates are the gateway kind's read model, which keeps every membership; they are narrowed here to the request's
 * day, by the rule the statements of both kinds apply: an Individual's group memberships started on or before the
 * day and not ended before it, a Group's members whose membership has not ended before the day. Entries without
 * dates were already narrowed by the statement (the {@code openspp} kind).
 */
public final class RegistrantRows {

  private RegistrantRows() {
  }

  public static ResolveResult toResult(ResourceType type, RowSet<Row> rows, LocalDate day) {
    List<ResolveResult.Match> matches = new ArrayList<>(rows.size());
    Columns c = new Columns(rows.columnsNames());
    for (Row row : rows) {
      matches.add(new ResolveResult.Match(row.getString(c.keySystem), row.getString(c.keyValue),
          toRecord(type, row, c, day)));
    }
    return new ResolveResult(matches);
  }

  private static RegistrantRecord toRecord(ResourceType type, Row row, Columns c, LocalDate day) {
    String[] systems = row.getArrayOfStrings(c.idSystems);
    String[] values = row.getArrayOfStrings(c.idValues);
    List<RegistrantRecord.Identifier> identifiers = new ArrayList<>(systems.length);
    for (int i = 0; i < systems.length; i++) {
      identifiers.add(new RegistrantRecord.Identifier(systems[i], values[i]));
    }
    OffsetDateTime updated = row.getOffsetDateTime(c.lastUpdated);
    return new RegistrantRecord(
        row.getLong(c.id),
        type,
        row.getBoolean(c.active),
        identifiers,
        row.getString(c.familyName),
        row.getString(c.givenName),
        row.getString(c.middleName),
        row.getString(c.name),
        row.getLocalDate(c.birthDate),
        row.getBoolean(c.birthDateEstimated),
        row.getString(c.genderCode),
        row.getString(c.genderDisplay),
        row.getString(c.phone),
        row.getString(c.mobile),
        row.getString(c.email),
        new RegistrantRecord.Address(row.getString(c.street), row.getString(c.city), row.getString(c.state),
            row.getString(c.country), row.getString(c.postalCode)),
        row.getString(c.groupType),
        row.getString(c.extension),
        links(row.getValue(c.links), type, day),
        row.getString(c.source),
        version(row.getValue(c.versionId)),
        updated == null ? null : updated.toInstant(),
        consents(row.getValue(c.consents)));
  }

  /**
   * The positions of the resolver statement's columns, found by name once per result rather than once per row and
   * column (a by-name lookup is a scan of the column names: measured, a tenth of the gateway's CPU per export).
   */
  private static final class Columns {
    final int keySystem;
    final int keyValue;
    final int id;
    final int active;
    final int familyName;
    final int givenName;
    final int middleName;
    final int name;
    final int birthDate;
    final int birthDateEstimated;
    final int genderCode;
    final int genderDisplay;
    final int phone;
    final int mobile;
    final int email;
    final int street;
    final int city;
    final int state;
    final int country;
    final int postalCode;
    final int groupType;
    final int extension;
    final int source;
    final int versionId;
    final int lastUpdated;
    final int idSystems;
    final int idValues;
    final int links;
    final int consents;

    Columns(List<String> names) {
      keySystem = at(names, "key_system");
      keyValue = at(names, "key_value");
      id = at(names, "id");
      active = at(names, "active");
      familyName = at(names, "family_name");
      givenName = at(names, "given_name");
      middleName = at(names, "middle_name");
      name = at(names, "name");
      birthDate = at(names, "birth_date");
      birthDateEstimated = at(names, "birth_date_estimated");
      genderCode = at(names, "gender_code");
      genderDisplay = at(names, "gender_display");
      phone = at(names, "phone");
      mobile = at(names, "mobile");
      email = at(names, "email");
      street = at(names, "street");
      city = at(names, "city");
      state = at(names, "state");
      country = at(names, "country");
      postalCode = at(names, "postal_code");
      groupType = at(names, "group_type");
      extension = at(names, "extension");
      source = at(names, "source");
      versionId = at(names, "version_id");
      lastUpdated = at(names, "last_updated");
      idSystems = at(names, "id_systems");
      idValues = at(names, "id_values");
      links = at(names, "links");
      consents = at(names, "consents");
    }

    private static int at(List<String> names, String column) {
      int index = names.indexOf(column);
      if (index < 0) {
        throw new IllegalStateException("the resolver statement returns no column " + column);
      }
      return index;
    }
  }

  /** The gateway schema's integer version, or the OpenSPP kind's text token. */
  private static String version(Object value) {
    return value == null ? null : value.toString();
  }

  private static List<ConsentRecord> consents(Object value) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    List<ConsentRecord> consents = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonArray c = array.getJsonArray(i);
      List<ConsentRecord.Scope> scopes = new ArrayList<>();
      JsonArray rows = c.getJsonArray(8);
      if (rows != null) {
        for (int j = 0; j < rows.size(); j++) {
          JsonArray s = rows.getJsonArray(j);
          scopes.add(new ConsentRecord.Scope(s.getString(0), s.getString(1), strings(s.getJsonArray(2)),
              s.getString(3), Boolean.TRUE.equals(s.getBoolean(4)), strings(s.getJsonArray(5))));
        }
      }
      consents.add(new ConsentRecord(c.getLong(0), Boolean.TRUE.equals(c.getBoolean(1)), c.getString(2),
          c.getString(3), strings(c.getJsonArray(4)), strings(c.getJsonArray(5)), pgDate(c.getString(6)),
          pgDate(c.getString(7)), scopes, c.getString(9)));
    }
    return consents;
  }

  private static List<String> strings(JsonArray array) {
    if (array == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(array.getString(i));
    }
    return out;
  }

  private static List<RegistrantRecord.Link> links(Object value, ResourceType type, LocalDate day) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    List<RegistrantRecord.Link> links = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonArray l = array.getJsonArray(i);
      if (l.size() > 7 && !inForce(type, pgDate(l.getString(7)), pgDate(l.getString(8)), day)) {
        continue;
      }
      links.add(new RegistrantRecord.Link(l.getString(0), l.getString(1), l.getString(2), l.getString(3),
          l.getString(4), l.getString(5), Boolean.TRUE.equals(l.getBoolean(6))));
    }
    return links;
  }

  /**
   * Whether a membership counts on {@code day}: not ended before it and, for an Individual's own memberships,
   * started on or before it (a Group lists members whose membership has not ended, whenever it started).
   */
  static boolean inForce(ResourceType type, LocalDate start, LocalDate end, LocalDate day) {
    boolean notEnded = end == null || !end.isBefore(day);
    boolean started = type == ResourceType.GROUP || start == null || !start.isAfter(day);
    return notEnded && started;
  }

  /**
   * A date as PostgreSQL writes a {@code date} in JSON (memberships, consents): ISO {@code yyyy-mm-dd}, or
   * {@code infinity} / {@code -infinity}, a year past 9999, or a year before the common era (suffix {@code BC}),
   * which compare like the far future or the far past. The plain form is read digit by digit: a formatter's parse
   * allocated more than anything else on the resolver's path.
   */
  static LocalDate pgDate(String text) {
    if (text == null) {
      return null;
    }
    if (text.length() == 10 && text.charAt(4) == '-' && text.charAt(7) == '-') {
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 7);
      int day = digits(text, 8, 10);
      if (year >= 0 && month >= 0 && day >= 0) {
        return LocalDate.of(year, month, day);
      }
    }
    if (text.equals("infinity")) {
      return LocalDate.MAX;
    }
    if (text.equals("-infinity") || text.endsWith(" BC")) {
      return LocalDate.MIN;
    }
    return text.indexOf('-') > 4 ? LocalDate.MAX : LocalDate.parse(text);
  }

  /** The decimal number in {@code text[from, to)}, or -1 when a character there is not an ASCII digit. */
  private static int digits(String text, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** A client's stored credentials: {@code client_id}, {@code secret_hash}, {@code active}, {@code scopes}. */
  public static Credentials toCredentials(Row row) {
    String[] scopes = row.getArrayOfStrings("scopes");
    return new Credentials(row.getString("client_id"), row.getString("secret_hash"), row.getBoolean("active"),
        scopes == null ? List.of() : Arrays.stream(scopes).filter(Objects::nonNull).toList());
  }

  public static ClientRecord toClient(Row row) {
    String[] scopes = row.getArrayOfStrings("scopes");
    return new ClientRecord(
        row.getString("client_id"),
        row.getBoolean("active"),
        row.getString("legal_basis"),
        row.getString("organization"),
        row.getString("organization_type"),
        scopes == null ? java.util.Set.of() : new java.util.HashSet<>(java.util.Arrays.asList(scopes)),
        row.getInteger("rate_limit_per_minute"));
  }
}
