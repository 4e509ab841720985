package org.openspp.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(RegistrantRows.pgDate("2026-12-01")).isEqualTo(DAY);
    assertThat(RegistrantRows.pgDate("infinity")).isEqualTo(LocalDate.MAX);
    assertThat(RegistrantRows.pgDate("12026-01-01")).isEqualTo(LocalDate.MAX);
    assertThat(RegistrantRows.pgDate("-infinity")).isEqualTo(LocalDate.MIN);
    assertThat(RegistrantRows.pgDate("0044-03-15 BC")).isEqualTo(LocalDate.MIN);
    assertThat(RegistrantRows.pgDate(null)).isNull();
    assertThat(RegistrantRows.inForce(ResourceType.INDIVIDUAL, null, RegistrantRows.pgDate("infinity"), DAY))
        .isTrue();
  }

  @Test
  @DisplayName("Plain dates read digit by digit equal ISO parsing, and impossible dates are refused like it")
  void plainDatesReadLikeIsoParsing() {
    for (LocalDate d = LocalDate.of(1899, 12, 1); d.isBefore(LocalDate.of(2101, 3, 1)); d = d.plusDays(1)) {
      assertThat(RegistrantRows.pgDate(d.toString())).isEqualTo(d);
    }
    assertThat(RegistrantRows.pgDate("0001-01-01")).isEqualTo(LocalDate.of(1, 1, 1));
    assertThat(RegistrantRows.pgDate("9999-12-31")).isEqualTo(LocalDate.of(9999, 12, 31));
    assertThatThrownBy(() -> RegistrantRows.pgDate("2026-02-30")).isInstanceOf(java.time.DateTimeException.class);
    assertThatThrownBy(() -> RegistrantRows.pgDate("2026-13-01")).isInstanceOf(java.time.DateTimeException.class);
    assertThatThrownBy(() -> RegistrantRows.pgDate("2026-1x-01")).isInstanceOf(java.time.DateTimeException.class);
  }
}
