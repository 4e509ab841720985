package org.openspp.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Hashes and verifies API client secrets in OpenSPP's format {@code $scrypt$<salt>$<hash>} (bulk-export spec
 * §4.4), exactly as the upstream {@code spp.api.client} model of {@code spp_api_v2} writes it: scrypt with
 * N=16384, r=8, p=1 and a 64-byte derived key over the UTF-8 bytes of the secret.
 *
 * <p>{@link #hash(String)} draws 16 random salt bytes and writes
 * {@code $scrypt$} + standard Base64 of the 16 salt bytes (with padding, 24 characters) + {@code $} +
 * standard Base64 of the 64-byte key (with padding, 88 characters). scrypt runs over the 16 <em>decoded</em>
 * salt bytes, not over their Base64 text.
 *
 * <p>{@link #verify(String, String)} reads two salt forms:
 * <ul>
 *   <li>OpenSPP: the salt part is standard Base64 (padding optional); scrypt runs over the decoded bytes.</li>
 *   <li>Legacy gateway: the salt part is exactly 32 hex characters, as this class wrote before it followed
 *       OpenSPP; scrypt runs over the UTF-8 bytes of that salt <em>text</em>. 32 characters are never the
 *       Base64 of 16 bytes (24 characters with padding, 22 without), so the two forms cannot be confused.</li>
 * </ul>
 * The key part may be hex (128 characters, either case) or Base64 (standard or URL-safe alphabet, padding
 * optional). Keys are compared in constant time; a malformed stored value never verifies.
 *
 * <p>Each call of {@link #hash(String)} or {@link #verify(String, String)} costs about 50 ms of CPU and
 * 16 MiB of memory. Callers must not run them on an event loop: use {@code vertx.executeBlocking(...)} or a
 * worker. {@link #isHashed(String)} is cheap.
 */
public final class SecretHasher {

  /** The prefix that marks a stored value as an scrypt hash. */
  public static final String PREFIX = "$scrypt$";

  static final int COST = 16384;
  static final int BLOCK_SIZE = 8;
  static final int PARALLELISM = 1;
  static final int KEY_LENGTH = 64;
  static final int SALT_BYTES = 16;
  /** Length of a legacy salt: the 16 salt bytes written as hex text. */
  static final int LEGACY_SALT_CHARS = SALT_BYTES * 2;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private SecretHasher() {
  }

  /**
   * Hashes a plain secret with a fresh random 16-byte salt, in OpenSPP's format.
   *
   * @return {@code $scrypt$<Base64 of 16 salt bytes>$<Base64 of 64-byte key>}, standard alphabet with padding
   * @throws NullPointerException if {@code secret} is null
   */
  public static String hash(String secret) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    Base64.Encoder base64 = Base64.getEncoder();
    return PREFIX + base64.encodeToString(salt) + "$" + base64.encodeToString(derive(secret, salt));
  }

  /**
   * Checks a plain secret against a stored {@code $scrypt$<salt>$<hash>} value (OpenSPP or legacy gateway
   * salt), comparing the keys in constant time.
   *
   * @return false when either argument is null, the stored value is malformed, or the secret does not match
   */
  public static boolean verify(String secret, String stored) {
    if (secret == null) {
      return false;
    }
    Optional<Parsed> parsed = parse(stored);
    if (parsed.isEmpty()) {
      return false;
    }
    byte[] actual = derive(secret, parsed.get().salt());
    return MessageDigest.isEqual(actual, parsed.get().key());
  }

  /**
   * Tells whether a value is a well-formed stored hash: the {@value #PREFIX} prefix, a salt that is either
   * non-empty standard Base64 or 32 hex characters, and a 64-byte key in hex or Base64. A value that only
   * starts with the prefix is not considered hashed.
   */
  public static boolean isHashed(String value) {
    return parse(value).isPresent();
  }

  private static byte[] derive(String secret, byte[] salt) {
    return SCrypt.generate(secret.getBytes(StandardCharsets.UTF_8), salt, COST, BLOCK_SIZE, PARALLELISM,
        KEY_LENGTH);
  }

  private static Optional<Parsed> parse(String stored) {
    if (stored == null || !stored.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = stored.substring(PREFIX.length());
    int separator = rest.indexOf('$');
    if (separator <= 0 || rest.indexOf('$', separator + 1) >= 0) {
      return Optional.empty();
    }
    Optional<byte[]> salt = decodeSalt(rest.substring(0, separator));
    if (salt.isEmpty()) {
      return Optional.empty();
    }
    return decodeKey(rest.substring(separator + 1)).map(key -> new Parsed(salt.get(), key));
  }

  /** The bytes scrypt runs over: the text of a legacy 32-hex-char salt, else the Base64-decoded salt. */
  private static Optional<byte[]> decodeSalt(String encoded) {
    if (isLegacySalt(encoded)) {
      return Optional.of(encoded.getBytes(StandardCharsets.US_ASCII));
    }
    try {
      // the basic decoder accepts a missing padding and rejects characters outside the standard alphabet
      byte[] salt = Base64.getDecoder().decode(encoded);
      return salt.length > 0 ? Optional.of(salt) : Optional.empty();
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
  }

  private static boolean isLegacySalt(String salt) {
    if (salt.length() != LEGACY_SALT_CHARS) {
      return false;
    }
    for (int i = 0; i < salt.length(); i++) {
      if (!HexFormat.isHexDigit(salt.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static Optional<byte[]> decodeKey(String encoded) {
    if (encoded.length() == KEY_LENGTH * 2) {
      try {
        return Optional.of(HEX.parseHex(encoded));
      } catch (IllegalArgumentException notHex) {
        return Optional.empty();
      }
    }
    for (Base64.Decoder decoder : new Base64.Decoder[] {Base64.getDecoder(), Base64.getUrlDecoder()}) {
      try {
        byte[] key = decoder.decode(encoded);
        if (key.length == KEY_LENGTH) {
          return Optional.of(key);
        }
      } catch (IllegalArgumentException notThisAlphabet) {
        // try the next alphabet
      }
    }
    return Optional.empty();
  }

  private record Parsed(byte[] salt, byte[] key) {
  }
}
