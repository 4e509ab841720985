package org.openspp.gateway.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Audit row keys grow in the order PostgreSQL sorts uuid (by bytes), so audit indexes grow at their right edge. */
class AuditRecordIdTest {

  @Test
  @DisplayName("audit row keys are version 7 UUIDs carrying the current millisecond")
  void version7WithTime() {
    long before = System.currentTimeMillis();
    UUID id = AuditRecord.newId();
    long after = System.currentTimeMillis();
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    long millis = id.getMostSignificantBits() >>> 16;
    assertThat(millis).isBetween(before, after);
  }

  @Test
  @DisplayName("keys made one after another sort by their bytes (PostgreSQL's uuid order) in creation order, no repeats")
  void byteOrderFollowsCreationOrder() {
    List<String> hex = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      hex.add(AuditRecord.newId().toString());
    }
    for (int i = 1; i < hex.size(); i++) {
      assertThat(hex.get(i).compareTo(hex.get(i - 1))).as("key %d after key %d", i, i - 1).isPositive();
    }
  }
}
