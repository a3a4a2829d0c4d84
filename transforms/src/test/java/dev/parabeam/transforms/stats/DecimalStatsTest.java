package dev.parabeam.transforms.stats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

public class DecimalStatsTest {
  private static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  @Test
  public void emptyStats() {
    DecimalStats s = new DecimalStats();
    assertThat(s.count(), is(0L));
    assertThat(s.sum(), comparesEqualTo(BigDecimal.ZERO));
    assertThat(s.min(), nullValue());
    assertThat(s.max(), nullValue());
    assertThat(s.mean(), nullValue());
  }

  @Test
  public void addKeepsExactFigures() {
    DecimalStats s = DecimalStats.of(d("0.1"), d("0.2"), d("-3"), d("1E+2"));
    assertThat(s.count(), is(4L));
    assertThat(s.sum(), equalTo(d("97.3")));
    assertThat(s.min(), equalTo(d("-3")));
    assertThat(s.max(), equalTo(d("1E+2")));
    assertThat(s.mean(), equalTo(d("24.325000")));
  }

  @Test
  public void mergeWithEmptyEitherWay() {
    DecimalStats a = DecimalStats.of(d("2"), d("5"));
    a.merge(new DecimalStats());
    assertThat(a, equalTo(new DecimalStats(2, d("7"), d("2"), d("5"))));
    DecimalStats empty = new DecimalStats();
    empty.merge(a);
    assertThat(empty, equalTo(new DecimalStats(2, d("7"), d("2"), d("5"))));
  }

  @Test
  public void mergeLeavesTheOtherUnchanged() {
    DecimalStats a = DecimalStats.of(d("1"));
    DecimalStats b = DecimalStats.of(d("-1"), d("9"));
    a.merge(b);
    assertThat(a, equalTo(new DecimalStats(3, d("9"), d("-1"), d("9"))));
    assertThat(b, equalTo(new DecimalStats(2, d("8"), d("-1"), d("9"))));
  }

  @Test
  public void equalityIsNumeric() {
    DecimalStats a = DecimalStats.of(d("1.0"), d("2"));
    DecimalStats b = DecimalStats.of(d("1.00"), d("2.000"));
    assertThat(a, equalTo(b));
    assertThat(a.hashCode(), is(b.hashCode()));
    assertThat(DecimalStats.of(d("0.0")).hashCode(), is(DecimalStats.of(d("0")).hashCode()));
    assertThat(a, not(equalTo(DecimalStats.of(d("1"), d("2"), d("0")))));
    assertThat(a, not(equalTo(DecimalStats.of(d("1.5"), d("1.5")))));
    assertThat(new DecimalStats(), equalTo(new DecimalStats()));
    assertThat(new DecimalStats(), not(equalTo(DecimalStats.of(d("0")))));
  }

  @Test
  public void toStringShowsFigures() {
    assertThat(
        DecimalStats.of(d("1.50"), d("2")).toString(),
        is("DecimalStats{count=2, sum=3.5, min=1.5, max=2}"));
    assertThat(new DecimalStats().toString(), is("DecimalStats{count=0, sum=0, min=-, max=-}"));
  }

  @Test
  public void coderKeepsValuesAndScales() throws Exception {
    Coder<DecimalStats> c = DecimalStatsCoder.of();
    DecimalStats s = DecimalStats.of(d("1.50"), d("-2E+5"), d("0.000001"));
    DecimalStats back = CoderUtils.clone(c, s);
    assertThat(back.count(), is(3L));
    assertThat(back.sum(), equalTo(s.sum()));
    assertThat(back.min(), equalTo(d("-2E+5")));
    assertThat(back.max(), equalTo(d("1.50")));
    CoderProperties.coderDecodeEncodeEqual(c, s);
    CoderProperties.coderDecodeEncodeEqual(c, new DecimalStats());
    CoderProperties.coderSerializable(c);
    assertThat(CoderUtils.clone(c, new DecimalStats()), equalTo(new DecimalStats()));
  }

  /**
   * sum / n rounded half-even to 6 places, by integer arithmetic: q and r of (sum * 10^6) / n with
   * the remainder compared against n / 2; independent of BigDecimal's rounding modes.
   */
  private static BigDecimal halfEvenMean(BigDecimal sum, long n) {
    BigInteger scaled = sum.movePointRight(6 + Math.max(0, sum.scale())).toBigIntegerExact();
    BigInteger den = BigInteger.valueOf(n).multiply(BigInteger.TEN.pow(Math.max(0, sum.scale())));
    BigInteger[] qr = scaled.abs().divideAndRemainder(den);
    BigInteger q = qr[0];
    int half = qr[1].shiftLeft(1).compareTo(den);
    if (half > 0 || (half == 0 && q.testBit(0))) {
      q = q.add(BigInteger.ONE);
    }
    return new BigDecimal(sum.signum() < 0 ? q.negate() : q, 6);
  }

