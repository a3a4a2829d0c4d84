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
    // min and max of the values themselves, as they are drawn (not from the partials' own figures)
    int minTenths = Integer.MAX_VALUE;
    int maxTenths = Integer.MIN_VALUE;
    for (int i = 0; i < 20; i++) {
      DecimalStats p = new DecimalStats();
      for (int k = rnd.nextInt(4); k > 0; k--) {
        int tenths = rnd.nextInt(100) - 50;
        p.add(BigDecimal.valueOf(tenths, 1));
        count++;
        sum = sum.add(BigDecimal.valueOf(tenths, 1));
        minTenths = Math.min(minTenths, tenths);
        maxTenths = Math.max(maxTenths, tenths);
      }
      parts.add(p);
    }
    BigDecimal min = BigDecimal.valueOf(minTenths, 1);
    BigDecimal max = BigDecimal.valueOf(maxTenths, 1);
    CombineFnTester.testCombineFn(
        new StatsFns.OfPartials(), parts, equalTo(new DecimalStats(count, sum, min, max)));
  }
}
