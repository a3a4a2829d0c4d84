package dev.parabeam.transforms.csv;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds bytes eight at a time (SWAR: one {@code long} read, a few arithmetic operations to mark the
 * bytes equal to a target), for the loops that skip the ordinary bytes of a CSV text: the chunk
 * scan and the record reader look for the next LF or quote, the field splitter for the next
 * delimiter, the UTF-8 check for the next non-ASCII byte. The result is the same index a byte loop
 * would find.
 */
final class ByteScan {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

  private ByteScan() {}

  /** The first index in [from, to) whose byte is {@code x} or {@code y}, or {@code to}. */
  static int indexOfEither(byte[] a, int from, int to, byte x, byte y) {
    long px = ONES * (x & 0xff);
    long py = ONES * (y & 0xff);
    int i = from;
    while (i + 8 <= to) {
      long v = (long) LONGS.get(a, i);
      long m = zeroBytes(v ^ px) | zeroBytes(v ^ py);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3);
      }
      i += 8;
    }
    while (i < to && a[i] != x && a[i] != y) {
      i++;
    }
    return i;
  }

  /** The first index in [from, to) whose byte is {@code x}, or {@code to}. */
  static int indexOf(byte[] a, int from, int to, byte x) {
    long px = ONES * (x & 0xff);
    int i = from;
    while (i + 8 <= to) {
      long m = zeroBytes((long) LONGS.get(a, i) ^ px);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3);
      }
      i += 8;
    }
    while (i < to && a[i] != x) {
      i++;
    }
    return i;
  }

  /** The first index in [from, to) whose byte has its high bit set (not ASCII), or {@code to}. */
  static int indexOfNonAscii(byte[] a, int from, int to) {
    int i = from;
    while (i + 8 <= to) {
      long m = (long) LONGS.get(a, i) & HIGHS;
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3);
      }
      i += 8;
    }
    while (i < to && a[i] >= 0) {
      i++;
    }
    return i;
  }

  /**
   * The high bit of each zero byte of {@code v} set; a byte above (more significant than) a zero
   * byte may be marked too, so only the lowest mark is exact, which is the one the callers use.
   */
  /** How many bytes in [from, to) are {@code x}. */
  static long count(byte[] a, int from, int to, byte x) {
    long px = ONES * (x & 0xff);
    long n = 0;
    int i = from;
    while (i + 8 <= to) {
      n += Long.bitCount(exactZeroBytes((long) LONGS.get(a, i) ^ px));
      i += 8;
    }
    for (; i < to; i++) {
      if (a[i] == x) {
        n++;
      }
    }
    return n;
  }

  /**
   * The high bit of each byte of {@code v} that is zero, and nothing else (unlike {@link
   * #zeroBytes}, which may also flag a byte above a zero one): for counting, and for stepping
   * through every match of a word.
   */
  private static long exactZeroBytes(long v) {
    return ~(((v & LOWS) + LOWS) | v) & HIGHS;
  }

  private static long zeroBytes(long v) {
    return (v - ONES) & ~v & HIGHS;
  }
}
