package org.openspp.gateway.aggregate;

import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.bus.ConsentRecord;
import org.openspp.gateway.bus.ResourceType;

/**
 * The consent decision of spec §5.4 for consent-filtered clients: which consent, if any, lets a client read a
 * registrant, and what of the resource that consent exposes.
 *
 * <p>Every method is a pure function of its arguments: no I/O, no clock (the caller passes {@code today}), no
 * Vert.x runtime, no shared state. Inputs are never modified. All string comparisons (status, recipient mode,
 * organisation ids and types, scope resource types, field access) are exact and case-sensitive.
 *
 * <p>The candidates handed to these methods are the consents the resolver fetched for one registrant: those
 * whose subject is the registrant itself ({@code household == false}) and, for an Individual, those whose
 * subject is a group it actively belongs to ({@code household == true}). Besides the valid ones they may include
 * the registrant's own refusals and withdrawals, which can only take access away ({@link #isRefusal}). Subject
 * matching is therefore the resolver's job; everything else about validity is decided here.
 *
 * <p><b>Permissiveness of a scope row</b>, used both to choose a consent's scope row and to choose among
 * consents, compares in this order, the greater value winning:
 * <ol>
 *   <li>specificity: a row for the requested kind ({@code individual}/{@code group}) beats an {@code all} row,
 *       even when the {@code all} row is otherwise more permissive;</li>
 *   <li>field access: {@code all} &gt; {@code custom} &gt; {@code basic}; a row with any other field access is
 *       never chosen;</li>
 *   <li>{@code include_extensions} true over false;</li>
 *   <li>more custom fields over fewer.</li>
 * </ol>
 * Remaining ties go to the first row of the consent, and across consents to the lowest consent id.
 */
public final class ConsentRules {

  /** Consent statuses that make a consent valid. */
  private static final Set<String> VALID_STATUSES = Set.of("given", "renewed");

  /** Consent statuses of an Individual's own consent that rule out its household's consent. */
  private static final Set<String> REFUSAL_STATUSES = Set.of("withdrawn", "refused");

  private static final String MODE_SPECIFIC = "specific";
  private static final String MODE_CATEGORY = "category";
  private static final String SCOPE_ALL = "all";

  private static final String ACCESS_ALL = "all";
  private static final String ACCESS_CUSTOM = "custom";
  private static final String ACCESS_BASIC = "basic";

  /** Field access ranks; absent means unknown (never chosen). */
  private static final Map<String, Integer> ACCESS_RANK = Map.of(ACCESS_BASIC, 1, ACCESS_CUSTOM, 2, ACCESS_ALL, 3);

  /** Top-level members of a resource that {@code basic} field access exposes. */
  private static final Set<String> BASIC_MEMBERS = Set.of("type", "identifier", "name", "active", "meta");

  /** Top-level members that {@code custom} field access always exposes. */
  private static final Set<String> ALWAYS_KEPT = Set.of("type", "identifier");

  private static final String EXTENSION = "extension";

  private ConsentRules() {
  }

  /**
   * What one consent lets a client read: the consent's id and the content of its chosen scope row.
   *
   * @param consentId         the id of the consent the grant comes from (for audit)
   * @param consentExternalId that consent's external reference (for audit), or {@code null}
   * @param purpose           the chosen scope row's purpose; may be {@code null}
   * @param household         true when the consent is a household consent (its subject is a group the
   *                          Individual belongs to)
   * @param fieldAccess       {@code all}, {@code basic} or {@code custom}
   * @param customFields      the paths readable under {@code custom} access; unmodifiable
   * @param includeExtensions whether any extension may be returned
   * @param allowedExtensions the extension keys that may be returned; empty means every key, when
   *                          {@code includeExtensions}; unmodifiable
   * @throws NullPointerException     when {@code fieldAccess} or a list is {@code null}
   * @throws IllegalArgumentException when {@code fieldAccess} is not one of the three known values
   */
  public record Grant(
      long consentId,
      String purpose,
      boolean household,
      String fieldAccess,
      List<String> customFields,
      boolean includeExtensions,
      List<String> allowedExtensions,
      String consentExternalId) {

    /** A grant from a consent without an external reference. */
    public Grant(long consentId, String purpose, boolean household, String fieldAccess, List<String> customFields,
        boolean includeExtensions, List<String> allowedExtensions) {
      this(consentId, purpose, household, fieldAccess, customFields, includeExtensions, allowedExtensions, null);
    }

    public Grant {
      Objects.requireNonNull(fieldAccess, "fieldAccess");
      if (!ACCESS_RANK.containsKey(fieldAccess)) {
        throw new IllegalArgumentException("unknown field access: " + fieldAccess);
      }
      customFields = List.copyOf(customFields);
      allowedExtensions = List.copyOf(allowedExtensions);
    }

    /** The grant of {@code scope} on {@code consent}. */
    static Grant of(ConsentRecord consent, ConsentRecord.Scope scope) {
      return new Grant(consent.id(), scope.purpose(), consent.household(), scope.fieldAccess(),
          scope.customFields(), scope.includeExtensions(), scope.allowedExtensions(), consent.externalId());
    }
  }

