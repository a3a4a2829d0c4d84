package dev.parabeam.transforms.stats;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.SetCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * The combine functions and the coder of {@link AggregationsFn}'s slots that Beam has no ready one
 * for.
 */
final class AggregationSlots {
  private AggregationSlots() {}

  /** {@code count}: the number of records. */
  static final class CountFn extends CombineFn<Object, long[], Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public long[] createAccumulator() {
      return new long[1];
    }

    @Override
    public long[] addInput(long[] acc, Object input) {
      acc[0]++;
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accumulators) {
      long[] m = new long[1];
      for (long[] a : accumulators) {
        m[0] += a[0];
      }
      return m;
    }

    @Override
    public Long extractOutput(long[] acc) {
      return acc[0];
    }

    @Override
    public Coder<long[]> getAccumulatorCoder(CoderRegistry registry, Coder<Object> in) {
      return new CountCoder();
    }
  }

  /** {@code count}'s accumulator as a var-long; all instances equal (Flink unions equal coders). */
  static final class CountCoder extends CustomCoder<long[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(long[] value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value[0], out);
    }

    @Override
    public long[] decode(InputStream in) throws IOException {
      return new long[] {VarLongCoder.of().decode(in)};
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CountCoder;
    }

    @Override
    public int hashCode() {
      return CountCoder.class.hashCode();
    }
  }

  /** {@code countDistinct}: the set of distinct texts, exact; memory grows with the set. */
  static final class DistinctFn extends CombineFn<String, Set<String>, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Set<String> createAccumulator() {
      return new HashSet<>();
    }

    @Override
    public Set<String> addInput(Set<String> acc, String input) {
      acc.add(input);
      return acc;
    }

    @Override
    public Set<String> mergeAccumulators(Iterable<Set<String>> accumulators) {
      // into the largest set, so that merging chunk after chunk does not copy what is merged
      // already
      Set<String> largest = null;
      for (Set<String> a : accumulators) {
        if (largest == null || a.size() > largest.size()) {
          largest = a;
        }
      }
      Set<String> m = largest == null ? new HashSet<>() : largest;
      for (Set<String> a : accumulators) {
        if (a != m) {
          m.addAll(a);
        }
      }
      return m;
    }

    @Override
    public Long extractOutput(Set<String> acc) {
      return (long) acc.size();
    }

    @Override
    public Coder<Set<String>> getAccumulatorCoder(CoderRegistry registry, Coder<String> in) {
      return SetCoder.of(StringUtf8Coder.of());
    }
  }

  /** One coder per slot of an accumulator array. */
  static final class ArrayCoder extends CustomCoder<Object[]> {
    private static final long serialVersionUID = 1L;
    private final List<Coder<Object>> coders;

    ArrayCoder(List<Coder<Object>> coders) {
      this.coders = coders;
    }

    @Override
    public void encode(Object[] value, OutputStream out) throws IOException {
      for (int i = 0; i < coders.size(); i++) {
        coders.get(i).encode(value[i], out);
      }
    }

    @Override
    public Object[] decode(InputStream in) throws IOException {
      Object[] v = new Object[coders.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = coders.get(i).decode(in);
      }
      return v;
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return coders;
    }

    /** Equal for equal slot coders (Flink unions only collections of equal coders). */
    @Override
    public boolean equals(Object o) {
      return o instanceof ArrayCoder a && coders.equals(a.coders);
    }

    @Override
    public int hashCode() {
      return coders.hashCode();
    }
  }
}
