package dev.parabeam.transforms.stats;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.Test;

/**
 * The byte fast path of number parsing against the String path: on random texts it gives the same
 * value with the same scale, or null (and the caller falls back) - never another number.
 */
public class DecimalBytesTest {
  private static BigDecimal fast(String s) {
    byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
    return Decimals.parseOrNull(b, 2, b.length - 2);
  }

  /** Same value and same scale as the slow path, whenever the fast path gives one. */
  private static void check(String s) {
    BigDecimal f = fast(s);
    BigDecimal slow = Decimals.parse(s).value;
    if (f != null) {
      assertEquals("value of '" + s + "'", slow, f); // BigDecimal.equals compares the scale too
      assertEquals(slow.scale(), f.scale());
    }
  }

  @Test
  public void randomTextsGiveTheSlowPathsValueOrFallBack() {
    Random r = new Random(20);
    String[] pieces = {
      "0", "1", "9", "5", ".", "-", "+", "e", "E", " ", "\t", "x", "é", "00", "999999999"
    };
    for (int n = 0; n < 200_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(12);
      for (int i = 0; i < len; i++) {
        sb.append(pieces[r.nextInt(pieces.length)]);
      }
      check(sb.toString());
    }
  }

  @Test
  public void wellFormedNumbersOfManyScalesSignsAndExponents() {
    Random r = new Random(7);
    int fastOnes = 0;
    for (int n = 0; n < 200_000; n++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextInt(3) == 0) {
        sb.append(r.nextBoolean() ? '-' : '+');
      }
      int lead = r.nextInt(4) == 0 ? r.nextInt(5) : 0;
      sb.append("0".repeat(lead));
      int intDigits = r.nextInt(21);
      for (int i = 0; i < intDigits; i++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
      int fracDigits = r.nextInt(3) == 0 ? 0 : r.nextInt(21);
      if (fracDigits > 0 || r.nextInt(5) == 0) {
        sb.append('.');
      }
      for (int i = 0; i < fracDigits; i++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
      if (r.nextInt(4) == 0) {
        sb.append(r.nextBoolean() ? 'e' : 'E');
        int k = r.nextInt(4);
        sb.append(k == 0 ? "-" : k == 1 ? "+" : "");
        sb.append(r.nextInt(4) == 0 ? r.nextInt(2000) : r.nextInt(30));
      }
      String s = sb.toString();
      check(s);
      if (fast(s) != null) {
        fastOnes++;
      }
    }
    // most generated numbers have at most 18 significant digits and a small scale
    assertEquals(true, fastOnes > 50_000);
  }

  @Test
  public void nearTheLongEdges() {
    String[] edges = {
      "999999999999999999", // 18 digits: fast
      "-999999999999999999",
      "9223372036854775807", // 19 digits: falls back
      "-9223372036854775808",
      "9223372036854775808",
      "99999999999999999999999",
      "0.999999999999999999",
      "-0.0000000000000000000000999999999999999999",
      "000000000000000000000000000001.5",
      "123456789.123456789",
      "12345678.9012345678",
      "1e1000",
      "1e-1000",
      "1.5e-999",
      "1.5e1001",
      "1e999999999",
      "1e9999999999",
      "-0",
      "-0.00",
      "+.5",
      "5.",
      " 4.50\t",
    };
    for (String s : edges) {
      check(s);
    }
    assertNotNull(fast("999999999999999999"));
    assertNotNull(fast("-0.0000000000000000000000999999999999999999"));
    assertNull(fast("9223372036854775807"));
    assertNull(fast("1e1001")); // scale beyond the limit: the slow path says why
    assertEquals(new BigDecimal("-0.00"), fast("-0.00"));
    assertEquals(new BigDecimal("1.5E-999"), fast("1.5e-999"));
  }
}
