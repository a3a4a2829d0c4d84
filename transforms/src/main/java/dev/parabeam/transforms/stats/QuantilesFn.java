package dev.parabeam.transforms.stats;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.transforms.ApproximateQuantiles.ApproximateQuantilesCombineFn;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * Beam's {@link ApproximateQuantilesCombineFn} (101 quantiles, epsilon {@value #EPSILON}) with the
 * values of a small accumulator kept as a plain {@code double[]} in front of it.
 *
 * <p>Why: a chunked job pre-aggregates per key inside every unit of work and ships the accumulators
 * to one merge. With thousands of keys of a few hundred values each, Beam's sketch holds every
 * value as a boxed {@code Double} in lists, and its coder writes them one by one, so in a {@code
 * groupby} with many keys encoding, copying, decoding and merging those sketches took longer than
 * reading the input (figures in docs/performance.md). Here a key's first {@link #BUFFERED} values
 * stay in an array (8 bytes each, encoded in one block, merged by appending), and only a key that
 * outgrows it turns into the sketch, fed the buffered values in the order they came. {@link
 * #extractOutput} of a small accumulator reads them as a fresh sketch fed them would ({@link
 * #fromSorted}), so the quantiles are always Beam's: exact (nearest rank) while the sketch is
 * exact, within {@code EPSILON * n} ranks after that.
 *
 * <p>Memory per key: at most {@code 8 * BUFFERED} bytes (128 KiB) buffered, then the sketch's own
 * bound (21 buffers of 953 values at this epsilon).
 */
public final class QuantilesFn extends CombineFn<Double, QuantilesFn.Acc, List<Double>> {
  private static final long serialVersionUID = 1L;

  public static final double EPSILON = 0.01;

  /** How many values a key keeps as an array before its accumulator becomes Beam's sketch. */
  public static final int BUFFERED = 16_384;

  private final CombineFn<Double, Object, List<Double>> sketch;

  @SuppressWarnings({"unchecked", "rawtypes"})
  public QuantilesFn() {
    this.sketch =
        (CombineFn) ApproximateQuantilesCombineFn.<Double>create(101).withEpsilon(EPSILON);
  }

  /** A key's values so far: an array while small, Beam's sketch once it has outgrown it. */
  public static final class Acc {
    double[] values;
    int size;
    Object sketch;

    Acc(double[] values, int size, Object sketch) {
      this.values = values;
      this.size = size;
      this.sketch = sketch;
    }

    /** Whether the values are still held one by one (not yet a sketch). */
    public boolean buffered() {
      return sketch == null;
    }

    void append(double[] more, int n) {
      if (size + n > values.length) {
        values = Arrays.copyOf(values, Math.max(size + n, values.length * 2));
      }
      System.arraycopy(more, 0, values, size, n);
      size += n;
    }
  }

  @Override
  public Acc createAccumulator() {
    return new Acc(new double[16], 0, null);
  }

  @Override
  public Acc addInput(Acc acc, Double input) {
    return addValue(acc, input);
  }

  /** {@link #addInput} of an unboxed value. */
  public Acc addValue(Acc acc, double input) {
    if (acc.sketch != null) {
      acc.sketch = sketch.addInput(acc.sketch, input);
      return acc;
    }
    if (acc.size == acc.values.length) {
      if (acc.size >= BUFFERED) {
        toSketch(acc);
        acc.sketch = sketch.addInput(acc.sketch, input);
        return acc;
      }
      acc.values = Arrays.copyOf(acc.values, Math.min(BUFFERED, acc.values.length * 2));
    }
    acc.values[acc.size++] = input;
    return acc;
  }

  /**
   * {@link #addValue} of {@code values[0, n)} in that order; the array becomes the accumulator's
   * own when the accumulator is empty (the caller gives it up).
   */
  Acc addValues(Acc acc, double[] values, int n) {
    if (acc.sketch == null && acc.size + n <= BUFFERED) {
      if (acc.size == 0 && values.length >= 16) {
        acc.values = values;
        acc.size = n;
      } else {
        acc.append(values, n);
      }
      return acc;
    }
    for (int i = 0; i < n; i++) {
      acc = addValue(acc, values[i]);
    }
    return acc;
  }

  private void toSketch(Acc acc) {
    acc.sketch = feed(acc.values, acc.size);
    acc.values = null;
    acc.size = 0;
  }

  private Object feed(double[] values, int n) {
    Object s = sketch.createAccumulator();
    for (int i = 0; i < n; i++) {
      s = sketch.addInput(s, values[i]);
    }
    return s;
  }

  /** Merges in the order given (the first accumulator is reused), as the sketch does. */
  @Override
  public Acc mergeAccumulators(Iterable<Acc> accumulators) {
    Acc into = null;
    for (Acc a : accumulators) {
      if (into == null) {
        into = a;
        continue;
      }
      if (into.sketch == null && a.sketch == null && into.size + a.size <= BUFFERED) {
        into.append(a.values, a.size);
        continue;
      }
      if (into.sketch == null) {
        toSketch(into);
      }
      Object other = a.sketch != null ? a.sketch : feed(a.values, a.size);
      into.sketch = sketch.mergeAccumulators(List.of(into.sketch, other));
    }
    return into == null ? createAccumulator() : into;
  }

  @Override
  public List<Double> extractOutput(Acc acc) {
    if (acc.sketch != null) {
      return sketch.extractOutput(acc.sketch);
    }
    return fromSorted(acc.values, acc.size);
  }

  /** The number of quantiles Beam's sketch gives here: the minimum, 99 between, the maximum. */
  static final int QUANTILES = 101;

  /**
   * What Beam's sketch gives for these values when fed them, without feeding it: it holds up to 21
   * buffers of 954 values at this epsilon (1e9 elements at most) before it collapses any, more than
   * {@link #BUFFERED}, so for a buffered key its output is its values' sorted union read at the
   * ranks its {@code extractOutput} computes, which is what this reads, from a sorted copy (a
   * primitive sort rather than 954-value lists of boxed doubles merged through iterators).
   * QuantilesFnTest holds the two equal up to {@code BUFFERED} values.
   */
  static List<Double> fromSorted(double[] values, int n) {
    List<Double> out = new ArrayList<>(QUANTILES);
    if (n == 0) {
      return out;
    }
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    for (int r : ranks(n)) {
      out.add(sorted[r]);
    }
    return out;
  }

  /**
   * The rank among n sorted values of each of the {@link #QUANTILES} quantiles, as Beam's {@code
   * ApproximateQuantiles.QuantileState.extractOutput} and {@code interpolate} pick them for weights
   * of 1.
   */
  static int[] ranks(int n) {
    int[] ranks = new int[QUANTILES];
    double step = 1.0 * n / (QUANTILES - 1);
    double offset = (1.0 * n - 1) / (QUANTILES - 1);
    int i = 0;
    double current = 1;
    for (int j = 0; j < QUANTILES - 2; j++) {
      double target = j * step + offset;
      while (current <= target && i + 1 < n) {
        i++;
        current += 1;
      }
      ranks[j + 1] = i;
    }
    ranks[QUANTILES - 1] = n - 1;
    return ranks;
  }

  /**
   * {@link #extractOutput} at the quantiles {@code wanted} (indices into its list, ascending) only:
   * a list of {@link #QUANTILES} with the others null. While the values are buffered it selects the
   * ranks it needs (a partition per rank on a copy) instead of sorting them all; the values are the
   * same as the sort's.
   */
  public List<Double> extractOutput(Acc acc, int[] wanted) {
    if (acc.sketch != null || acc.size == 0 || !plainValues(acc.values, acc.size)) {
      List<Double> all = extractOutput(acc);
      List<Double> out = new ArrayList<>(java.util.Collections.nCopies(all.size(), (Double) null));
      for (int w : wanted) {
        if (w < all.size()) {
          out.set(w, all.get(w));
        }
      }
      return out;
    }
    int n = acc.size;
    int[] rankOfQuantile = ranks(n);
    int[] ranks = new int[wanted.length];
    for (int i = 0; i < wanted.length; i++) {
      ranks[i] = rankOfQuantile[wanted[i]];
    }
    Arrays.sort(ranks);
    double[] a = Arrays.copyOf(acc.values, n);
    select(a, 0, n, ranks, 0, ranks.length);
    List<Double> out = new ArrayList<>(java.util.Collections.nCopies(QUANTILES, (Double) null));
    for (int w : wanted) {
      out.set(w, a[rankOfQuantile[w]]);
    }
    return out;
  }

  /**
   * Whether no value is NaN or -0.0, the two that {@code <} does not order as {@link Arrays#sort}
   * does (those take the sort).
   */
  private static boolean plainValues(double[] a, int n) {
    for (int i = 0; i < n; i++) {
      double v = a[i];
      if (v != v || Double.doubleToRawLongBits(v) == Long.MIN_VALUE) {
        return false;
      }
    }
    return true;
  }

  /**
   * Puts into each place {@code ranks[rlo, rhi)} of {@code a[lo, hi)} the value a sort would put
   * there: partitions around a median of three into less, equal and greater (many equal values cost
   * nothing), keeps the parts that hold a wanted rank, and sorts a part of at most 32 values.
   */
  private static void select(double[] a, int lo, int hi, int[] ranks, int rlo, int rhi) {
    while (rlo < rhi) {
      if (hi - lo <= 32) {
        Arrays.sort(a, lo, hi);
        return;
      }
      double x = a[lo];
      double y = a[(lo + hi) >>> 1];
      double z = a[hi - 1];
      double pivot = x < y ? (y < z ? y : Math.max(x, z)) : (x < z ? x : Math.max(y, z));
      // a[lo, lt) < pivot, a[lt, i) == pivot, a[gt, hi) > pivot
      int lt = lo;
      int i = lo;
      int gt = hi;
      while (i < gt) {
        double v = a[i];
        if (v < pivot) {
          a[i++] = a[lt];
          a[lt++] = v;
        } else if (v > pivot) {
          a[i] = a[--gt];
          a[gt] = v;
        } else {
          i++;
        }
      }
      int left = rlo;
      while (left < rhi && ranks[left] < lt) {
        left++;
      }
      int right = left;
      while (right < rhi && ranks[right] < gt) {
        right++;
      }
      // ranks[rlo, left) lie below the pivot's run, [left, right) in it (done), [right, rhi) above
      if (left - rlo < rhi - right) {
        select(a, lo, lt, ranks, rlo, left);
        lo = gt;
        rlo = right;
      } else {
        select(a, gt, hi, ranks, right, rhi);
        hi = lt;
        rhi = left;
      }
    }
  }

  @Override
  public Coder<Acc> getAccumulatorCoder(CoderRegistry registry, Coder<Double> inputCoder)
      throws CannotProvideCoderException {
    return new AccCoder(sketch.getAccumulatorCoder(registry, DoubleCoder.of()));
  }

  /**
   * A tag, then the values' count and their bytes in one block, or the sketch in Beam's coding.
   * Every instance codes alike (the sketch's settings are this class's constants), so all are
   * equal: Flink unions only collections of equal coders.
   */
  static final class AccCoder extends CustomCoder<Acc> {
    @Override
    public boolean equals(Object o) {
      return o instanceof AccCoder;
    }

    @Override
    public int hashCode() {
      return AccCoder.class.hashCode();
    }

    private static final long serialVersionUID = 1L;
    private final Coder<Object> sketchCoder;

    AccCoder(Coder<Object> sketchCoder) {
      this.sketchCoder = sketchCoder;
    }

    @Override
    public void encode(Acc acc, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      if (acc.sketch != null) {
        data.writeByte(1);
        data.flush();
        sketchCoder.encode(acc.sketch, out);
        return;
      }
      data.writeByte(0);
      data.writeInt(acc.size);
      ByteBuffer block = ByteBuffer.allocate(acc.size * Double.BYTES);
      block.asDoubleBuffer().put(acc.values, 0, acc.size);
      data.write(block.array());
      data.flush();
    }

    @Override
    public Acc decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      int tag = data.readUnsignedByte();
      if (tag == 1) {
        return new Acc(null, 0, sketchCoder.decode(in));
      }
      if (tag != 0) {
        throw new CoderException("not a quantiles accumulator: tag " + tag);
      }
      int n = data.readInt();
      if (n < 0 || n > BUFFERED) {
        throw new CoderException("not a quantiles accumulator: " + n + " buffered values");
      }
      byte[] block = new byte[n * Double.BYTES];
      data.readFully(block);
      double[] values = new double[Math.max(n, 16)];
      ByteBuffer.wrap(block).asDoubleBuffer().get(values, 0, n);
      return new Acc(values, n, null);
    }
  }
}
