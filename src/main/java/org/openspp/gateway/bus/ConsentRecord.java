package org.openspp.gateway.bus;

import java.time.LocalDate;
import java.util.List;

/**
 * A consent the registry holds for a registrant, as fetched for one calling client: either on the registrant
 * itself or, for an Individual, on a group it actively belongs to ({@code household}). The resolver fetches
 * only candidates (the client's organisation or organisation type among the recipients): consents that may be
 * valid and, for an Individual, its own refusals and withdrawals, which rule out household consents; the
 * aggregator decides with {@code ConsentRules}.
 *
 * @param household         true when the subject is a group the Individual belongs to
 * @param recipientMode     {@code specific} or {@code category}
 * @param organizations     recipient organisation ids ({@code specific})
 * @param organizationTypes recipient organisation types ({@code category})
 * @param effective         first day of validity, or {@code null}
 * @param expiry            last day of validity (inclusive), or {@code null}
 * @param externalId        the consent's stable external reference (gateway: its {@code ref}; OpenSPP: its
 *                          {@code external_id} UUID), recorded in the audit trail; may be {@code null}
 */
public record ConsentRecord(
    long id,
    boolean household,
    String status,
    String recipientMode,
    List<String> organizations,
    List<String> organizationTypes,
    LocalDate effective,
    LocalDate expiry,
    List<Scope> scopes,
    String externalId) {

  public ConsentRecord {
    organizations = List.copyOf(organizations);
    organizationTypes = List.copyOf(organizationTypes);
    scopes = List.copyOf(scopes);
  }

  /** A consent without an external reference. */
  public ConsentRecord(long id, boolean household, String status, String recipientMode, List<String> organizations,
      List<String> organizationTypes, LocalDate effective, LocalDate expiry, List<Scope> scopes) {
    this(id, household, status, recipientMode, organizations, organizationTypes, effective, expiry, scopes, null);
  }

  /**
   * One scope row.
   *
   * @param resourceType      {@code individual}, {@code group} or {@code all}
   * @param fieldAccess       {@code all}, {@code basic} or {@code custom}
   * @param customFields      the fields of {@code custom} access
   * @param allowedExtensions extension keys allowed; empty means all, when {@code includeExtensions}
   */
  public record Scope(
      String resourceType,
      String fieldAccess,
      List<String> customFields,
      String purpose,
      boolean includeExtensions,
      List<String> allowedExtensions) {

    public Scope {
      customFields = List.copyOf(customFields);
      allowedExtensions = List.copyOf(allowedExtensions);
    }
  }
}
