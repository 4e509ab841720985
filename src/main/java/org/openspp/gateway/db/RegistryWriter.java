package org.openspp.gateway.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openspp.gateway.db.RegistryFile.Client;
import org.openspp.gateway.db.RegistryFile.Consent;
import org.openspp.gateway.db.RegistryFile.ConsentScope;
import org.openspp.gateway.db.RegistryFile.Identifier;
import org.openspp.gateway.db.RegistryFile.Member;
import org.openspp.gateway.db.RegistryFile.Reference;
import org.openspp.gateway.db.RegistryFile.Registrant;

/**
 * Writes one validated {@link RegistryFile} on a connection that is already inside a transaction: registrants
 * and their identifiers first, then memberships and consents, whose references are resolved against the
 * registry as it stands after the registrants were written. A failure (including an unresolvable reference,
 * reported as a {@link LoadException}) fails the returned future so the caller's transaction rolls back.
 *
 * <p>Work is done in chunks of {@value #CHUNK} records, one statement (or one batch) per chunk and table, one
 * chunk after the other on the same connection.
 */
final class RegistryWriter {

  static final int CHUNK = 1000;

  private final SqlConnection conn;
  private final String sourceName;
  private final RegistryFile file;
  private final long[] registrantIds;

  RegistryWriter(SqlConnection conn, String sourceName, RegistryFile file) {
    this.conn = conn;
    this.sourceName = sourceName;
    this.file = file;
    this.registrantIds = new long[file.registrants().size()];
  }

  /**
   * Runs every step; with {@code replace}, empties the registry tables first. The registrants' read model
   * ({@code V4__resource_read_model.sql}) is deferred to the end of the transaction and refreshed once for every
   * registrant the load touched, rather than by the triggers after each chunk (which would rewrite each row once per
   * table it appears in).
   */
  Future<Void> write(boolean replace) {
    Future<Void> start = inOrder(LoadQueries.DEFER_READ_MODEL)
        .compose(v -> replace ? inOrder(LoadQueries.EMPTY_REGISTRY) : Future.succeededFuture());
    return start
        .compose(v -> inChunks(file.registrants().size(), CHUNK, this::writeRegistrants))
        .compose(v -> writeMemberships())
        .compose(v -> inChunks(file.clients().size(), CHUNK, this::writeClients))
        .compose(v -> inChunks(file.consents().size(), CHUNK, this::writeConsents))
        .compose(v -> conn.query(LoadQueries.REFRESH_READ_MODEL).execute().mapEmpty());
  }

  /** Runs {@code statements} one after the other on the load's connection. */
  private Future<Void> inOrder(String... statements) {
    Future<Void> chain = Future.succeededFuture();
    for (String sql : statements) {
      chain = chain.compose(v -> conn.query(sql).execute().mapEmpty());
    }
    return chain;
  }

  private Future<Void> writeRegistrants(int from, int to) {
    List<Registrant> chunk = file.registrants().subList(from, to);
    int withoutRef = (int) chunk.stream().filter(r -> r.ref() == null).count();
    Future<List<Long>> reserved = withoutRef == 0
        ? Future.succeededFuture(List.of())
        : conn.preparedQuery(LoadQueries.RESERVE_REGISTRANT_IDS).execute(Tuple.of(withoutRef))
            .map(rows -> {
              List<Long> ids = new ArrayList<>(withoutRef);
              rows.forEach(row -> ids.add(row.getLong("id")));
              return ids;
            });
    return reserved
        .compose(ids -> upsertRegistrants(chunk, ids).map(byRef -> assignIds(from, chunk, ids, byRef)))
        .compose(refIds -> refIds.length == 0
            ? Future.succeededFuture()
            : conn.preparedQuery(LoadQueries.DELETE_IDENTIFIERS).execute(Tuple.tuple().addArrayOfLong(refIds))
                .compose(v -> conn.preparedQuery(LoadQueries.DELETE_MEMBERSHIPS)
                    .execute(Tuple.tuple().addArrayOfLong(refIds)))
                .mapEmpty())
        .compose(v -> insertIdentifiers(from, chunk));
  }