  /** Means that land exactly on a tie at the 7th place, worked out by hand. */
  @Test
  public void meanRoundsTiesToTheEvenNeighbour() {
    String[][] cases = {
      {"0.000002", "0.000003", "0.000002"}, // 0.0000025
      {"0.000003", "0.000004", "0.000004"}, // 0.0000035
      {"-0.000002", "-0.000003", "-0.000002"}, // -0.0000025
      {"1000000.0000005", "1000000.0000005", "1000000.000000"}, // 1000000.0000005
      {"0.0000015", "0.0000015", "0.000002"}, // 0.0000015
    };
    for (String[] c : cases) {
      DecimalStats s = DecimalStats.of(d(c[0]), d(c[1]));
      assertThat(c[0] + ", " + c[1], s.mean(), comparesEqualTo(d(c[2])));
      assertThat(c[0] + ", " + c[1], halfEvenMean(s.sum(), 2), comparesEqualTo(d(c[2])));
    }
    // three values: 0.0000075 / 3 = 0.0000025
    assertThat(
        DecimalStats.of(d("0.000001"), d("0.000002"), d("0.0000045")).mean(),
        comparesEqualTo(d("0.000002")));
  }

  /**
   * Merging partials in random groupings and orders (through the coder, as across a shuffle) gives
   * exactly what adding the values one by one gives, and what BigDecimal arithmetic says.
   */
  @Test
  public void mergeOrderDoesNotMatter() throws Exception {
    Random rnd = new Random(2718L);
    for (int iter = 0; iter < 400; iter++) {
      int n = 1 + rnd.nextInt(40);
      List<BigDecimal> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        values.add(BigDecimal.valueOf(rnd.nextInt(2001) - 1000, rnd.nextInt(8) - 2));
      }
      // oracle
      BigDecimal sum = BigDecimal.ZERO;
      BigDecimal min = values.get(0);
      BigDecimal max = values.get(0);
      for (BigDecimal v : values) {
        sum = sum.add(v);
        min = v.compareTo(min) < 0 ? v : min;
        max = v.compareTo(max) > 0 ? v : max;
      }
      DecimalStats sequential = new DecimalStats();
      values.forEach(sequential::add);
      assertThat(sequential.count(), is((long) n));
      assertThat(sequential.sum(), equalTo(sum));
      assertThat(sequential.min(), comparesEqualTo(min));
      assertThat(sequential.max(), comparesEqualTo(max));

      // random partition into partials (some empty), in shuffled value order
      List<BigDecimal> shuffled = new ArrayList<>(values);
      Collections.shuffle(shuffled, rnd);
      List<DecimalStats> parts = new ArrayList<>();
      for (int p = 1 + rnd.nextInt(6); p > 0; p--) {
        parts.add(new DecimalStats());
      }
      for (BigDecimal v : shuffled) {
        parts.get(rnd.nextInt(parts.size())).add(v);
      }
      List<DecimalStats> shuffledParts = new ArrayList<>();
      for (DecimalStats p : parts) {
        shuffledParts.add(CoderUtils.clone(DecimalStatsCoder.of(), p));
      }
      Collections.shuffle(shuffledParts, rnd);
      // merge pairwise in a random tree shape
      while (shuffledParts.size() > 1) {
        int i = rnd.nextInt(shuffledParts.size() - 1);
        DecimalStats a = shuffledParts.remove(i);
        DecimalStats b = shuffledParts.remove(i);
        shuffledParts.add(
            rnd.nextInt(shuffledParts.size() + 1), rnd.nextBoolean() ? a.merge(b) : b.merge(a));
      }
      DecimalStats merged = shuffledParts.get(0);
      assertThat("iteration " + iter, merged.count(), is(sequential.count()));
      assertThat("iteration " + iter, merged.sum(), equalTo(sequential.sum()));
      assertThat("iteration " + iter, merged.min(), comparesEqualTo(sequential.min()));
      assertThat("iteration " + iter, merged.max(), comparesEqualTo(sequential.max()));
      assertThat(Decimals.format(merged.min()), is(Decimals.format(min)));
      assertThat(Decimals.format(merged.max()), is(Decimals.format(max)));
      // mean: sum / n to 6 places, ties to the even neighbour, worked out here with integers
      assertThat(merged.mean(), equalTo(halfEvenMean(sum, n)));
      assertThat(merged, equalTo(sequential));
    }
  }
}
