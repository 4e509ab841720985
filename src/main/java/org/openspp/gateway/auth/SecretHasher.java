package org.openspp.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Hashes and verifies API client secrets in the OpenSPP format {@code $scrypt$<salt>$<hash>}
 * (bulk-export spec §4.4): scrypt with N=16384, r=8, p=1 and a 64-byte derived key.
 *
 * <p>{@link #hash(String)} draws a random 16-byte salt, writes it as 32 lowercase hex characters and feeds
 * scrypt the UTF-8 bytes of that <em>text</em> (not the 16 raw bytes); the derived key is written as
 * 128 lowercase hex characters. {@link #verify(String, String)} feeds scrypt the salt text exactly as stored.
 *
 * <p>Assumption: the exact upstream encoding of the hash part is not confirmed yet. Verification therefore
 * accepts the 64-byte key written either as hex (128 characters, either case) or as Base64 (standard or
 * URL-safe alphabet, padding optional); {@link #hash(String)} always writes lowercase hex.
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

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private SecretHasher() {
  }

  /**
   * Hashes a plain secret with a fresh random salt.
   *
   * @return {@code $scrypt$<32 hex chars of salt>$<128 hex chars of key>}
   * @throws NullPointerException if {@code secret} is null
   */
  public static String hash(String secret) {
    byte[] saltBytes = new byte[SALT_BYTES];
    RANDOM.nextBytes(saltBytes);
    String salt = HEX.formatHex(saltBytes);
    return PREFIX + salt + "$" + HEX.formatHex(derive(secret, salt));
  }

  /**
   * Checks a plain secret against a stored {@code $scrypt$<salt>$<hash>} value, comparing the keys in
   * constant time.
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
   * Tells whether a value is a well-formed stored hash: the {@value #PREFIX} prefix, a non-empty salt and a
   * 64-byte key in hex or Base64. A value that only starts with the prefix is not considered hashed.
   */
  public static boolean isHashed(String value) {
    return parse(value).isPresent();
  }

  private static byte[] derive(String secret, String salt) {
    return SCrypt.generate(secret.getBytes(StandardCharsets.UTF_8), salt.getBytes(StandardCharsets.UTF_8),
        COST, BLOCK_SIZE, PARALLELISM, KEY_LENGTH);
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
    String salt = rest.substring(0, separator);
    return decodeKey(rest.substring(separator + 1)).map(key -> new Parsed(salt, key));
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

  private record Parsed(String salt, byte[] key) {
  }
}