  private Future<Map<String, Long>> upsertRegistrants(List<Registrant> chunk, List<Long> reservedIds) {
    int size = chunk.size();
    Long[] ids = new Long[size];
    String[] refs = new String[size];
    String[] kinds = new String[size];
    Boolean[] active = new Boolean[size];
    String[][] text = new String[17][size];
    LocalDate[] birthDates = new LocalDate[size];
    Boolean[] estimated = new Boolean[size];
    OffsetDateTime[] lastUpdated = new OffsetDateTime[size];
    int nextReserved = 0;
    for (int i = 0; i < size; i++) {
      Registrant r = chunk.get(i);
      ids[i] = r.ref() == null ? reservedIds.get(nextReserved++) : null;
      refs[i] = r.ref();
      kinds[i] = r.kind();
      active[i] = r.active();
      String[] columns = {r.familyName(), r.givenName(), r.middleName(), r.name(), r.genderCode(),
          r.genderDisplay(), r.phone(), r.mobile(), r.email(), r.street(), r.city(), r.state(), r.country(),
          r.postalCode(), r.groupType(), r.extensionJson(), r.source()};
      for (int c = 0; c < columns.length; c++) {
        text[c][i] = columns[c];
      }
      birthDates[i] = r.birthDate();
      estimated[i] = r.birthDateEstimated();
      lastUpdated[i] = r.lastUpdated();
    }
    Tuple params = Tuple.tuple()
        .addArrayOfLong(ids).addArrayOfString(refs).addArrayOfString(kinds).addArrayOfBoolean(active)
        .addArrayOfString(text[0]).addArrayOfString(text[1]).addArrayOfString(text[2]).addArrayOfString(text[3])
        .addArrayOfLocalDate(birthDates).addArrayOfBoolean(estimated);
    for (int c = 4; c < text.length; c++) {
      params.addArrayOfString(text[c]);
    }
    params.addArrayOfOffsetDateTime(lastUpdated);
    return conn.preparedQuery(LoadQueries.UPSERT_REGISTRANTS).execute(params).map(rows -> {
      Map<String, Long> byRef = new HashMap<>();
      for (Row row : rows) {
        String ref = row.getString("ref");
        if (ref != null) {
          byRef.put(ref, row.getLong("id"));
        }
      }
      return byRef;
    });
  }

  /** Records every row's id; returns the ids of the rows that carry a {@code ref}. */
  private Long[] assignIds(int from, List<Registrant> chunk, List<Long> reservedIds, Map<String, Long> byRef) {
    int nextReserved = 0;
    List<Long> refIds = new ArrayList<>();
    for (int i = 0; i < chunk.size(); i++) {
      Registrant r = chunk.get(i);
      if (r.ref() == null) {
        registrantIds[from + i] = reservedIds.get(nextReserved++);
        continue;
      }
      Long id = byRef.get(r.ref());
      if (id == null) {
        String other = RegistryFile.INDIVIDUAL.equals(r.kind()) ? "a Group" : "an Individual";
        throw new LoadException(sourceName, r.line(), "'ref' already belongs to " + other + " in the registry");
      }
      registrantIds[from + i] = id;
      refIds.add(id);
    }
    return refIds.toArray(Long[]::new);
  }

