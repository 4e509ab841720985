package org.openspp.gateway.aggregate;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openspp.gateway.bus.AuditRecord;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ConsentRecord;
import org.openspp.gateway.bus.ExportRequest;
import org.openspp.gateway.bus.ExportResult;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.ResolveResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pure assembly of an export response from what the resolver returned (spec §5.3, §5.4, §6, §9): one item per
 * requested identifier in request order, the access decision (legal basis or consent), field filtering,
 * {@code _extensions} gating, {@code _elements}, statuses and counts — and the matching audit record. No I/O.
 */
public final class ExportAssembler {

  private static final Logger log = LoggerFactory.getLogger(ExportAssembler.class);

  public static final String SUCCESS = "success";
  public static final String NOT_FOUND = "not_found";
  public static final String ACCESS_DENIED = "access_denied";
  public static final String ERROR = "error";

  static final String ACCESS_DENIED_TEXT = "Access denied";
  static final String AMBIGUOUS_TEXT = "Identifier matches more than one registrant";
  static final String INTERNAL_TEXT = "Internal error";

  private ExportAssembler() {
  }

  /** The response and the audit record that must be committed before it leaves. */
  public record Assembly(ExportResult result, AuditRecord audit) {
  }

  /** A distinct registry key. */
  record Key(String system, String value) {
  }

  /** One item: its JSON and its audit row. */
  private record Outcome(JsonObject item, AuditRecord.Item audit) {
  }

  /** A record rendered once per request: the resource and the consent that allowed it (if any). */
  private record Rendered(JsonObject resource, ConsentRules.Grant grant) {
  }

  /**
   * The distinct valid keys of a request, in first-occurrence order. Keys PostgreSQL text cannot hold (a NUL,
   * an unpaired surrogate) are left out: no registrant holds such an identifier (it is answered as not found),
   * and sending it would fail the whole query.
   */
  public static List<ParsedIdentifier> distinctKeys(ExportRequest req) {
    Map<Key, ParsedIdentifier> keys = new LinkedHashMap<>();
    for (ParsedIdentifier id : req.identifiers()) {
      if (id.storable()) {
        keys.putIfAbsent(new Key(id.system(), id.value()), id);
      }
    }
    return new ArrayList<>(keys.values());
  }

  /** The response would exceed its bound; nothing of it may leave. Carries no content. */
  public static final class ResponseTooLarge extends RuntimeException {
    ResponseTooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Builds the response for {@code req} from the resolver's {@code result}.
   *
   * @param maxResponseBytes the largest body allowed
   * @throws ResponseTooLarge when the body would be larger; it is never built whole
   */
  public static Assembly assemble(ExportRequest req, ResolveResult result, int maxResponseBytes) {
    Map<Key, Map<Long, RegistrantRecord>> holders = new HashMap<>();
    for (ResolveResult.Match m : result.matches()) {
      holders.computeIfAbsent(new Key(m.system(), m.value()), k -> new LinkedHashMap<>())
          .putIfAbsent(m.record().id(), m.record());
    }
    Context ctx = new Context(req);
    JsonArray items = new JsonArray(new ArrayList<>(req.identifiers().size()));
    List<AuditRecord.Item> auditItems = new ArrayList<>(req.identifiers().size());
    int successful = 0;
    int accessDenied = 0;
    int notFound = 0;
    int position = 0;
    for (ParsedIdentifier id : req.identifiers()) {
      Outcome outcome;
      if (!id.valid()) {
        outcome = failure(position, id, ERROR, id.error(), null);
      } else {
        outcome = decide(ctx, position, id, holders.getOrDefault(new Key(id.system(), id.value()), Map.of()));
      }
      String status = outcome.audit().status();
      if (SUCCESS.equals(status)) {
        successful++;
      } else if (ACCESS_DENIED.equals(status)) {
        accessDenied++;
      } else if (NOT_FOUND.equals(status)) {
        notFound++;
      }
      items.add(outcome.item());
      auditItems.add(outcome.audit());
      position++;
    }
    int total = items.size();
    JsonObject body = new JsonObject(new LinkedHashMap<>(8))
        .put("total", total)
        .put("successful", successful)
        .put("failed", total - successful)
        .put("items", items);
    ClientRecord client = req.client();
    AuditRecord audit = new AuditRecord(AuditRecord.newId(), req.requestId(), client.clientId(), client.legalBasis(),
        req.type().wireName(), total, successful, total - successful, req.receivedAt(), req.remoteAddress(),
        req.userAgent(), auditItems);
    Buffer bytes;
    try {
      bytes = JsonTreeWriter.toBuffer(body, 256 + 1024 * total, maxResponseBytes);
    } catch (JsonTreeWriter.TooLarge e) {
      throw new ResponseTooLarge(e.getMessage());
    }
    return new Assembly(new ExportResult(total, successful, total - successful, accessDenied, notFound, bytes), audit);
  }

