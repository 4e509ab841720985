package org.openspp.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecretHasherTest {

  /** Computed independently with Python: hashlib.scrypt(secret, salt=salt_text, n=16384, r=8, p=1, dklen=64). */
  private static final String SALT = "00112233445566778899aabbccddeeff";
  private static final String KEY_HEX = "260ebb923a7137541dd4462b69cd2392163377d48f80939f74ed457b01a17e83"
      + "22a1017be4413b751a17700d15b8b662c767186717fef8c8704f02419d8d9ab1";
  private static final String UNICODE_SALT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  private static final String UNICODE_KEY_HEX = "b89e01f46f7e253673a9218e2bdf0e73a0102c902b2026868504ea9ab36b8349"
      + "95743f4b368e02510bae59b6faca3699f9a7cee9f19615d8f993993cdeba93f2";

  @Test
  @DisplayName("hash writes $scrypt$, a 32-hex-char salt and a 128-hex-char key, fresh salt each time")
  void hashFormat() {
    String first = SecretHasher.hash("demo-ngo-secret");
    String second = SecretHasher.hash("demo-ngo-secret");

    assertThat(first).matches("\\$scrypt\\$[0-9a-f]{32}\\$[0-9a-f]{128}");
    assertThat(second).isNotEqualTo(first);
    assertThat(SecretHasher.isHashed(first)).isTrue();
  }

  @Test
  @DisplayName("a hash verifies its own secret and nothing else")
  void roundTrip() {
    String stored = SecretHasher.hash("demo-ngo-secret");

    assertThat(SecretHasher.verify("demo-ngo-secret", stored)).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret ", stored)).isFalse();
    assertThat(SecretHasher.verify("", stored)).isFalse();
    assertThat(SecretHasher.verify(null, stored)).isFalse();
  }

  @Test
  @DisplayName("verifies hashes made elsewhere, with the salt used as its text bytes")
  void knownVectors() {
    assertThat(SecretHasher.verify("demo-ngo-secret", "$scrypt$" + SALT + "$" + KEY_HEX)).isTrue();
    assertThat(SecretHasher.verify("Peña-secret", "$scrypt$" + UNICODE_SALT + "$" + UNICODE_KEY_HEX)).isTrue();
    assertThat(SecretHasher.verify("Pena-secret", "$scrypt$" + UNICODE_SALT + "$" + UNICODE_KEY_HEX)).isFalse();
  }

  @Test
  @DisplayName("accepts the key part in uppercase hex, Base64 and URL-safe Base64 without padding")
  void keyEncodings() {
    byte[] key = HexFormat.of().parseHex(KEY_HEX);
    String base64 = Base64.getEncoder().encodeToString(key);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(key);

    assertThat(SecretHasher.verify("demo-ngo-secret", "$scrypt$" + SALT + "$" + KEY_HEX.toUpperCase())).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret", "$scrypt$" + SALT + "$" + base64)).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret", "$scrypt$" + SALT + "$" + urlSafe)).isTrue();
    assertThat(SecretHasher.verify("wrong", "$scrypt$" + SALT + "$" + base64)).isFalse();
  }

  @Test
  @DisplayName("malformed stored values are not hashes and never verify")
  void malformed() {
    String[] malformed = {
        null,
        "",
        "demo-ngo-secret",
        "$scrypt$",
        "$scrypt$" + SALT,
        "$scrypt$$" + KEY_HEX,
        "$scrypt$" + SALT + "$",
        "$scrypt$" + SALT + "$" + KEY_HEX.substring(2),
        "$scrypt$" + SALT + "$" + KEY_HEX + "00",
        "$scrypt$" + SALT + "$" + KEY_HEX.replace('a', 'g'),
        "$scrypt$" + SALT + "$" + KEY_HEX + "$extra",
        "$bcrypt$" + SALT + "$" + KEY_HEX,
    };
    for (String stored : malformed) {
      assertThat(SecretHasher.isHashed(stored)).as("isHashed(%s)", stored).isFalse();
      assertThat(SecretHasher.verify("demo-ngo-secret", stored)).as("verify(%s)", stored).isFalse();
    }
  }
}
