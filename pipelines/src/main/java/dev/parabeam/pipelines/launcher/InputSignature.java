package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.csv.CsvText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.Compression;

/**
 * What the first bytes of an input file say it is, against how it is about to be read: a file named
 * {@code .gz} that holds plain text, or a gzip file read as text, is misuse that names what the
 * file really is, never text read the wrong way without a word (Beam's GZIP reads a file without
 * gzip's magic bytes as plain text).
 */
final class InputSignature {
  private InputSignature() {}

  /** Bytes read from the start of a file to tell its kind. */
  static final int HEAD_BYTES = 16;

  /**
   * The compression whose signature {@code head} starts with (GZIP {@code 1f 8b}, BZIP2 {@code
   * BZh1..9} then a block or end marker, ZIP {@code PK 03 04}, {@code PK 05 06} or {@code PK 07
   * 08}, ZSTD {@code 28 b5 2f fd}), or UNCOMPRESSED. DEFLATE's zlib header is two bytes that plain
   * text can begin with, so it is only checked where DEFLATE is expected ({@link #isZlib}).
   */
  static Compression sniff(byte[] head, int n) {
    if (n >= 2 && u(head, 0) == 0x1f && u(head, 1) == 0x8b) {
      return Compression.GZIP;
    }
    if (n >= 10
        && head[0] == 'B'
        && head[1] == 'Z'
        && head[2] == 'h'
        && head[3] >= '1'
        && head[3] <= '9'
        && (startsWith(head, 4, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59)
            || startsWith(head, 4, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90))) {
      return Compression.BZIP2;
    }
    if (n >= 4
        && head[0] == 'P'
        && head[1] == 'K'
        && ((head[2] == 3 && head[3] == 4)
            || (head[2] == 5 && head[3] == 6)
            || (head[2] == 7 && head[3] == 8))) {
      return Compression.ZIP;
    }
    if (n >= 4 && startsWith(head, 0, 0x28, 0xb5, 0x2f, 0xfd)) {
      return Compression.ZSTD;
    }
    return Compression.UNCOMPRESSED;
  }

  /** Whether {@code head} starts with a zlib header (RFC 1950), as Beam's DEFLATE reads. */
  static boolean isZlib(byte[] head, int n) {
    return n >= 2
        && (u(head, 0) & 0x0f) == 8
        && (u(head, 0) >> 4) <= 7
        && ((u(head, 0) << 8) | u(head, 1)) % 31 == 0;
  }

  /**
   * Checks that {@code path}, about to be read as {@code reading} ({@code fromName}: because of its
   * name, else because of --compression), holds what that reads; a {@link UsageException} that says
   * what it holds otherwise. An empty file passes (its header check says it is empty).
   */
  static void check(String path, Compression reading, boolean fromName) throws IOException {
    byte[] head = new byte[HEAD_BYTES];
    int n = 0;
    try (ReadableByteChannel ch = ChunkIO.openAt(path, 0)) {
      ByteBuffer bb = ByteBuffer.wrap(head);
      while (bb.hasRemaining() && ch.read(bb) >= 0) {
        // read until HEAD_BYTES or the end of the file
      }
      n = bb.position();
    }
    if (n == 0) {
      return;
    }
    Compression is = sniff(head, n);
    if (reading == Compression.DEFLATE && is == Compression.UNCOMPRESSED && isZlib(head, n)) {
      is = Compression.DEFLATE;
    }
    if (is == reading) {
      return;
    }
    String really =
        is == Compression.UNCOMPRESSED
            ? "plain text (it starts with '" + text(head, n) + "')"
            : is + "-compressed (it starts with bytes " + hex(head, Math.min(n, 4)) + ")";
    String expected = reading == Compression.UNCOMPRESSED ? "plain text" : reading + "-compressed";
    String says = fromName ? "its name says" : "--compression=" + reading + " says";
    String give = "--compression=" + (is == Compression.UNCOMPRESSED ? "UNCOMPRESSED" : is);
    String hint;
    if (!fromName) {
      hint = "give " + give;
    } else if (is == Compression.UNCOMPRESSED) {
      hint = "rename it without " + suffix(reading) + " or give " + give;
    } else if (reading == Compression.UNCOMPRESSED) {
      hint = "name it *" + suffix(is) + " or give " + give;
    } else {
      hint = "rename it to *" + suffix(is) + " or give " + give;
    }
    throw new UsageException(
        path + " is " + really + ", not " + expected + " as " + says + "; " + hint);
  }

  private static String suffix(Compression c) {
    switch (c) {
      case GZIP:
        return ".gz";
      case BZIP2:
        return ".bz2";
      case ZIP:
        return ".zip";
      case ZSTD:
        return ".zst";
      default:
        return ".deflate";
    }
  }

  private static int u(byte[] b, int i) {
    return b[i] & 0xff;
  }

  private static boolean startsWith(byte[] b, int at, int... want) {
    for (int i = 0; i < want.length; i++) {
      if (u(b, at + i) != want[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] b, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : " ").append(String.format("%02x", u(b, i)));
    }
    return s.toString();
  }

  private static String text(byte[] b, int n) {
    String s = new String(b, 0, n, StandardCharsets.UTF_8);
    return CsvText.printable(s, 12);
  }
}
