package dev.parabeam.transforms.csv;

import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.Test;

/** The eight-at-a-time scans and the hand-written UTF-8 check against plain loops and the JDK. */
public class ByteScanTest {
  private static byte[] random(Random r, int n) {
    byte[] a = new byte[n];
    byte[] alphabet = {'a', ',', '"', '\n', '\r', (byte) 0x80, (byte) 0xC3, (byte) 0xFF, 0, 1};
    for (int i = 0; i < n; i++) {
      a[i] = r.nextInt(4) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) r.nextInt(256);
      if (r.nextInt(3) == 0) {
        a[i] = 'x';
      }
    }
    return a;
  }

  @Test
  public void scansFindWhatALoopFinds() {
    Random r = new Random(3);
    for (int n = 0; n < 20_000; n++) {
      byte[] a = random(r, r.nextInt(40));
      int from = a.length == 0 ? 0 : r.nextInt(a.length + 1);
      int to = from + r.nextInt(a.length - from + 1);
      byte x = a.length > 0 && r.nextBoolean() ? a[r.nextInt(a.length)] : (byte) r.nextInt(256);
      byte y = (byte) (r.nextBoolean() ? '"' : r.nextInt(256));
      int either = from;
      while (either < to && a[either] != x && a[either] != y) {
        either++;
      }
      int one = from;
      while (one < to && a[one] != x) {
        one++;
      }
      int high = from;
      while (high < to && a[high] >= 0) {
        high++;
      }
      assertEquals(either, ByteScan.indexOfEither(a, from, to, x, y));
      assertEquals(one, ByteScan.indexOf(a, from, to, x));
      assertEquals(high, ByteScan.indexOfNonAscii(a, from, to));
    }
  }

  /**
   * Counting agrees with a loop, also where a word-at-a-time zero test is loose: a byte one above
   * the one counted (x ^ 1) right after it.
   */
  @Test
  public void countsWhatALoopCounts() {
    Random r = new Random(5);
    for (int n = 0; n < 20_000; n++) {
      byte x = (byte) (r.nextBoolean() ? '\n' : r.nextInt(256));
      byte[] alphabet = {x, (byte) (x ^ 1), (byte) (x + 1), 'a', 0, (byte) 0x80};
      byte[] a = new byte[r.nextInt(70)];
      for (int i = 0; i < a.length; i++) {
        a[i] = alphabet[r.nextInt(alphabet.length)];
      }
      int from = a.length == 0 ? 0 : r.nextInt(a.length + 1);
      int to = from + r.nextInt(a.length - from + 1);
      long want = 0;
      for (int i = from; i < to; i++) {
        want += a[i] == x ? 1 : 0;
      }
      assertEquals(want, ByteScan.count(a, from, to, x));
    }
  }

  private static boolean jdkValid(byte[] a, int off, int len) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(a, off, len));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  public void utf8CheckAgreesWithTheJdkDecoder() {
    Random r = new Random(11);
    String[] valid = {"é", "€", "𝄞", "ü", "中", "\uFFFD", "\uD7FF", "\uE000", "\uDBFF\uDFFF"};
    int invalid = 0;
    for (int n = 0; n < 100_000; n++) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int parts = r.nextInt(8);
      for (int i = 0; i < parts; i++) {
        int k = r.nextInt(4);
        byte[] p =
            k == 0
                ? valid[r.nextInt(valid.length)].getBytes(StandardCharsets.UTF_8)
                : k == 1
                    ? "abcdefghij".substring(r.nextInt(10)).getBytes()
                    : random(r, 1 + r.nextInt(3));
        out.write(p, 0, p.length);
      }
      byte[] a = out.toByteArray();
      if (a.length > 0 && r.nextInt(4) == 0) {
        a[r.nextInt(a.length)] = (byte) (0x80 + r.nextInt(128)); // a lead or continuation byte
      }
      boolean expected = jdkValid(a, 0, a.length);
      invalid += expected ? 0 : 1;
      assertEquals(
          java.util.Arrays.toString(a), expected, FieldSplitter.isValidUtf8(a, 0, a.length));
    }
    assertEquals(true, invalid > 10_000); // both kinds were tried
  }

  @Test
  public void everyTwoAndThreeByteSequenceAgrees() {
    for (int b0 = 0x80; b0 < 0x100; b0++) {
      for (int b1 = 0; b1 < 0x100; b1++) {
        byte[] two = {(byte) b0, (byte) b1};
        assertEquals(jdkValid(two, 0, 2), FieldSplitter.isValidUtf8(two, 0, 2));
        byte[] three = {(byte) b0, (byte) b1, (byte) 0x80};
        assertEquals(jdkValid(three, 0, 3), FieldSplitter.isValidUtf8(three, 0, 3));
        byte[] four = {(byte) b0, (byte) b1, (byte) 0x80, (byte) 0xBF};
        assertEquals(jdkValid(four, 0, 4), FieldSplitter.isValidUtf8(four, 0, 4));
      }
    }
  }
}