  /**
   * True iff {@code c} is valid for {@code client} on {@code today}: its status is exactly {@code given} or
   * {@code renewed}; its effective date is absent or on or before {@code today}; its expiry date is absent or
   * on or after {@code today} (both bounds inclusive); and the client is among its recipients. With recipient
   * mode {@code specific} the client's organisation must be non-null and listed in
   * {@link ConsentRecord#organizations()}; with mode {@code category} the client's organisation type must be
   * non-null and listed in {@link ConsentRecord#organizationTypes()}. Any other mode, including {@code null},
   * is never valid. An organisation id never matches a type list and vice versa.
   *
   * <p>The consent's subject is not checked here (see the class description), nor are its scope rows.
   */
  public static boolean isValid(ConsentRecord c, ClientRecord client, LocalDate today) {
    Objects.requireNonNull(today, "today");
    if (c.status() == null || !VALID_STATUSES.contains(c.status())) {
      return false;
    }
    if (c.effective() != null && c.effective().isAfter(today)) {
      return false;
    }
    if (c.expiry() != null && c.expiry().isBefore(today)) {
      return false;
    }
    return isRecipient(c, client);
  }

  /**
   * True iff {@code c} is a refusal by its subject that concerns {@code client} on {@code today}: its status is
   * exactly {@code withdrawn} or {@code refused}; its effective date is absent or on or before {@code today}; and
   * the client is among its recipients, by the same rules as {@link #isValid}. The expiry date is not a
   * condition (a refusal does not lapse), nor are the scope rows (a refusal covers every kind and field).
   *
   * <p>Whether {@code c} is the registrant's own consent or its household's is not checked here: only an own
   * refusal counts (see {@link #grant}).
   */
  public static boolean isRefusal(ConsentRecord c, ClientRecord client, LocalDate today) {
    Objects.requireNonNull(today, "today");
    if (c.status() == null || !REFUSAL_STATUSES.contains(c.status())) {
      return false;
    }
    if (c.effective() != null && c.effective().isAfter(today)) {
      return false;
    }
    return isRecipient(c, client);
  }

