package dev.parabeam.transforms.stats;

import static org.junit.Assert.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * {@link DecimalStats} keeps its figures as unscaled longs while they fit and as BigDecimals after:
 * on random values (every scale from -20 to 40, unscaled values at and around the long's edges,
 * values of more than 18 digits, signs, zeros) added through both entry points and merged in random
 * splits, its count, sum, minimum and maximum are exactly those of plain BigDecimal arithmetic.
 * {@link Decimals#toDouble} is {@code BigDecimal.doubleValue()} on the same values.
 */
public class CompactStatsTest {
  private static final long[] EDGES = {
    0,
    1,
    -1,
    9,
    10,
    99_999_999_999_999_999L,
    999_999_999_999_999_999L,
    -999_999_999_999_999_999L,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MAX_VALUE / 10,
    Long.MIN_VALUE / 10,
    Long.MAX_VALUE / 2,
    1L << 53,
    (1L << 53) - 1,
    -(1L << 53)
  };

  private static long unscaled(Random r) {
    switch (r.nextInt(5)) {
      case 0:
        return EDGES[r.nextInt(EDGES.length)] + (r.nextInt(3) - 1);
      case 1:
        return r.nextLong();
      case 2:
        return r.nextInt(2_000_000) - 1_000_000;
      default:
        return r.nextInt(100_000);
    }
  }

  private static int scale(Random r) {
    return r.nextInt(4) == 0 ? r.nextInt(61) - 20 : r.nextInt(4);
  }

  private static BigDecimal big(Random r) {
    // more than 18 significant digits: the BigDecimal path from the start
    return new BigDecimal(new BigInteger(70 + r.nextInt(60), r).negate(), scale(r));
  }

  /** The reference: count, sum, min, max with BigDecimal arithmetic. */
  private static final class Reference {
    long count;
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal min;
    BigDecimal max;

    void add(BigDecimal v) {
      count++;
      sum = sum.add(v);
      min = min == null || v.compareTo(min) < 0 ? v : min;
      max = max == null || v.compareTo(max) > 0 ? v : max;
    }
  }

  private static void assertSameFigures(String what, Reference ref, DecimalStats s) {
    assertEquals(what + " count", ref.count, s.count());
    assertEquals(what + " sum " + ref.sum + " vs " + s.sum(), 0, ref.sum.compareTo(s.sum()));
    if (ref.count == 0) {
      assertEquals(what, null, s.min());
      return;
    }
    assertEquals(what + " min " + ref.min + " vs " + s.min(), 0, ref.min.compareTo(s.min()));
    assertEquals(what + " max " + ref.max + " vs " + s.max(), 0, ref.max.compareTo(s.max()));
    assertEquals(what + " mean", Decimals.mean(ref.sum, ref.count), s.mean());
  }

  @Test
  public void compactFiguresAreExactlyThoseOfBigDecimals() throws Exception {
    Random r = new Random(11);
    for (int round = 0; round < 20_000; round++) {
      int n = r.nextInt(12);
      Reference ref = new Reference();
      List<DecimalStats> parts = new ArrayList<>();
      DecimalStats current = new DecimalStats();
      parts.add(current);
      StringBuilder trace = new StringBuilder();
      for (int i = 0; i < n; i++) {
        BigDecimal v;
        if (r.nextInt(10) == 0) {
          v = big(r);
          current.add(v);
        } else {
          long u = unscaled(r);
          int sc = scale(r);
          v = BigDecimal.valueOf(u, sc);
          if (r.nextBoolean()) {
            current.add(u, sc);
          } else {
            current.add(v);
          }
        }
        trace.append(v).append(' ');
        ref.add(v);
        if (r.nextInt(4) == 0) {
          current = new DecimalStats();
          parts.add(current);
        }
      }
      DecimalStats merged = new DecimalStats();
      // merge in a random order: the figures must not depend on it
      while (!parts.isEmpty()) {
        merged.merge(parts.remove(r.nextInt(parts.size())));
      }
      assertSameFigures(trace.toString(), ref, merged);
      // through the coder (as through a run file): the same figures, scales included
      DecimalStats back = org.apache.beam.sdk.util.CoderUtils.clone(DecimalStatsCoder.of(), merged);
      assertSameFigures(trace.toString(), ref, back);
      assertEquals(merged.sum().scale(), back.sum().scale());
      if (merged.count() > 0) {
        assertEquals(merged.min().scale(), back.min().scale());
        assertEquals(merged.max().scale(), back.max().scale());
      }
    }
  }

  @Test
  public void aSumThatOutgrowsALongStaysExact() {
    DecimalStats s = new DecimalStats();
    Reference ref = new Reference();
    for (int i = 0; i < 40; i++) {
      long u = Long.MAX_VALUE - i;
      s.add(u, 2);
      ref.add(BigDecimal.valueOf(u, 2));
    }
    // and back to small values at another scale, and a negative scale
    s.add(-5, 7);
    ref.add(BigDecimal.valueOf(-5, 7));
    s.add(3, -4);
    ref.add(BigDecimal.valueOf(3, -4));
    assertSameFigures("near Long.MAX_VALUE", ref, s);
  }

  @Test
  public void minimumAndMaximumCompareAcrossScalesExactly() {
    // 1.0000000000000000001 is not 1: scaled to 19 places 1 does not fit in a long
    DecimalStats s = new DecimalStats().add(1, 0).add(10_000_000_000_000_000L + 1, 16);
    assertEquals(0, s.min().compareTo(BigDecimal.ONE));
    assertEquals(0, s.max().compareTo(new BigDecimal("1.0000000000000001")));
    DecimalStats t = new DecimalStats().add(Long.MAX_VALUE, 0).add(Long.MAX_VALUE, 1);
    assertEquals(0, t.min().compareTo(BigDecimal.valueOf(Long.MAX_VALUE, 1)));
    assertEquals(0, t.max().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)));
    assertEquals(-1, DecimalStats.compare(Long.MIN_VALUE, 0, -1, 5));
    assertEquals(1, DecimalStats.compare(-1, 5, Long.MIN_VALUE, 0));
    assertEquals(0, DecimalStats.compare(0, 3, 0, -2));
    assertEquals(0, DecimalStats.compare(150, 2, 15, 1));
  }

  @Test
  public void formattingALongIsFormattingItsBigDecimal() {
    Random r = new Random(4);
    for (int i = 0; i < 500_000; i++) {
      long u = r.nextInt(3) == 0 ? unscaled(r) * (r.nextBoolean() ? 1000 : 1) : unscaled(r);
      int sc = r.nextInt(3) == 0 ? r.nextInt(81) - 40 : r.nextInt(6);
      assertEquals(
          u + "E-" + sc, Decimals.format(BigDecimal.valueOf(u, sc)), Decimals.format(u, sc));
    }
    DecimalStats s = new DecimalStats().add(1250, 2).add(-3, 0).add(Long.MAX_VALUE, 3);
    assertEquals(Decimals.format(s.sum()), s.sumText());
    assertEquals(Decimals.format(s.min()), s.minText());
    assertEquals(Decimals.format(s.max()), s.maxText());
  }

  @Test
  public void toDoubleIsBigDecimalsDoubleValue() {
    Random r = new Random(3);
    for (int i = 0; i < 500_000; i++) {
      long u = unscaled(r);
      int sc = r.nextInt(3) == 0 ? r.nextInt(61) - 20 : r.nextInt(25);
      double want = BigDecimal.valueOf(u, sc).doubleValue();
      assertEquals(
          u + "E-" + sc,
          Double.doubleToLongBits(want),
          Double.doubleToLongBits(Decimals.toDouble(u, sc)));
    }
  }

  @Test
  public void theReaderGivesParseOrNullsValueAndScale() {
    Decimals.Unscaled u = new Decimals.Unscaled();
    for (String s : List.of("12.50", "-0.001", "+7", " 3e2 ", "1.5E-3", "000123.4500", "-0")) {
      byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals(s, true, u.read(b, 0, b.length));
      BigDecimal want = Decimals.parse(s).value;
      assertEquals(s, want.unscaledValue().longValueExact(), u.unscaled);
      assertEquals(s, want.scale(), u.scale);
    }
    for (String s : List.of("", "abc", "1.2.3", "1234567890123456789", "1e", "--1")) {
      byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals(s, false, u.read(b, 0, b.length));
    }
  }

  /**
   * The coder's bytes for compact figures, written in one array, are those of the var-int coders it
   * used to call one after the other: count; then per figure scale, 0, unscaled value.
   */
  @Test
  public void compactFiguresEncodeAsTheVarIntCodersWouldWriteThem() throws Exception {
    Random r = new Random(23);
    org.apache.beam.sdk.coders.VarLongCoder longs = org.apache.beam.sdk.coders.VarLongCoder.of();
    org.apache.beam.sdk.coders.VarIntCoder ints = org.apache.beam.sdk.coders.VarIntCoder.of();
    for (int i = 0; i < 20_000; i++) {
      long count =
          i % 50 == 0 ? 0 : r.nextInt(4) == 0 ? Long.MAX_VALUE - r.nextInt(3) : 1 + r.nextInt(1000);
      long[] u = {unscaled(r), unscaled(r), unscaled(r)};
      int[] sc = {r.nextInt(61) - 20, r.nextInt(61) - 20, r.nextInt(61) - 20};
      DecimalStats s =
          count == 0
              ? new DecimalStats()
              : DecimalStats.of(count, u[0], sc[0], null, u[1], sc[1], null, u[2], sc[2], null);
      java.io.ByteArrayOutputStream want = new java.io.ByteArrayOutputStream();
      longs.encode(count, want);
      if (count > 0) {
        for (int f = 0; f < 3; f++) {
          ints.encode(sc[f], want);
          ints.encode(0, want);
          longs.encode(u[f], want);
        }
      }
      byte[] got = org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(DecimalStatsCoder.of(), s);
      org.junit.Assert.assertArrayEquals(want.toByteArray(), got);
      DecimalStats back =
          org.apache.beam.sdk.util.CoderUtils.decodeFromByteArray(DecimalStatsCoder.of(), got);
      assertEquals(s.count(), back.count());
      if (count > 0) {
        assertEquals(s.sum(), back.sum());
        assertEquals(s.min(), back.min());
        assertEquals(s.max(), back.max());
      }
    }
  }
}
