package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openspp.gateway.bus.ResourceType;

/** The request's day narrows the read model's memberships the way the resolver statements did before version 4. */
class MembershipDayTest {

  private static final LocalDate DAY = LocalDate.of(2026, 12, 1);

  @Test
  @DisplayName("an Individual's membership counts from its start day through its end day")
  void individualMembershipsInForce() {
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, null, null, DAY)).isTrue();
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, DAY, DAY, DAY)).isTrue();
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, DAY.plusDays(1), null, DAY)).isFalse();
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, null, DAY.minusDays(1), DAY)).isFalse();
  }

  @Test
  @DisplayName("a Group lists a member until the membership ends, including one that starts later")
  void groupMembersNotEnded() {
    assertThat(RegistrantRows.inForce(ResourceType.GROUP, DAY.plusDays(1), null, DAY)).isTrue();
    assertThat(RegistrantRows.inForce(ResourceType.GROUP, null, DAY, DAY)).isTrue();
    assertThat(RegistrantRows.inForce(ResourceType.GROUP, null, DAY.minusDays(1), DAY)).isFalse();
  }

  @Test
  @DisplayName("PostgreSQL's infinite, far-future and BC dates compare as the far future or far past")
  void postgresqlDateSpellings() {
    assertThat(RegistrantRows.membershipDate("2026-12-01")).isEqualTo(DAY);
    assertThat(RegistrantRows.membershipDate("infinity")).isEqualTo(LocalDate.MAX);
    assertThat(RegistrantRows.membershipDate("12026-01-01")).isEqualTo(LocalDate.MAX);
    assertThat(RegistrantRows.membershipDate("-infinity")).isEqualTo(LocalDate.MIN);
    assertThat(RegistrantRows.membershipDate("0044-03-15 BC")).isEqualTo(LocalDate.MIN);
    assertThat(RegistrantRows.membershipDate(null)).isNull();
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, null, RegistrantRows.membershipDate("infinity"), DAY))
        .isTrue();
  }
}
