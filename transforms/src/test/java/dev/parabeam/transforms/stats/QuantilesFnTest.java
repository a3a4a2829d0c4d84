package dev.parabeam.transforms.stats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.apache.beam.sdk.transforms.ApproximateQuantiles.ApproximateQuantilesCombineFn;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

public class QuantilesFnTest {
  /**
   * Two functions' accumulator coders are equal (Flink unions only collections of equal coders),
   * also inside groupby's slots (count, countDistinct, percentiles).
   */
  @Test
  public void accumulatorCodersOfTwoFunctionsAreEqual() throws Exception {
    CoderRegistry r = CoderRegistry.createDefault();
    Coder<QuantilesFn.Acc> a = new QuantilesFn().getAccumulatorCoder(r, DoubleCoder.of());
    Coder<QuantilesFn.Acc> b = new QuantilesFn().getAccumulatorCoder(r, DoubleCoder.of());
    assertThat(a, equalTo(b));
    assertThat(a.hashCode(), is(b.hashCode()));
    List<Aggregation> list = Aggregation.parseList("count,countDistinct(c),p90(v),sum(v)");
    AggregationsFn f = new AggregationsFn(list);
    AggregationsFn g = new AggregationsFn(list);
    assertThat(
        f.getAccumulatorCoder(r, f.inputCoder()),
        equalTo(g.getAccumulatorCoder(r, g.inputCoder())));
  }

  private static List<Double> values(int n, long seed) {
    Random rnd = new Random(seed);
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      v.add(Math.round(rnd.nextGaussian() * 100_000) / 100.0);
    }
    return v;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Double> beams(List<Double> in) {
    CombineFn<Double, Object, List<Double>> beam =
        (CombineFn)
            ApproximateQuantilesCombineFn.<Double>create(101).withEpsilon(QuantilesFn.EPSILON);
    Object acc = beam.createAccumulator();
    for (Double d : in) {
      acc = beam.addInput(acc, d);
    }
    return beam.extractOutput(acc);
  }

  @Test
  public void whileBufferedTheQuantilesAreBeamsUnderEveryShardingTheTesterTries() {
    List<Double> in = values(3_000, 1L);
    CombineFnTester.testCombineFn(new QuantilesFn(), in, equalTo(beams(in)));
  }

