package org.openspp.gateway.db;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.openspp.gateway.config.ConfigException;

/**
 * The secret files of the embedded default (the embedded PostgreSQL's superuser password, the demo token signing
 * secret): created owner-only ({@code 0600}) and exclusively, and read only when they still are a regular file
 * (not a symbolic link) owned by this process's user with no group or other permission bits. Anything else is a
 * {@link ConfigException} (exit 2) naming the file and the fix, because another local user could have planted or
 * read it. Also the one place that generates such secrets ({@link SecureRandom}).
 */
public final class OwnerOnlyFile {

  private static final SecureRandom RANDOM = new SecureRandom();
  /** Secrets are short; a larger file is read only this far. */
  private static final int MAX_BYTES = 4096;
  private static final Set<PosixFilePermission> ALLOWED =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private OwnerOnlyFile() {
  }

  /** A new random secret: {@code bytes} random bytes, URL-safe Base64 without padding (no quoting needed anywhere). */
  public static String randomSecret(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /**
   * The file's content (stripped), or {@code null} when it does not exist.
   *
   * @param what names the secret in the error message
   * @throws ConfigException when the file is a symbolic link, not a regular file, owned by another user, or
   *     readable or writable by group or others
   */
  public static String read(Path file, String what) throws IOException {
    PosixFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
    check(file, what, attrs);
    // O_NOFOLLOW: a link swapped in after the check is not followed either
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      return new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8).strip();
    }
  }

  /**
   * The existing secret of {@code file} (checked as in {@link #read}), or a new random one written to a new
   * owner-only file. The file is created with {@code O_EXCL}: a link or file planted meanwhile is never followed.
   */
  public static String readOrCreate(Path file, String what) throws IOException {
    String existing = read(file, what);
    if (existing != null) {
      return existing;
    }
    String secret = randomSecret(36);
    create(file, secret);
    return secret;
  }

  /** Writes {@code content} to a new owner-only file; fails if anything exists at {@code file}. */
  public static void create(Path file, String content) throws IOException {
    try (SeekableByteChannel out = Files.newByteChannel(file,
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(ALLOWED))) {
      out.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    } catch (FileAlreadyExistsException e) {
      throw new ConfigException(file + ": appeared while the gateway was creating this secret file; remove it "
          + "and start again");
    }
    // the umask can only remove bits; make the mode exact anyway
    Files.setPosixFilePermissions(file, ALLOWED);
  }

  private static void check(Path file, String what, PosixFileAttributes attrs) throws IOException {
    if (attrs.isSymbolicLink()) {
      throw new ConfigException(file + " (" + what + ") is a symbolic link; the gateway refuses to follow it. "
          + "Fix: remove the link (the gateway then creates a new owner-only file) or replace it with a regular "
          + "file owned by the gateway's user, mode 600.");
    }
    if (!attrs.isRegularFile()) {
      throw new ConfigException(file + " (" + what + ") is not a regular file. Fix: remove it; the gateway "
          + "then creates a new owner-only file.");
    }
    long uid = processUid();
    Object owner = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner instanceof Integer ownerUid && ownerUid.longValue() != uid) {
      throw new ConfigException(file + " (" + what + ") is owned by uid " + ownerUid + " (" + attrs.owner().getName()
          + "), not by the gateway's user (uid " + uid + "). Fix: remove it, or chown it to the gateway's user "
          + "if you created it yourself.");
    }
    Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
    extra.addAll(attrs.permissions());
    extra.removeAll(ALLOWED);
    if (!extra.isEmpty()) {
      throw new ConfigException(file + " (" + what + ") has mode " + PosixFilePermissions.toString(attrs.permissions())
          + ": other users may read or replace it. Fix: chmod 600 " + file + " (and rotate the secret if "
          + "others could have read it: remove the file).");
    }
  }

  /** This process's user id (also right as root: 0). */
  static long processUid() {
    return new UnixSystem().getUid();
  }
}
