package org.openspp.gateway.aggregate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ExportRequest;
import org.openspp.gateway.bus.ExportResult;
import org.openspp.gateway.bus.ParsedIdentifier;
import org.openspp.gateway.bus.RegistrantRecord;
import org.openspp.gateway.bus.ResolveResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pure assembly of an export response from what the resolver returned (spec §5.3, §6, §9): one item per
 * requested identifier in request order, statuses, counts, resource mapping and {@code _elements}. No I/O.
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

  /** A distinct registry key. */
  record Key(String system, String value) {
  }

  /** The distinct valid keys of a request, in first-occurrence order. */
  public static List<ParsedIdentifier> distinctKeys(ExportRequest req) {
    Map<Key, ParsedIdentifier> keys = new LinkedHashMap<>();
    for (ParsedIdentifier id : req.identifiers()) {
      if (id.valid()) {
        keys.putIfAbsent(new Key(id.system(), id.value()), id);
      }
    }
    return new ArrayList<>(keys.values());
  }

  /** Builds the response for {@code req} from the resolver's {@code result}. */
  public static ExportResult assemble(ExportRequest req, ResolveResult result) {
    Map<Key, Map<Long, RegistrantRecord>> holders = new HashMap<>();
    for (ResolveResult.Match m : result.matches()) {
      holders.computeIfAbsent(new Key(m.system(), m.value()), k -> new LinkedHashMap<>())
          .putIfAbsent(m.record().id(), m.record());
    }
    ClientRecord client = req.client();
    ElementsProjection projection = ElementsProjection.parse(req.elements());
    ExtensionSelection extensions = ExtensionSelection.parse(req.extensions());
    Map<Long, JsonObject> rendered = new HashMap<>();

    JsonArray items = new JsonArray(new ArrayList<>(req.identifiers().size()));
    int successful = 0;
    int accessDenied = 0;
    for (ParsedIdentifier id : req.identifiers()) {
      JsonObject item;
      if (!id.valid()) {
        item = failure(id, ERROR, id.error());
      } else {
        Map<Long, RegistrantRecord> found = holders.getOrDefault(new Key(id.system(), id.value()), Map.of());
        item = decide(req, client, id, found, projection, extensions, rendered);
      }
      String status = item.getString("status");
      if (SUCCESS.equals(status)) {
        successful++;
      } else if (ACCESS_DENIED.equals(status)) {
        accessDenied++;
      }
      items.add(item);
    }
    int total = items.size();
    JsonObject body = new JsonObject(new LinkedHashMap<>(8))
        .put("total", total)
        .put("successful", successful)
        .put("failed", total - successful)
        .put("items", items);
    return new ExportResult(total, successful, total - successful, accessDenied, body.toBuffer());
  }

  private static JsonObject decide(ExportRequest req, ClientRecord client, ParsedIdentifier id,
      Map<Long, RegistrantRecord> found, ElementsProjection projection, ExtensionSelection extensions,
      Map<Long, JsonObject> rendered) {
    if (client.consentFiltered()) {
      // Consent decisions are not available in this build: consent-filtered clients are refused every record,
      // and "not found" is masked the same way, so nothing about existence leaks.
      return failure(id, ACCESS_DENIED, ACCESS_DENIED_TEXT);
    }
    if (found.isEmpty()) {
      return failure(id, NOT_FOUND, req.type().wireName() + " not found");
    }
    if (found.size() > 1) {
      return failure(id, ERROR, AMBIGUOUS_TEXT);
    }
    RegistrantRecord record = found.values().iterator().next();
    JsonObject resource;
    try {
      resource = rendered.computeIfAbsent(record.id(),
          k -> projection.apply(ResourceMapper.toResource(record, extensions)));
    } catch (RuntimeException e) {
      log.error("request {}: mapping a {} record failed", req.requestId(), req.type().wireName(), e);
      return failure(id, ERROR, INTERNAL_TEXT);
    }
    return new JsonObject(new LinkedHashMap<>(4))
        .put("identifier", id.raw())
        .put("status", SUCCESS)
        .put("resource", resource);
  }

  private static JsonObject failure(ParsedIdentifier id, String status, String error) {
    return new JsonObject(new LinkedHashMap<>(4))
        .put("identifier", id.raw())
        .put("status", status)
        .put("error", error);
  }
}