  private Future<Void> insertIdentifiers(int from, List<Registrant> chunk) {
    List<Long> owners = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    List<String> systems = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<String> statuses = new ArrayList<>();
    for (int i = 0; i < chunk.size(); i++) {
      List<Identifier> identifiers = chunk.get(i).identifiers();
      for (int position = 0; position < identifiers.size(); position++) {
        Identifier identifier = identifiers.get(position);
        owners.add(registrantIds[from + i]);
        positions.add(position);
        systems.add(identifier.system());
        values.add(identifier.value());
        statuses.add(identifier.valid() ? "valid" : "invalid");
      }
    }
    if (owners.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(LoadQueries.INSERT_IDENTIFIERS).execute(Tuple.tuple()
            .addArrayOfLong(owners.toArray(Long[]::new))
            .addArrayOfInteger(positions.toArray(Integer[]::new))
            .addArrayOfString(systems.toArray(String[]::new))
            .addArrayOfString(values.toArray(String[]::new))
            .addArrayOfString(statuses.toArray(String[]::new)))
        .mapEmpty();
  }

  private Future<Void> writeMemberships() {
    List<PendingMember> members = new ArrayList<>();
    List<Registrant> registrants = file.registrants();
    for (int i = 0; i < registrants.size(); i++) {
      Registrant group = registrants.get(i);
      for (int position = 0; position < group.members().size(); position++) {
        members.add(new PendingMember(group.line(), registrantIds[i], position, group.members().get(position)));
      }
    }
    return inChunks(members.size(), CHUNK, (from, to) -> {
      List<PendingMember> chunk = members.subList(from, to);
      return resolve(chunk.stream().map(m -> m.member().individual()).toList(), index -> {
        PendingMember member = chunk.get(index);
        return new Unresolved(member.line(), "'member[" + member.position() + "].individual'", "member individual");
      }).compose(individualIds -> insertMemberships(chunk, individualIds));
    });
  }

  private Future<Void> insertMemberships(List<PendingMember> chunk, long[] individualIds) {
    int size = chunk.size();
    Long[] groups = new Long[size];
    Integer[] positions = new Integer[size];
    Long[] individuals = new Long[size];
    String[] roleSystems = new String[size];
    String[] roleCodes = new String[size];
    String[] roleDisplays = new String[size];
    LocalDate[] starts = new LocalDate[size];
    LocalDate[] ends = new LocalDate[size];
    for (int i = 0; i < size; i++) {
      PendingMember pending = chunk.get(i);
      Member member = pending.member();
      groups[i] = pending.groupId();
      positions[i] = pending.position();
      individuals[i] = individualIds[i];
      roleSystems[i] = member.roleSystem();
      roleCodes[i] = member.roleCode();
      roleDisplays[i] = member.roleDisplay();
      starts[i] = member.start();
      ends[i] = member.end();
    }
    return conn.preparedQuery(LoadQueries.INSERT_MEMBERSHIPS).execute(Tuple.tuple()
            .addArrayOfLong(groups).addArrayOfInteger(positions).addArrayOfLong(individuals)
            .addArrayOfString(roleSystems).addArrayOfString(roleCodes).addArrayOfString(roleDisplays)
            .addArrayOfLocalDate(starts).addArrayOfLocalDate(ends))
        .mapEmpty();
  }

  private Future<Void> writeClients(int from, int to) {
    List<Tuple> batch = new ArrayList<>(to - from);
    for (Client c : file.clients().subList(from, to)) {
      batch.add(Tuple.tuple()
          .addString(c.clientId()).addString(c.name()).addString(c.secret()).addBoolean(c.active())
          .addString(c.legalBasis()).addString(c.legalBasisReference()).addString(c.organization())
          .addString(c.organizationType()).addArrayOfString(c.scopes().toArray(String[]::new))
          .addInteger(c.rateLimitPerMinute()));
    }
    return conn.preparedQuery(LoadQueries.UPSERT_CLIENT).executeBatch(batch).mapEmpty();
  }

  private Future<Void> writeConsents(int from, int to) {
    List<Consent> chunk = file.consents().subList(from, to);
    return resolve(chunk.stream().map(Consent::subject).toList(),
        index -> new Unresolved(chunk.get(index).line(), "'subject'", "subject"))
        .compose(subjectIds -> {
          List<Tuple> batch = new ArrayList<>(chunk.size());
          for (int i = 0; i < chunk.size(); i++) {
            Consent c = chunk.get(i);
            batch.add(Tuple.tuple()
                .addString(c.ref()).addLong(subjectIds[i]).addString(c.recipientMode())
                .addArrayOfString(c.organizations().toArray(String[]::new))
                .addArrayOfString(c.organizationTypes().toArray(String[]::new))
                .addString(c.status()).addLocalDate(c.effective()).addLocalDate(c.expiry()));
          }
          return conn.preparedQuery(LoadQueries.UPSERT_CONSENT).executeBatch(batch);
        })
        .compose(rows -> {
          List<Long> consentIds = new ArrayList<>(chunk.size());
          for (RowSet<Row> result = rows; result != null; result = result.next()) {
            consentIds.add(result.iterator().next().getLong("id"));
          }
          return replaceScopes(chunk, consentIds);
        });
  }

  private Future<Void> replaceScopes(List<Consent> chunk, List<Long> consentIds) {
    List<Long> withRef = new ArrayList<>();
    List<Tuple> scopes = new ArrayList<>();
    for (int i = 0; i < chunk.size(); i++) {
      Consent consent = chunk.get(i);
      long consentId = consentIds.get(i);
      if (consent.ref() != null) {
        withRef.add(consentId);
      }
      for (int position = 0; position < consent.scopes().size(); position++) {
        ConsentScope s = consent.scopes().get(position);
        scopes.add(Tuple.tuple()
            .addLong(consentId).addInteger(position).addString(s.resourceType()).addString(s.fieldAccess())
            .addArrayOfString(s.customFields().toArray(String[]::new)).addString(s.purpose())
            .addBoolean(s.includeExtensions()).addArrayOfString(s.allowedExtensions().toArray(String[]::new)));
      }
    }
    Future<Void> deleted = withRef.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(LoadQueries.DELETE_CONSENT_SCOPES)
            .execute(Tuple.tuple().addArrayOfLong(withRef.toArray(Long[]::new))).mapEmpty();
    return deleted.compose(v -> scopes.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(LoadQueries.INSERT_CONSENT_SCOPE).executeBatch(scopes).mapEmpty());
  }

  /**
   * Resolves references to exactly one registrant each.
   *
   * @param describe builds the error of the reference at a given index, when it does not resolve
   * @return the registrant ids, in input order
   */
  private Future<long[]> resolve(List<Reference> references, Function<Integer, Unresolved> describe) {
    int size = references.size();
    String[] kinds = new String[size];
    String[] systems = new String[size];
    String[] values = new String[size];
    for (int i = 0; i < size; i++) {
      Reference reference = references.get(i);
      kinds[i] = reference.kind();
      systems[i] = reference.system();
      values[i] = reference.value();
    }
    return conn.preparedQuery(LoadQueries.RESOLVE_REFERENCES)
        .execute(Tuple.tuple().addArrayOfString(kinds).addArrayOfString(systems).addArrayOfString(values))
        .map(rows -> {
          long[] ids = new long[size];
          int index = 0;
          for (Row row : rows) {
            long matches = row.getLong("matches");
            if (matches != 1) {
              Unresolved failure = describe.apply(index);
              String kind = references.get(index).kind();
              String outcome = matches == 0 ? "matches no " + kind : "matches more than one " + kind;
              throw new LoadException(sourceName, failure.line(),
                  failure.field() + ": " + failure.what() + " reference " + outcome);
            }
            ids[index++] = row.getLong("registrant_id");
          }
          return ids;
        });
  }

  /** Runs {@code step} over {@code [0, total)} in consecutive ranges of at most {@code size}, one after the other. */
  private static Future<Void> inChunks(int total, int size, ChunkStep step) {
    return nextChunk(0, total, size, step);
  }

  private static Future<Void> nextChunk(int from, int total, int size, ChunkStep step) {
    if (from >= total) {
      return Future.succeededFuture();
    }
    int to = Math.min(total, from + size);
    return step.write(from, to).compose(v -> nextChunk(to, total, size, step));
  }

  @FunctionalInterface
  private interface ChunkStep {
    Future<Void> write(int from, int to);
  }

  private record PendingMember(int line, long groupId, int position, Member member) {
  }

  private record Unresolved(int line, String field, String what) {
  }
}