  /**
   * The scope row of {@code c} that serves a read of {@code type}, or empty when none does. Only rows whose
   * resource type is exactly {@link ResourceType#scopeName()} or {@code all} and whose field access is known
   * are candidates; among them the most permissive in the order of the class description wins (the
   * kind-specific row first), remaining ties going to the first such row. Validity is not checked.
   */
  public static Optional<ConsentRecord.Scope> chooseScope(ConsentRecord c, ResourceType type) {
    Comparator<ConsentRecord.Scope> order = permissiveness(type);
    ConsentRecord.Scope best = null;
    for (ConsentRecord.Scope scope : c.scopes()) {
      if (serves(scope, type) && (best == null || order.compare(scope, best) > 0)) {
        best = scope;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The grant under which {@code client} may read a registrant of kind {@code type}, or empty when it may not.
   *
   * <p>A consent qualifies when it is {@linkplain #isValid valid} and has a {@linkplain #chooseScope chosen
   * scope} for {@code type}. Own consents ({@code household == false}) are considered first; household
   * consents ({@code household == true}) are considered only when no own consent qualifies, {@code type}
   * is {@link ResourceType#INDIVIDUAL} and no own consent is a {@linkplain #isRefusal refusal} for the client
   * (a person's own refusal or withdrawal wins over the household's consent); they never count for a Group.
   * Among the qualifying consents of the tier in use the one whose chosen scope is most permissive (class
   * description, specificity first) wins, ties going to the lowest consent id. The order of {@code candidates}
   * does not affect the result.
   */
  public static Optional<Grant> grant(
      ClientRecord client, ResourceType type, List<ConsentRecord> candidates, LocalDate today) {
    Optional<Grant> own = best(client, type, candidates, today, false);
    if (own.isPresent() || type != ResourceType.INDIVIDUAL || refusedOwn(client, candidates, today)) {
      return own;
    }
    return best(client, type, candidates, today, true);
  }

  /**
   * The part of {@code resource} that {@code grant} exposes, as a NEW object holding deep copies; the input is
   * never modified. Field access {@code all} keeps every member; {@code basic} keeps {@code type},
   * {@code identifier}, {@code name}, {@code active} and {@code meta}; {@code custom} keeps {@code type},
   * {@code identifier} and the grant's custom fields, each a top-level member name or a dot-separated path
   * projected as {@link ElementsProjection} does (an empty list keeps only {@code type} and
   * {@code identifier}). In every case an {@code extension} member present in {@code resource} is kept whole:
   * which extensions a resource may carry at all is decided before mapping, by
   * {@link #extensions(ExtensionSelection, Grant)}. Members keep the order of {@code resource}.
   */
  public static JsonObject filterFields(JsonObject resource, Grant grant) {
    if (ACCESS_ALL.equals(grant.fieldAccess())) {
      return resource.copy();
    }
    JsonObject projected = null;
    if (ACCESS_CUSTOM.equals(grant.fieldAccess())) {
      ElementsProjection projection = ElementsProjection.parse(String.join(",", grant.customFields()));
      // NONE would mean "everything": an empty (or blank) custom list must instead expose nothing extra.
      projected = projection.isNone() ? new JsonObject() : projection.apply(resource);
    }
    JsonObject out = new JsonObject();
    for (String key : resource.fieldNames()) {
      if (EXTENSION.equals(key)) {
        out.put(key, ElementsProjection.copyOf(resource.getValue(key)));
      } else if (projected == null) {
        if (BASIC_MEMBERS.contains(key)) {
          out.put(key, ElementsProjection.copyOf(resource.getValue(key)));
        }
      } else if (ALWAYS_KEPT.contains(key)) {
        out.put(key, ElementsProjection.copyOf(resource.getValue(key)));
      } else if (projected.containsKey(key)) {
        out.put(key, projected.getValue(key));
      }
    }
    return out;
  }

  /**
   * The extensions a resource read under {@code grant} may carry, given those the request asked for. Without
   * {@code includeExtensions} nothing; with it and no allowed keys listed, {@code requested} unchanged
   * (including {@code *}); otherwise {@code requested} narrowed to the allowed keys, {@code *} becoming
   * exactly the allowed keys (see {@link ExtensionSelection#restrictTo(boolean, Set)}).
   */
  public static ExtensionSelection extensions(ExtensionSelection requested, Grant grant) {
    if (!grant.includeExtensions()) {
      return ExtensionSelection.none();
    }
    if (grant.allowedExtensions().isEmpty()) {
      return requested;
    }
    // Insertion-ordered so that "*" expands in the consent's order; equal as a set to Set.copyOf(allowed).
    return requested.restrictTo(false, Collections.unmodifiableSet(new LinkedHashSet<>(grant.allowedExtensions())));
  }

  /**
   * True iff {@code client} has a {@linkplain #grant grant} for every holder, each holder given as its list of
   * candidate consents. Used for an identifier that resolves to several registrants: the ambiguity is
   * reported only to a client that could read all of them. Vacuously true for no holders.
   */
  public static boolean mayReadAll(
      ClientRecord client, ResourceType type, List<List<ConsentRecord>> holders, LocalDate today) {
    for (List<ConsentRecord> candidates : holders) {
      if (grant(client, type, candidates, today).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code c} lists the client's organisation ({@code specific}) or organisation type ({@code category}). */
  private static boolean isRecipient(ConsentRecord c, ClientRecord client) {
    if (MODE_SPECIFIC.equals(c.recipientMode())) {
      return client.organization() != null && c.organizations().contains(client.organization());
    }
    if (MODE_CATEGORY.equals(c.recipientMode())) {
      return client.organizationType() != null && c.organizationTypes().contains(client.organizationType());
    }
    return false;
  }

  /** True when one of the registrant's own consents among {@code candidates} is a refusal for {@code client}. */
  private static boolean refusedOwn(ClientRecord client, List<ConsentRecord> candidates, LocalDate today) {
    for (ConsentRecord c : candidates) {
      if (!c.household() && isRefusal(c, client, today)) {
        return true;
      }
    }
    return false;
  }

  /** The best grant among qualifying consents whose {@code household} flag is {@code household}. */
  private static Optional<Grant> best(
      ClientRecord client, ResourceType type, List<ConsentRecord> candidates, LocalDate today, boolean household) {
    Comparator<ConsentRecord.Scope> order = permissiveness(type);
    ConsentRecord bestConsent = null;
    ConsentRecord.Scope bestScope = null;
    for (ConsentRecord c : candidates) {
      if (c.household() != household || !isValid(c, client, today)) {
        continue;
      }
      Optional<ConsentRecord.Scope> chosen = chooseScope(c, type);
      if (chosen.isEmpty()) {
        continue;
      }
      ConsentRecord.Scope scope = chosen.get();
      int cmp = bestScope == null ? 1 : order.compare(scope, bestScope);
      if (cmp > 0 || (cmp == 0 && c.id() < bestConsent.id())) {
        bestConsent = c;
        bestScope = scope;
      }
    }
    return bestConsent == null ? Optional.empty() : Optional.of(Grant.of(bestConsent, bestScope));
  }

  /** True when {@code scope} is a candidate for a read of {@code type}. */
  private static boolean serves(ConsentRecord.Scope scope, ResourceType type) {
    String rt = scope.resourceType();
    String access = scope.fieldAccess();
    return (type.scopeName().equals(rt) || SCOPE_ALL.equals(rt)) && access != null && ACCESS_RANK.containsKey(access);
  }

  /** Ascending permissiveness of candidate rows for {@code type}; only defined on rows that serve it. */
  private static Comparator<ConsentRecord.Scope> permissiveness(ResourceType type) {
    return Comparator
        .comparingInt((ConsentRecord.Scope s) -> type.scopeName().equals(s.resourceType()) ? 1 : 0)
        .thenComparingInt(s -> ACCESS_RANK.get(s.fieldAccess()))
        .thenComparing(ConsentRecord.Scope::includeExtensions)
        .thenComparingInt(s -> s.customFields().size());
  }
}
