package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ExtensionSelection")
class ExtensionSelectionTest {

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @NullSource
  @ValueSource(strings = {"", "   ", ",", " , ,, "})
  @DisplayName("null, blank or empty-token input selects nothing")
  void emptyInputSelectsNothing(String raw) {
    ExtensionSelection selection = ExtensionSelection.parse(raw);

    assertThat(selection.isEmpty()).isTrue();
    assertThat(selection.all()).isFalse();
    assertThat(selection.includes("farmer")).isFalse();
    assertThat(selection).isEqualTo(ExtensionSelection.none());
  }

  @Test
  @DisplayName("none() selects no key")
  void noneSelectsNoKey() {
    ExtensionSelection none = ExtensionSelection.none();

    assertThat(none.isEmpty()).isTrue();
    assertThat(none.all()).isFalse();
    assertThat(none.keys()).isEmpty();
    assertThat(none.includes("farmer")).isFalse();
  }

  @Test
  @DisplayName("a comma list is trimmed, empty tokens dropped and order kept")
  void commaListIsTrimmedAndEmptyTokensDropped() {
    ExtensionSelection selection = ExtensionSelection.parse(" farmer ,, disability,farmer ,");

    assertThat(selection.isEmpty()).isFalse();
    assertThat(selection.all()).isFalse();
    assertThat(selection.keys()).containsExactly("farmer", "disability");
    assertThat(selection.includes("farmer")).isTrue();
    assertThat(selection.includes("disability")).isTrue();
    assertThat(selection.includes("education")).isFalse();
  }

  @Test
  @DisplayName("keys are matched case-sensitively")
  void keysAreCaseSensitive() {
    assertThat(ExtensionSelection.parse("Farmer").includes("farmer")).isFalse();
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"*", " * ", "farmer,*", "*,farmer"})
  @DisplayName("a * token selects every key")
  void starSelectsEveryKey(String raw) {
    ExtensionSelection selection = ExtensionSelection.parse(raw);

    assertThat(selection.all()).isTrue();
    assertThat(selection.isEmpty()).isFalse();
    assertThat(selection.includes("anything")).isTrue();
  }

  @Test
  @DisplayName("restrictTo with allowAll keeps the selection unchanged")
  void restrictToAllowAllKeepsSelection() {
    ExtensionSelection listed = ExtensionSelection.parse("farmer,disability");
    ExtensionSelection star = ExtensionSelection.parse("*");

    assertThat(listed.restrictTo(true, Set.of())).isEqualTo(listed);
    assertThat(star.restrictTo(true, Set.of()).all()).isTrue();
  }

  @Test
  @DisplayName("restrictTo keeps only listed keys that are allowed")
  void restrictToIntersectsListedKeys() {
    ExtensionSelection restricted = ExtensionSelection.parse("farmer,disability,education")
        .restrictTo(false, Set.of("education", "farmer", "health"));

    assertThat(restricted.all()).isFalse();
    assertThat(restricted.keys()).containsExactly("farmer", "education");
    assertThat(restricted.includes("disability")).isFalse();
    assertThat(restricted.includes("health")).isFalse();
  }

  @Test
  @DisplayName("restrictTo turns * into exactly the allowed keys")
  void restrictToTurnsStarIntoAllowedKeys() {
    ExtensionSelection restricted = ExtensionSelection.parse("*").restrictTo(false, Set.of("farmer"));

    assertThat(restricted.all()).isFalse();
    assertThat(restricted.keys()).containsExactly("farmer");
    assertThat(restricted.includes("disability")).isFalse();
  }

  @Test
  @DisplayName("restrictTo with nothing allowed selects nothing")
  void restrictToNothingAllowedSelectsNothing() {
    assertThat(ExtensionSelection.parse("*").restrictTo(false, Set.of()).isEmpty()).isTrue();
    assertThat(ExtensionSelection.parse("farmer").restrictTo(false, Set.of("health")).isEmpty()).isTrue();
  }

  @Test
  @DisplayName("restrictTo never widens an empty selection")
  void restrictToNeverWidensEmptySelection() {
    assertThat(ExtensionSelection.none().restrictTo(false, Set.of("farmer")).isEmpty()).isTrue();
    assertThat(ExtensionSelection.none().restrictTo(true, Set.of("farmer")).isEmpty()).isTrue();
  }

  @Test
  @DisplayName("a restricted selection does not follow later changes to the allowed set")
  void restrictedSelectionIsIndependentOfAllowedSet() {
    Set<String> allowed = new HashSet<>(Set.of("farmer"));
    ExtensionSelection restricted = ExtensionSelection.parse("*").restrictTo(false, allowed);

    allowed.add("disability");

    assertThat(restricted.includes("disability")).isFalse();
    assertThat(restricted.keys()).containsExactly("farmer");
  }

  @Test
  @DisplayName("the listed keys cannot be modified through keys()")
  void keysAreUnmodifiable() {
    ExtensionSelection selection = ExtensionSelection.parse("farmer");

    assertThatThrownBy(() -> selection.keys().add("disability"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
