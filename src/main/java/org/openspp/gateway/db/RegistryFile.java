package org.openspp.gateway.db;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A validated registry file (operations spec §3): every record with the 1-based line it came from, in file
 * order. Produced by {@link RegistryFileParser}, written by {@link RegistryWriter}.
 */
record RegistryFile(List<Registrant> registrants, List<Client> clients, List<Consent> consents) {

  static final String INDIVIDUAL = "Individual";
  static final String GROUP = "Group";

  RegistryFile {
    registrants = List.copyOf(registrants);
    clients = List.copyOf(clients);
    consents = List.copyOf(consents);
  }

  LoadReport report() {
    int individuals = (int) registrants.stream().filter(r -> INDIVIDUAL.equals(r.kind())).count();
    return new LoadReport(individuals, registrants.size() - individuals, clients.size(), consents.size());
  }

  RegistryFile withClients(List<Client> replacement) {
    return new RegistryFile(registrants, replacement, consents);
  }

  /** An identifier of a registrant; {@code valid == false} is a soft-removed one. */
  record Identifier(String system, String value, boolean valid) {
  }

  /** A reference to a registrant of {@code kind} holding the live identifier {@code system|value}. */
  record Reference(String kind, String system, String value) {
  }

  /** An Individual or a Group; fields a kind does not have are null. */
  record Registrant(
      int line,
      String kind,
      String ref,
      boolean active,
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
      String street,
      String city,
      String state,
      String country,
      String postalCode,
      String groupType,
      String extensionJson,
      String source,
      OffsetDateTime lastUpdated,
      List<Identifier> identifiers,
      List<Member> members) {

    Registrant {
      identifiers = List.copyOf(identifiers);
      members = List.copyOf(members);
    }
  }

  /** A group member, referenced by one of the Individual's live identifiers. */
  record Member(Reference individual, String roleSystem, String roleCode, String roleDisplay, LocalDate start,
      LocalDate end) {
  }

  /** An API client; {@code secret} is plain until the loader hashes it, or a stored {@code $scrypt$} value. */
  record Client(
      int line,
      String clientId,
      String name,
      String secret,
      boolean active,
      String legalBasis,
      String legalBasisReference,
      String organization,
      String organizationType,
      List<String> scopes,
      Integer rateLimitPerMinute) {

    Client {
      scopes = List.copyOf(scopes);
    }

    Client withSecret(String replacement) {
      return new Client(line, clientId, name, replacement, active, legalBasis, legalBasisReference, organization,
          organizationType, scopes, rateLimitPerMinute);
    }
  }

  /** A consent and its scope rows. */
  record Consent(
      int line,
      String ref,
      Reference subject,
      String recipientMode,
      List<String> organizations,
      List<String> organizationTypes,
      String status,
      LocalDate effective,
      LocalDate expiry,
      List<ConsentScope> scopes) {

    Consent {
      organizations = List.copyOf(organizations);
      organizationTypes = List.copyOf(organizationTypes);
      scopes = List.copyOf(scopes);
    }
  }

  /** One scope row of a consent. */
  record ConsentScope(
      String resourceType,
      String fieldAccess,
      List<String> customFields,
      String purpose,
      boolean includeExtensions,
      List<String> allowedExtensions) {

    ConsentScope {
      customFields = List.copyOf(customFields);
      allowedExtensions = List.copyOf(allowedExtensions);
    }
  }
}
