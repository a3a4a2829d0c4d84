package dev.parabeam.transforms.stats;

import static org.hamcrest.Matchers.equalTo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.junit.Test;

public class StatsFnsTest {
  private static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  @Test
  public void ofValuesUnderEveryShardingTheTesterTries() {
    List<BigDecimal> in = List.of(d("3"), d("-1.5"), d("10"), d("0.25"), d("3"));
    CombineFnTester.testCombineFn(
        new StatsFns.OfValues(), in, equalTo(new DecimalStats(5, d("14.75"), d("-1.5"), d("10"))));
  }

  @Test
  public void ofValuesOfNothing() {
    CombineFnTester.testCombineFn(new StatsFns.OfValues(), List.of(), equalTo(new DecimalStats()));
  }

  @Test
  public void ofPartialsUnderEveryShardingTheTesterTries() {
    Random rnd = new Random(3L);
    List<DecimalStats> parts = new ArrayList<>();
    long count = 0;
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 0; i < 20; i++) {
      DecimalStats p = new DecimalStats();
      for (int k = rnd.nextInt(4); k > 0; k--) {
        BigDecimal v = BigDecimal.valueOf(rnd.nextInt(100) - 50, 1);
        p.add(v);
        count++;
        sum = sum.add(v);
      }
      parts.add(p);
    }
    // values range over [-5.0, 4.9]; recompute min and max from the partials' own values
    BigDecimal min = null;
    BigDecimal max = null;
    for (DecimalStats p : parts) {
      if (p.count() > 0) {
        min = min == null || p.min().compareTo(min) < 0 ? p.min() : min;
        max = max == null || p.max().compareTo(max) > 0 ? p.max() : max;
      }
    }
    CombineFnTester.testCombineFn(new StatsFns.OfPartials(), parts, equalTo(new DecimalStats(count, sum, min, max)));
  }
}