  /**
   * A buffered key's quantiles read from its sorted values are what Beam's sketch gives when fed
   * them, at every size up to the buffer's (around the sketch's 954-value buffers and 101
   * quantiles), with ties, negative zeros and few distinct values.
   */
  @Test
  public void bufferedQuantilesReadFromTheSortedValuesAreWhatBeamsSketchGives() {
    Random rnd = new Random(5);
    List<Integer> sizes =
        new ArrayList<>(
            List.of(1, 2, 3, 99, 100, 101, 102, 953, 954, 955, 1908, 9_999, QuantilesFn.BUFFERED));
    for (int i = 0; i < 40; i++) {
      sizes.add(1 + rnd.nextInt(QuantilesFn.BUFFERED));
    }
    for (int n : sizes) {
      List<Double> in = new ArrayList<>();
      int distinct = 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 100_000);
      for (int i = 0; i < n; i++) {
        int k = rnd.nextInt(distinct) - distinct / 2;
        in.add(k == 0 && rnd.nextBoolean() ? -0.0 : k / 4.0);
      }
      double[] values = new double[n];
      for (int i = 0; i < n; i++) {
        values[i] = in.get(i);
      }
      assertThat("n=" + n, QuantilesFn.fromSorted(values, n), equalTo(beams(in)));
    }
  }

  @Test
  public void nothingGivesWhatBeamGivesForNothing() {
    assertThat(
        new QuantilesFn().extractOutput(new QuantilesFn().createAccumulator()),
        equalTo(beams(List.of())));
  }

  @Test
  public void aKeyThatOutgrowsTheBufferBecomesTheSketchAndStaysWithinItsBound() {
    QuantilesFn fn = new QuantilesFn();
    List<Double> in = values(5 * QuantilesFn.BUFFERED, 2L);
    // in parts of uneven size, merged in order, as a job's units are
    List<QuantilesFn.Acc> parts = new ArrayList<>();
    int from = 0;
    for (int size : new int[] {10, QuantilesFn.BUFFERED - 5, 3 * QuantilesFn.BUFFERED, 7}) {
      QuantilesFn.Acc a = fn.createAccumulator();
      for (Double d : in.subList(from, from + size)) {
        a = fn.addInput(a, d);
      }
      parts.add(a);
      from += size;
    }
    QuantilesFn.Acc rest = fn.createAccumulator();
    for (Double d : in.subList(from, in.size())) {
      rest = fn.addInput(rest, d);
    }
    assertThat(parts.get(1).buffered(), is(true));
    assertThat(parts.get(2).buffered(), is(false)); // more than BUFFERED values in one accumulator
    parts.add(rest);
    QuantilesFn.Acc merged = fn.mergeAccumulators(parts);
    assertThat(merged.buffered(), is(false));

    List<Double> q = fn.extractOutput(merged);
    List<Double> sorted = new ArrayList<>(in);
    Collections.sort(sorted);
    int n = in.size();
    for (int p : new int[] {0, 1, 50, 90, 99, 100}) {
      int wanted = (int) Math.ceil(p / 100.0 * n);
      // the ranks the returned value occupies among the inputs
      int low = Collections.binarySearch(sorted, q.get(p));
      assertThat("p" + p + " is an input value", low >= 0, is(true));
      int first = low;
      while (first > 0 && sorted.get(first - 1).equals(q.get(p))) {
        first--;
      }
      int last = low;
      while (last < n - 1 && sorted.get(last + 1).equals(q.get(p))) {
        last++;
      }
      int distance = wanted < first + 1 ? first + 1 - wanted : Math.max(0, wanted - (last + 1));
      assertThat(
          "p" + p + " rank distance",
          (double) distance,
          lessThanOrEqualTo(QuantilesFn.EPSILON * n));
    }
  }

  /**
   * The value that makes a key outgrow its buffer is the first one the sketch holds: with it the
   * sketch holds all n values, fed in order, so the quantiles are exactly Beam's on the same input.
   * It is the largest value here, so without it the maximum (which Beam's sketch keeps exactly)
   * would be another value.
   */
  @Test
  public void theValueThatSwitchesAKeyToTheSketchIsInTheSketch() {
    QuantilesFn fn = new QuantilesFn();
    List<Double> in = new ArrayList<>(values(QuantilesFn.BUFFERED, 3L));
    in.add(1e12); // value number BUFFERED + 1: the buffer is full, the key becomes the sketch
    in.addAll(values(100, 4L));
    QuantilesFn.Acc acc = fn.createAccumulator();
    for (int i = 0; i < in.size(); i++) {
      acc = fn.addInput(acc, in.get(i));
      assertThat("after value " + (i + 1), acc.buffered(), is(i < QuantilesFn.BUFFERED));
    }
    List<Double> q = fn.extractOutput(acc);
    assertThat(q.get(100), is(1e12));
    assertThat(q, equalTo(beams(in)));
  }

  @Test
  public void theCoderKeepsBothForms() throws Exception {
    QuantilesFn fn = new QuantilesFn();
    Coder<QuantilesFn.Acc> coder =
        fn.getAccumulatorCoder(CoderRegistry.createDefault(), DoubleCoder.of());
    for (int n : new int[] {0, 1, 100, QuantilesFn.BUFFERED, QuantilesFn.BUFFERED + 1}) {
      QuantilesFn.Acc a = fn.createAccumulator();
      List<Double> in = values(n, n);
      for (Double d : in) {
        a = fn.addInput(a, d);
      }
      QuantilesFn.Acc back = CoderUtils.clone(coder, a);
      assertThat(back.buffered(), is(a.buffered()));
      assertThat(fn.extractOutput(back), equalTo(fn.extractOutput(a)));
      // a decoded buffer still takes more values
      back = fn.addInput(back, 1.5);
      a = fn.addInput(a, 1.5);
      assertThat(fn.extractOutput(back), equalTo(fn.extractOutput(a)));
    }
  }

  /**
   * The quantiles picked by selection are the sort's, on sizes from 1 to past the buffer, values
   * with many ties or none, NaN and -0.0 among them, and any set of wanted quantiles; a sketch's
   * are its own.
   */
  @Test
  public void selectedQuantilesAreTheSortedOnes() {
    QuantilesFn fn = new QuantilesFn();
    Random rnd = new Random(17);
    for (int round = 0; round < 400; round++) {
      int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 2 * QuantilesFn.BUFFERED : 3_000);
      int kind = rnd.nextInt(5);
      QuantilesFn.Acc acc = fn.createAccumulator();
      for (int i = 0; i < n; i++) {
        double v =
            kind == 0
                ? rnd.nextInt(5) // a few values, many ties
                : kind == 1
                    ? Math.round(rnd.nextGaussian() * 100_000) / 100.0
                    : kind == 2
                        ? i // already sorted
                        : kind == 3 ? -i : rnd.nextDouble() / 1000; // reversed; close together
        if (rnd.nextInt(500) == 0) {
          v = rnd.nextBoolean() ? Double.NaN : -0.0;
        }
        acc = fn.addValue(acc, v);
      }
      int[] wanted =
          rnd.ints(1 + rnd.nextInt(4), 0, QuantilesFn.QUANTILES).distinct().sorted().toArray();
      List<Double> all = fn.extractOutput(acc);
      List<Double> some = fn.extractOutput(acc, wanted);
      assertThat(some.size(), is(QuantilesFn.QUANTILES));
      for (int q = 0; q < QuantilesFn.QUANTILES; q++) {
        boolean asked = java.util.Arrays.binarySearch(wanted, q) >= 0;
        assertThat(
            "n=" + n + " kind=" + kind + " q=" + q, some.get(q), is(asked ? all.get(q) : null));
      }
    }
  }
}