  /** Per-request state: parsed options and each record rendered at most once. */
  private static final class Context {
    final ExportRequest req;
    final ElementsProjection projection;
    final ExtensionSelection extensions;
    final Map<Long, Optional<Rendered>> rendered = new HashMap<>();

    Context(ExportRequest req) {
      this.req = req;
      this.projection = ElementsProjection.parse(req.elements());
      this.extensions = ExtensionSelection.parse(req.extensions());
    }
  }

  private static Outcome decide(Context ctx, int position, ParsedIdentifier id, Map<Long, RegistrantRecord> found) {
    ExportRequest req = ctx.req;
    boolean filtered = req.client().consentFiltered();
    if (found.isEmpty()) {
      return filtered
          ? failure(position, id, ACCESS_DENIED, ACCESS_DENIED_TEXT, null)
          : failure(position, id, NOT_FOUND, req.type().wireName() + " not found", null);
    }
    if (found.size() > 1) {
      boolean mayReadAll = !filtered || ConsentRules.mayReadAll(req.client(), req.type(),
          found.values().stream().map(RegistrantRecord::consents).toList(), req.today());
      // every holder is named in the audit trail, so that "who accessed this person" finds the attempt
      List<Long> holderIds = List.copyOf(found.keySet());
      return mayReadAll
          ? failure(position, id, ERROR, AMBIGUOUS_TEXT, null, holderIds)
          : failure(position, id, ACCESS_DENIED, ACCESS_DENIED_TEXT, null, holderIds);
    }
    RegistrantRecord record = found.values().iterator().next();
    Optional<Rendered> rendered;
    try {
      rendered = ctx.rendered.computeIfAbsent(record.id(), k -> render(ctx, record));
    } catch (RuntimeException e) {
      log.error("request {}: mapping a {} record failed", req.requestId(), req.type().wireName(), e);
      return failure(position, id, ERROR, INTERNAL_TEXT, record.id());
    }
    if (rendered.isEmpty()) {
      return failure(position, id, ACCESS_DENIED, ACCESS_DENIED_TEXT, record.id());
    }
    JsonObject resource = rendered.get().resource();
    ConsentRules.Grant grant = rendered.get().grant();
    JsonObject item = new JsonObject(new LinkedHashMap<>(4))
        .put("identifier", id.raw())
        .put("status", SUCCESS)
        .put("resource", resource);
    return new Outcome(item, new AuditRecord.Item(position, id.raw(), SUCCESS, record.id(),
        grant == null ? null : grant.consentId(), grant == null ? null : grant.purpose(),
        new ArrayList<>(resource.fieldNames()), grant == null ? null : grant.consentExternalId()));
  }

  /**
   * The resource a client may see of one record, or empty when a consent-filtered client holds no valid
   * consent for it. Consent filtering comes first, {@code _elements} after it.
   */
  private static Optional<Rendered> render(Context ctx, RegistrantRecord record) {
    ExportRequest req = ctx.req;
    if (!req.client().consentFiltered()) {
      return Optional.of(new Rendered(ctx.projection.apply(ResourceMapper.toResource(record, ctx.extensions)), null));
    }
    List<ConsentRecord> consents = record.consents();
    Optional<ConsentRules.Grant> grant = ConsentRules.grant(req.client(), req.type(), consents, req.today());
    if (grant.isEmpty()) {
      return Optional.empty();
    }
    ExtensionSelection allowed = ConsentRules.extensions(ctx.extensions, grant.get());
    JsonObject filtered = ConsentRules.filterFields(ResourceMapper.toResource(record, allowed), grant.get());
    return Optional.of(new Rendered(ctx.projection.apply(filtered), grant.get()));
  }

  private static Outcome failure(int position, ParsedIdentifier id, String status, String error, Long registrantId) {
    return failure(position, id, status, error, registrantId, null);
  }

  private static Outcome failure(int position, ParsedIdentifier id, String status, String error, Long registrantId,
      List<Long> holderIds) {
    JsonObject item = new JsonObject(new LinkedHashMap<>(4))
        .put("identifier", id.raw())
        .put("status", status)
        .put("error", error);
    return new Outcome(item,
        new AuditRecord.Item(position, id.raw(), status, registrantId, null, null, null, null, holderIds));
  }
}
