package org.openspp.gateway.bus;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * One registrant as the registry holds it, with everything the resource mapping needs. Immutable; free of
 * Vert.x runtime types so it can cross a clustered event bus. {@code id} is internal and never leaves the
 * gateway. Absent values are {@code null}.
 *
 * @param identifiers   live identifiers, registry order
 * @param name          for a Group its name; for an Individual its display name
 * @param extensionJson the stored extension object as JSON text, or {@code null}
 * @param links         Individual: its active group memberships; Group: its members (memberships not ended)
 * @param versionId     opaque version token of the record ({@code meta.versionId}), or {@code null}
 * @param consents      candidate consents for the calling client (empty unless it is consent-filtered)
 */
public record RegistrantRecord(
    long id,
    ResourceType kind,
    boolean active,
    List<Identifier> identifiers,
    String familyName,
    String givenName,
    String middleName,
    String name,
    LocalDate birthDate,
    Boolean birthDateEstimated,
    String genderCode,
    String genderDisplay,
    String phone,
    String mobile,
    String email,
    Address address,
    String groupType,
    String extensionJson,
    List<Link> links,
    String source,
    String versionId,
    Instant lastUpdated,
    List<ConsentRecord> consents) {

  public RegistrantRecord {
    identifiers = List.copyOf(identifiers);
    links = List.copyOf(links);
    consents = List.copyOf(consents);
  }

  /** A live identifier. */
  public record Identifier(String system, String value) {
  }

  /** A postal address; every part may be {@code null}. */
  public record Address(String street, String city, String state, String country, String postalCode) {
  }

  /**
   * A membership seen from one side. {@code refSystem}/{@code refValue} is the other side's first live
   * identifier ({@code null} when it has none), {@code display} its name.
   *
   * @param inactive Group members only: true when the member individual is archived
   */
  public record Link(
      String refSystem,
      String refValue,
      String display,
      String roleSystem,
      String roleCode,
      String roleDisplay,
      boolean inactive) {
  }
}
