package org.openspp.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecretHasherTest {

  /**
   * Written the way OpenSPP's {@code spp.api.client} writes it, computed independently with Python:
   * {@code salt = bytes(range(16)); k = hashlib.scrypt(b'demo-secret', salt=salt, n=16384, r=8, p=1, dklen=64)},
   * then {@code '$scrypt$' + b64encode(salt) + '$' + b64encode(k)}.
   */
  private static final String OPENSPP_SALT = "AAECAwQFBgcICQoLDA0ODw==";
  private static final String OPENSPP_KEY = "CobN6QRSXZb6uwQILaTx1i54/GERJ6HttOIooKuw07h36M3kfIzzKb47f/A+fjqryjYvtTaAEhX43zz"
      + "ZkRrBxQ==";
  private static final String OPENSPP_HASH = "$scrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY;

  /** The same in Python with a non-ASCII secret: 'Peña-secret' UTF-8, salt bytes 0f1e2d3c4b5a69788796a5b4c3d2e1f0. */
  private static final String OPENSPP_UNICODE_HASH = "$scrypt$Dx4tPEtaaXiHlqW0w9Lh8A==$veKCU4ZMvOtwePDUhOEYt/RYEdukT7frKcd"
      + "+Xp/Fu+g0JRtpXPJzeYX8Dz7Jo6aR84DrwSGk66pMDIAZGT903w==";

  /**
   * The old bug, computed with Python: scrypt over the UTF-8 <em>text</em> of the Base64 salt
   * ({@code salt=b'AAECAwQFBgcICQoLDA0ODw=='}) instead of its decoded bytes. Such a value must not verify.
   */
  private static final String KEY_OVER_BASE64_SALT_TEXT = "nL91H9TyYNyrEHPX5nAa6/cfo0/tg0pDkXddGD6RLuFsBa3pM26o0SLTk"
      + "Q5QqW8JbWmo/hreFwij/6ly3aw/nQ==";

  /**
   * Legacy gateway format, computed independently with Python:
   * {@code hashlib.scrypt(b'demo-ngo-secret', salt=b'00112233445566778899aabbccddeeff', n=16384, r=8, p=1, dklen=64)}
   * with the salt as its 32-char hex text and the key in hex.
   */
  private static final String LEGACY_SALT = "00112233445566778899aabbccddeeff";
  private static final String LEGACY_KEY_HEX = "260ebb923a7137541dd4462b69cd2392163377d48f80939f74ed457b01a17e83"
      + "22a1017be4413b751a17700d15b8b662c767186717fef8c8704f02419d8d9ab1";
  private static final String LEGACY_HASH = "$scrypt$" + LEGACY_SALT + "$" + LEGACY_KEY_HEX;
  private static final String LEGACY_UNICODE_SALT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  private static final String LEGACY_UNICODE_KEY_HEX = "b89e01f46f7e253673a9218e2bdf0e73a0102c902b2026868504ea9ab36b8349"
      + "95743f4b368e02510bae59b6faca3699f9a7cee9f19615d8f993993cdeba93f2";

  /** OpenSPP's format: standard Base64 with padding of 16 salt bytes and of the 64-byte key. */
  private static final String OPENSPP_FORMAT = "^\\$scrypt\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{86}==$";

  @Test
  @DisplayName("an OpenSPP-written hash verifies its secret and nothing else")
  void openSppWrittenHashVerifies() {
    assertThat(SecretHasher.isHashed(OPENSPP_HASH)).isTrue();
    assertThat(SecretHasher.verify("demo-secret", OPENSPP_HASH)).isTrue();
    assertThat(SecretHasher.verify("demo-secret2", OPENSPP_HASH)).isFalse();
    assertThat(SecretHasher.verify("demo-ngo-secret", OPENSPP_HASH)).isFalse();
    assertThat(SecretHasher.verify("", OPENSPP_HASH)).isFalse();
    assertThat(SecretHasher.verify(null, OPENSPP_HASH)).isFalse();
  }

  @Test
  @DisplayName("an OpenSPP-written hash of a non-ASCII secret verifies over the secret's UTF-8 bytes")
  void openSppWrittenHashOfUnicodeSecretVerifies() {
    assertThat(SecretHasher.verify("Peña-secret", OPENSPP_UNICODE_HASH)).isTrue();
    assertThat(SecretHasher.verify("Pena-secret", OPENSPP_UNICODE_HASH)).isFalse();
  }

  @Test
  @DisplayName("scrypt runs over the decoded Base64 salt bytes, not over the salt text")
  void base64SaltIsDecodedBeforeScrypt() {
    String overSaltText = "$scrypt$" + OPENSPP_SALT + "$" + KEY_OVER_BASE64_SALT_TEXT;

    assertThat(SecretHasher.isHashed(overSaltText)).isTrue();
    assertThat(SecretHasher.verify("demo-secret", overSaltText)).isFalse();
  }

  @Test
  @DisplayName("a Base64 salt without its padding still verifies")
  void base64SaltWithoutPaddingVerifies() {
    String unpadded = "$scrypt$" + OPENSPP_SALT.replace("=", "") + "$" + OPENSPP_KEY;

    assertThat(SecretHasher.isHashed(unpadded)).isTrue();
    assertThat(SecretHasher.verify("demo-secret", unpadded)).isTrue();
    assertThat(SecretHasher.verify("other-secret", unpadded)).isFalse();
  }

  @Test
  @DisplayName("with an OpenSPP salt the key part may be hex, unpadded Base64 or URL-safe Base64")
  void openSppSaltAcceptsEveryKeyEncoding() {
    byte[] key = Base64.getDecoder().decode(OPENSPP_KEY);
    String prefix = "$scrypt$" + OPENSPP_SALT + "$";

    assertThat(SecretHasher.verify("demo-secret", prefix + HexFormat.of().formatHex(key))).isTrue();
    assertThat(SecretHasher.verify("demo-secret", prefix + HexFormat.of().withUpperCase().formatHex(key))).isTrue();
    assertThat(SecretHasher.verify("demo-secret", prefix + OPENSPP_KEY.replace("=", ""))).isTrue();
    assertThat(SecretHasher.verify("demo-secret", prefix + Base64.getUrlEncoder().encodeToString(key))).isTrue();
    assertThat(SecretHasher.verify("demo-secret",
        prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(key))).isTrue();
  }

  @Test
  @DisplayName("a legacy gateway hash (32-hex-char salt used as text, hex key) keeps verifying")
  void legacyHexSaltHashKeepsVerifying() {
    assertThat(SecretHasher.isHashed(LEGACY_HASH)).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret", LEGACY_HASH)).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret ", LEGACY_HASH)).isFalse();
    String legacyUnicode = "$scrypt$" + LEGACY_UNICODE_SALT + "$" + LEGACY_UNICODE_KEY_HEX;
    assertThat(SecretHasher.verify("Peña-secret", legacyUnicode)).isTrue();
    assertThat(SecretHasher.verify("Pena-secret", legacyUnicode)).isFalse();
  }

  @Test
  @DisplayName("a legacy hex salt accepts the key part in uppercase hex, Base64 and URL-safe Base64 without padding")
  void legacyHexSaltAcceptsEveryKeyEncoding() {
    byte[] key = HexFormat.of().parseHex(LEGACY_KEY_HEX);
    String base64 = Base64.getEncoder().encodeToString(key);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    String prefix = "$scrypt$" + LEGACY_SALT + "$";

    assertThat(SecretHasher.verify("demo-ngo-secret", prefix + LEGACY_KEY_HEX.toUpperCase())).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret", prefix + base64)).isTrue();
    assertThat(SecretHasher.verify("demo-ngo-secret", prefix + urlSafe)).isTrue();
    assertThat(SecretHasher.verify("wrong", prefix + base64)).isFalse();
  }

  @Test
  @DisplayName("hash writes OpenSPP's format: Base64 of 16 salt bytes and of the 64-byte key, fresh salt each time")
  void hashWritesOpenSppFormat() {
    String first = SecretHasher.hash("demo-ngo-secret");
    String second = SecretHasher.hash("demo-ngo-secret");

    assertThat(first).matches(OPENSPP_FORMAT);
    assertThat(second).matches(OPENSPP_FORMAT).isNotEqualTo(first);
    String[] parts = first.split("\\$");
    assertThat(Base64.getDecoder().decode(parts[2])).hasSize(16);
    assertThat(Base64.getDecoder().decode(parts[3])).hasSize(64);
    assertThat(SecretHasher.isHashed(first)).isTrue();
  }

  @Test
  @DisplayName("a hash round-trips: it verifies its own secret and nothing else")
  void hashRoundTrips() {
    String special = "p@ss:w rd+%/é";
    String stored = SecretHasher.hash(special);

    assertThat(SecretHasher.verify(special, stored)).isTrue();
    assertThat(SecretHasher.verify(special + " ", stored)).isFalse();
    assertThat(SecretHasher.verify("", stored)).isFalse();
    assertThat(SecretHasher.verify(null, stored)).isFalse();
  }

  @Test
  @DisplayName("malformed stored values are not hashes and never verify, without throwing")
  void malformedValuesAreRejected() {
    String[] malformed = {
        null,
        "",
        "demo-secret",
        "$scrypt$",
        "$scrypt$" + OPENSPP_SALT,
        "$scrypt$$" + OPENSPP_KEY,
        "$scrypt$" + OPENSPP_SALT + "$",
        "$scrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY + "$extra",
        "$bcrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY,
        "$SCRYPT$" + OPENSPP_SALT + "$" + OPENSPP_KEY,
        // salt: not standard Base64
        "$scrypt$" + OPENSPP_SALT.substring(0, 21) + "$" + OPENSPP_KEY,
        "$scrypt$" + OPENSPP_SALT.substring(0, 23) + "$" + OPENSPP_KEY,
        "$scrypt$" + OPENSPP_SALT + "=$" + OPENSPP_KEY,
        "$scrypt$" + OPENSPP_SALT + "AA$" + OPENSPP_KEY,
        "$scrypt$AA-_AA-_$" + OPENSPP_KEY,
        "$scrypt$AAEC AwQF$" + OPENSPP_KEY,
        "$scrypt$salt.with.dots$" + OPENSPP_KEY,
        "$scrypt$====$" + OPENSPP_KEY,
        "$scrypt$=$" + OPENSPP_KEY,
        // key: wrong length or alphabet
        "$scrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY.substring(4),
        "$scrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY.replace("==", "") + "AAAA",
        "$scrypt$" + OPENSPP_SALT + "$" + OPENSPP_KEY.replace('/', '.'),
        "$scrypt$" + LEGACY_SALT + "$" + LEGACY_KEY_HEX.substring(2),
        "$scrypt$" + LEGACY_SALT + "$" + LEGACY_KEY_HEX + "00",
        "$scrypt$" + LEGACY_SALT + "$" + LEGACY_KEY_HEX.replace('a', 'g'),
        "$scrypt$" + LEGACY_SALT + "$" + LEGACY_KEY_HEX + "$extra",
    };
    for (String stored : malformed) {
      assertThat(SecretHasher.isHashed(stored)).as("isHashed(%s)", stored).isFalse();
      assertThat(SecretHasher.verify("demo-secret", stored)).as("verify(%s)", stored).isFalse();
    }
  }
}
