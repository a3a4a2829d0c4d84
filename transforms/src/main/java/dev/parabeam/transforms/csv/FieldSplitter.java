package dev.parabeam.transforms.csv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;

/**
 * Splits the bytes of one record into fields (RFC 4180: fields separated by the delimiter; a field
 * that starts with a quote runs to the matching closing quote, with {@code ""} standing for one
 * quote, and the closing quote must be followed by a delimiter or the end of the record; a quote
 * anywhere else is an ordinary character, as in {@code 5" screen}) and checks that the record is
 * valid text in the dialect's encoding (UTF-8 unless {@link CsvDialect#withEncoding} says
 * otherwise; in a single-byte charset, a byte the charset leaves unassigned, such as 0x81 in
 * windows-1252, is invalid). Only the fields a caller asks for are decoded into strings, so a wide
 * record costs little more than a narrow one.
 *
 * <p>Not thread-safe: one instance per thread, reused from record to record.
 */
public final class FieldSplitter {
  private final byte delimiter;
  private final byte quote;
  private final Charset charset;

  /** For a single-byte charset: which bytes it does not map to a character; null for UTF-8. */
  private final boolean[] unmapped;

  private final String invalidReason;

  private byte[] bytes;
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private boolean[] escaped = new boolean[16];
  private int count;
  private String error;
  private byte[] unescapeBuffer = new byte[64];

  public FieldSplitter(CsvDialect dialect) {
    this.delimiter = dialect.delimiter();
    this.quote = dialect.quote();
    this.charset = dialect.charset();
    this.unmapped = dialect.isUtf8() ? null : unmappedBytes(charset);
    this.invalidReason = "invalid " + charset.name();
  }

  private static boolean[] unmappedBytes(Charset charset) {
    boolean[] out = new boolean[256];
    CharsetDecoder d =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int b = 0; b < 256; b++) {
      try {
        d.reset();
        d.decode(ByteBuffer.wrap(new byte[] {(byte) b}));
      } catch (CharacterCodingException e) {
        out[b] = true;
      }
    }
    return out;
  }

  /**
   * Splits {@code length} bytes of {@code a} from {@code offset}.
   *
   * @return true if the record is well formed; otherwise {@link #error()} says why
   */
  public boolean split(byte[] a, int offset, int length) {
    this.bytes = a;
    this.count = 0;
    this.error = null;
    int end = offset + length;
    if (!(unmapped == null
        ? isValidUtf8(a, offset, length)
        : isValidSingleByte(a, offset, length))) {
      error = invalidReason;
      return false;
    }
    int i = offset;
    while (true) {
      if (count == starts.length) {
        grow();
      }
      if (i < end && a[i] == quote) {
        int start = ++i;
        boolean hasEscapes = false;
        while (true) {
          if (i >= end) {
            error = "field " + (count + 1) + ": unterminated quoted field";
            return false;
          }
          if (a[i] == quote) {
            if (i + 1 < end && a[i + 1] == quote) {
              hasEscapes = true;
              i += 2;
              continue;
            }
            break;
          }
          i++;
        }
        starts[count] = start;
        ends[count] = i;
        escaped[count] = hasEscapes;
        i++; // closing quote
        if (i < end && a[i] != delimiter) {
          error = "field " + (count + 1) + ": text after closing quote";
          return false;
        }
      } else {
        int start = i;
        i = ByteScan.indexOf(a, i, end, delimiter); // a quote here is a literal character
        starts[count] = start;
        ends[count] = i;
        escaped[count] = false;
      }
      count++;
      if (i >= end) {
        return true;
      }
      i++; // delimiter; a delimiter at the very end leaves one more, empty, field
    }
  }

  /** Number of fields found by the last successful {@link #split}. */
  public int fieldCount() {
    return count;
  }

  /** Why the last {@link #split} failed, or null. */
  public String error() {
    return error;
  }

  /** The bytes the last {@link #split} read; a field's bytes are [{@link #start}, {@link #end}). */
  public byte[] bytes() {
    return bytes;
  }

  /** Where field {@code i}'s bytes start (after an opening quote). */
  public int start(int i) {
    return starts[i];
  }

  /** Where field {@code i}'s bytes end (before a closing quote). */
  public int end(int i) {
    return ends[i];
  }

  /** True when field {@code i}'s text is its bytes as they are (it holds no doubled quote). */
  public boolean isVerbatim(int i) {
    return !escaped[i];
  }

  /** The decoded text of field {@code i} (0-based) of the last split. */
  public String field(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("field " + i + " of " + count);
    }
    int s = starts[i];
    int e = ends[i];
    if (!escaped[i]) {
      return new String(bytes, s, e - s, charset);
    }
    if (unescapeBuffer.length < e - s) {
      unescapeBuffer = new byte[Math.max(e - s, unescapeBuffer.length * 2)];
    }
    int n = 0;
    for (int j = s; j < e; j++) {
      byte b = bytes[j];
      unescapeBuffer[n++] = b;
      if (b == quote) {
        j++; // skip the second quote of a doubled pair
      }
    }
    return new String(unescapeBuffer, 0, n, charset);
  }

  /**
   * Writes field {@code i}'s bytes with each doubled quote as one into {@code dst} from {@code at}
   * (room for {@code end(i) - start(i)} bytes is enough); returns where they end. The bytes {@link
   * #field} decodes: equal texts, equal bytes.
   */
  public int unescape(int i, byte[] dst, int at) {
    int n = at;
    int e = ends[i];
    for (int j = starts[i]; j < e; j++) {
      byte b = bytes[j];
      dst[n++] = b;
      if (b == quote && escaped[i]) {
        j++; // skip the second quote of a doubled pair
      }
    }
    return n;
  }

  private void grow() {
    int n = starts.length * 2;
    starts = Arrays.copyOf(starts, n);
    ends = Arrays.copyOf(ends, n);
    escaped = Arrays.copyOf(escaped, n);
  }

  private boolean isValidSingleByte(byte[] a, int offset, int length) {
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (a[i] < 0 && unmapped[a[i] & 0xff]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Well-formed UTF-8 as Unicode's table 3-7 defines it (what the JDK's decoder accepts with
   * REPORT): no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence. By
   * hand rather than through a CharsetDecoder, which allocated a char buffer per non-ASCII record.
   */
  static boolean isValidUtf8(byte[] a, int offset, int length) {
    int end = offset + length;
    int i = ByteScan.indexOfNonAscii(a, offset, end);
    while (i < end) {
      int b = a[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xff;
      if (b < 0xC2) {
        return false; // a continuation byte first, or an overlong 2-byte form
      }
      if (b < 0xE0) {
        if (i + 1 >= end || !continuation(a[i + 1])) {
          return false;
        }
        i += 2;
      } else if (b < 0xF0) {
        if (i + 2 >= end || !continuation(a[i + 2])) {
          return false;
        }
        int c = a[i + 1] & 0xff;
        int lo = b == 0xE0 ? 0xA0 : 0x80;
        int hi = b == 0xED ? 0x9F : 0xBF;
        if (c < lo || c > hi) {
          return false;
        }
        i += 3;
      } else if (b < 0xF5) {
        if (i + 3 >= end || !continuation(a[i + 2]) || !continuation(a[i + 3])) {
          return false;
        }
        int c = a[i + 1] & 0xff;
        int lo = b == 0xF0 ? 0x90 : 0x80;
        int hi = b == 0xF4 ? 0x8F : 0xBF;
        if (c < lo || c > hi) {
          return false;
        }
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
