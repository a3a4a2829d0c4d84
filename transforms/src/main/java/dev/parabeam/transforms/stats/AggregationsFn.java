package dev.parabeam.transforms.stats;

import dev.parabeam.transforms.engine.KeyedAccumulators;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.ApproximateQuantiles.ApproximateQuantilesCombineFn;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * Several {@link Aggregation}s of one record at once, as one {@code CombineFn}: the input is one
 * value per aggregation (the record's number for numeric ones, its text for {@code countDistinct},
 * nothing for {@code count}), the accumulator one accumulator per aggregation, the output one
 * result per aggregation. Exact but for the percentiles: {@code sum}, {@code min}, {@code max} and
 * {@code mean} keep exact decimals ({@link DecimalStats}), {@code countDistinct} the set of
 * distinct texts, {@code p50/p90/p99} Beam's {@link ApproximateQuantilesCombineFn} over the values
 * as doubles, behind a plain array while a key has few values ({@link QuantilesFn}) (so a value of
 * more than 15 significant digits comes back rounded; 101 quantiles, epsilon {@value #EPSILON}: the
 * value returned has a rank within {@code EPSILON * n} of the requested rank among the key's n
 * values; exact, by nearest rank, while a key has fewer than about 20,000 values, which the sketch
 * holds in 21 buffers of 953 before it collapses any). Past that a percentile depends on the order
 * in which partial sketches merge: the job merges the chunks in input order, so the same chunks
 * give the same bytes, but another chunking may give another value within the bound.
 */
public final class AggregationsFn extends CombineFn<Object[], Object[], Object[]> {
  private static final long serialVersionUID = 1L;

  public static final double EPSILON = QuantilesFn.EPSILON;

  private final List<Aggregation> aggregations;
  // One accumulator per slot: sum, min, max and mean of one column share one DecimalStats, the
  // percentiles of one column one sketch (101 quantiles give them all), so each is kept once.
  private final List<CombineFn<Object, Object, Object>> fns = new ArrayList<>();
  private final List<Aggregation.Kind> slotKinds = new ArrayList<>();
  private final int[] slotOf;
  private final int[] inputOf;
  // the slots' kinds and percentile functions as arrays, for addRow's per-record loop (a List's
  // get is an interface call that the JIT's first compiler does not inline)
  private final Aggregation.Kind[] kinds;
  private final QuantilesFn[] quantileFns;

  @SuppressWarnings({"unchecked", "rawtypes"})
  public AggregationsFn(List<Aggregation> aggregations) {
    this.aggregations = List.copyOf(aggregations);
    this.slotOf = new int[aggregations.size()];
    List<String> slotNames = new ArrayList<>();
    List<Integer> inputs = new ArrayList<>();
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      String slot = slotName(a);
      int at = slotNames.indexOf(slot);
      if (at < 0) {
        at = slotNames.size();
        slotNames.add(slot);
        inputs.add(i);
        slotKinds.add(a.kind());
        CombineFn fn;
        switch (a.kind()) {
          case COUNT:
            fn = new AggregationSlots.CountFn();
            break;
          case COUNT_DISTINCT:
            fn = new AggregationSlots.DistinctFn();
            break;
          case P50:
          case P90:
          case P99:
            fn = new QuantilesFn();
            break;
          default:
            fn = new StatsFns.OfValues();
        }
        fns.add(fn);
      }
      slotOf[i] = at;
    }
    this.inputOf = inputs.stream().mapToInt(Integer::intValue).toArray();
    this.kinds = slotKinds.toArray(new Aggregation.Kind[0]);
    this.quantileFns = new QuantilesFn[fns.size()];
    this.wantedQuantiles = new int[fns.size()][];
    for (int s = 0; s < fns.size(); s++) {
      if ((Object) fns.get(s) instanceof QuantilesFn q) {
        quantileFns[s] = q;
        int slot = s;
        wantedQuantiles[s] =
            java.util.stream.IntStream.range(0, aggregations.size())
                .filter(i -> slotOf[i] == slot)
                .map(i -> aggregations.get(i).kind().percentile())
                .distinct()
                .sorted()
                .toArray();
      }
    }
  }

  // per percentile slot: the quantiles (of QuantilesFn's 101) its aggregations print
  private final int[][] wantedQuantiles;

  private static boolean quantiles(Aggregation.Kind k) {
    return k == Aggregation.Kind.P50 || k == Aggregation.Kind.P90 || k == Aggregation.Kind.P99;
  }

  private static String slotName(Aggregation a) {
    switch (a.kind()) {
      case COUNT:
        return "count";
      case COUNT_DISTINCT:
        return "distinct:" + a.column();
      case P50:
      case P90:
      case P99:
        return "quantiles:" + a.column();
      default:
        return "stats:" + a.column();
    }
  }

  public List<Aggregation> aggregations() {
    return aggregations;
  }

  @Override
  public Object[] createAccumulator() {
    Object[] acc = new Object[fns.size()];
    for (int i = 0; i < acc.length; i++) {
      acc[i] = fns.get(i).createAccumulator();
    }
    return acc;
  }

  /** {@code input} holds one value per aggregation (as {@link #aggregations} lists them). */
  @Override
  public Object[] addInput(Object[] acc, Object[] input) {
    for (int s = 0; s < acc.length; s++) {
      Object in = input[inputOf[s]];
      if (quantiles(slotKinds.get(s))) {
        in =
            ((BigDecimal) in)
                .doubleValue(); // a Double takes a third of a BigDecimal's memory in the sketch
      }
      acc[s] = fns.get(s).addInput(acc[s], in);
    }
    return acc;
  }

  /**
   * Adds one record, as {@code row} holds it, into {@code acc}: what {@link #addInput} does with
   * {@code row}'s values as objects, without them (a count is a long, a number goes into its
   * DecimalStats as unscaled and scale, a percentile's value into its buffer as a double).
   */
  @SuppressWarnings("unchecked")
  public Object[] addRow(Object[] acc, Row row) {
    for (int s = 0; s < acc.length; s++) {
      int in = inputOf[s];
      switch (kinds[s]) {
        case COUNT:
          ((long[]) acc[s])[0]++;
          break;
        case COUNT_DISTINCT:
          ((java.util.Set<String>) acc[s]).add(row.text[in]);
          break;
        case P50:
        case P90:
        case P99:
          acc[s] = quantileFns[s].addValue((QuantilesFn.Acc) acc[s], row.doubleAt(in));
          break;
        default:
          DecimalStats d = (DecimalStats) acc[s];
          BigDecimal big = row.big[in];
          acc[s] = big == null ? d.add(row.unscaled[in], row.scale[in]) : d.add(big);
      }
    }
    return acc;
  }

  /**
   * This function's accumulators of many keys as columns ({@link KeyedAccumulators}), adding what
   * {@code row} holds each time: a count as a {@code long} per key, sum, min, max and mean in
   * {@link DecimalColumns}, a percentile's values in one log of (key slot, value) in the order they
   * came, handed to their keys' accumulators when drained; {@code countDistinct}'s sets stay
   * objects (their new texts counted in its bytes). Full at {@code maxBytes} or 65,536 keys.
   */
  public KeyedAccumulators<Object[]> columns(Row row, long maxBytes) {
    return new Columns(row, maxBytes);
  }

  private final class Columns implements KeyedAccumulators<Object[]> {
    private static final int MAX_SLOTS = 1 << 16;
    private final Row row;
    private final long maxBytes;
    // per slot of this function: its DecimalColumns (sum, min, max, mean), its index among the
    // percentile slots, or its sets of distinct texts
    private final DecimalColumns[] stats;
    private final int[] quantileIndex;
    private final Object[][] distinct;
    private final int quantileSlots;
    private final int slotBytes; // of one key slot, about
    // per key slot: its records since the last drain
    private long[] rows = new long[64];
    private int slots;
    // the percentiles' log: the key slot of each record, and its value for each percentile slot
    private int[] logSlot;
    private final double[][] logValues;
    private int logSize;
    // the bytes the distinct texts added since the last drain hold, about
    private long distinctBytes;

    Columns(Row row, long maxBytes) {
      this.row = row;
      this.maxBytes = maxBytes;
      int n = kinds.length;
      stats = new DecimalColumns[n];
      quantileIndex = new int[n];
      distinct = new Object[n][];
      int q = 0;
      for (int s = 0; s < n; s++) {
        quantileIndex[s] = -1;
        switch (kinds[s]) {
          case COUNT:
            break;
          case COUNT_DISTINCT:
            distinct[s] = new Object[64];
            break;
          case P50:
          case P90:
          case P99:
            quantileIndex[s] = q++;
            break;
          default:
            stats[s] = new DecimalColumns(64);
        }
      }
      quantileSlots = q;
      int perSlot = 8;
      for (int s = 0; s < n; s++) {
        perSlot += stats[s] != null ? DecimalColumns.SLOT_BYTES : distinct[s] != null ? 64 : 0;
      }
      slotBytes = perSlot;
      logSlot = new int[q == 0 ? 0 : 1024];
      logValues = new double[q][1024];
    }

    @Override
    @SuppressWarnings("unchecked")
    public void add(int slot) {
      if (slot >= rows.length) {
        grow(slot + 1);
      }
      if (slot >= slots) {
        slots = slot + 1;
      }
      rows[slot]++;
      Row r = row;
      for (int s = 0; s < kinds.length; s++) {
        int in = inputOf[s];
        switch (kinds[s]) {
          case COUNT:
            break;
          case COUNT_DISTINCT:
            java.util.Set<String> set = (java.util.Set<String>) distinct[s][slot];
            if (set == null) {
              distinct[s][slot] = set = new java.util.HashSet<>();
            }
            if (set.add(r.text[in])) {
              // a set's entry and its text: what drains the columns before a key's sets outgrow
              // the memory the unit's spill would have bounded them to
              distinctBytes += 48 + 2L * r.text[in].length();
            }
            break;
          case P50:
          case P90:
          case P99:
            logValues[quantileIndex[s]][logSize] = r.doubleAt(in);
            break;
          default:
            BigDecimal big = r.big[in];
            if (big == null) {
              stats[s].add(slot, r.unscaled[in], r.scale[in]);
            } else {
              stats[s].add(slot, big);
            }
        }
      }
      if (quantileSlots > 0) {
        logSlot[logSize++] = slot;
        if (logSize == logSlot.length) {
          int n = logSize * 2;
          logSlot = Arrays.copyOf(logSlot, n);
          for (int q = 0; q < quantileSlots; q++) {
            logValues[q] = Arrays.copyOf(logValues[q], n);
          }
        }
      }
    }

    private void grow(int atLeast) {
      int n = Math.max(atLeast, rows.length * 2);
      rows = Arrays.copyOf(rows, n);
      for (int s = 0; s < kinds.length; s++) {
        if (stats[s] != null) {
          stats[s].ensure(n);
        }
        if (distinct[s] != null) {
          distinct[s] = Arrays.copyOf(distinct[s], n);
        }
      }
    }

    @Override
    public boolean full() {
      return slots >= MAX_SLOTS || bytes() >= maxBytes;
    }

    @Override
    public long bytes() {
      // what the slots and the log in use hold (their arrays are kept from drain to drain)
      return (long) slots * slotBytes + 4L * logSize * (1 + 2 * quantileSlots) + distinctBytes;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void drainInto(List<Object[]> accs, int given) {
      int keys = Math.min(given, slots); // the slots past those added hold nothing
      // each key's values of each percentile slot, in the order the log has them
      double[][][] values = new double[quantileSlots][][];
      if (quantileSlots > 0) {
        int[] at = new int[keys];
        for (int q = 0; q < quantileSlots; q++) {
          double[][] v = new double[keys][];
          for (int k = 0; k < keys; k++) {
            v[k] = new double[(int) rows[k]]; // at most the log's size
          }
          Arrays.fill(at, 0);
          double[] log = logValues[q];
          for (int i = 0; i < logSize; i++) {
            int k = logSlot[i];
            v[k][at[k]++] = log[i];
          }
          values[q] = v;
        }
      }
      for (int k = 0; k < keys; k++) {
        if (rows[k] == 0) {
          continue;
        }
        Object[] acc = accs.get(k) == null ? createAccumulator() : accs.get(k);
        for (int s = 0; s < acc.length; s++) {
          switch (kinds[s]) {
            case COUNT:
              ((long[]) acc[s])[0] += rows[k];
              break;
            case COUNT_DISTINCT:
              ((java.util.Set<String>) acc[s]).addAll((java.util.Set<String>) distinct[s][k]);
              break;
            case P50:
            case P90:
            case P99:
              acc[s] =
                  quantileFns[s].addValues(
                      (QuantilesFn.Acc) acc[s], values[quantileIndex[s]][k], (int) rows[k]);
              break;
            default:
              acc[s] = stats[s].into(k, (DecimalStats) acc[s]);
          }
        }
        accs.set(k, acc);
      }
      Arrays.fill(rows, 0, slots, 0);
      for (int s = 0; s < kinds.length; s++) {
        if (stats[s] != null) {
          stats[s].clear(slots);
        }
        if (distinct[s] != null) {
          Arrays.fill(distinct[s], 0, slots, null);
        }
      }
      slots = 0;
      logSize = 0;
      distinctBytes = 0;
    }
  }

  /**
   * One record's values, one per aggregation as {@link #aggregations} lists them, for {@link
   * #addRow}: a number as unscaled and scale ({@code big} null) or as a BigDecimal, a text for
   * {@code countDistinct}, nothing for {@code count}. Reused from record to record.
   */
  public static final class Row {
    final long[] unscaled;
    final int[] scale;
    final BigDecimal[] big;
    final String[] text;

    public Row(int aggregations) {
      unscaled = new long[aggregations];
      scale = new int[aggregations];
      big = new BigDecimal[aggregations];
      text = new String[aggregations];
    }

    public void number(int i, long unscaledValue, int scaleOfIt) {
      unscaled[i] = unscaledValue;
      scale[i] = scaleOfIt;
      big[i] = null;
    }

    public void number(int i, BigDecimal v) {
      big[i] = v;
    }

    public void text(int i, String t) {
      text[i] = t;
    }

    /** Aggregation {@code from}'s value, for aggregation {@code i} that reads it the same way. */
    public void copy(int from, int i) {
      unscaled[i] = unscaled[from];
      scale[i] = scale[from];
      big[i] = big[from];
      text[i] = text[from];
    }

    /** {@code BigDecimal.valueOf(unscaled, scale).doubleValue()}, without the BigDecimal. */
    double doubleAt(int i) {
      return big[i] != null ? big[i].doubleValue() : Decimals.toDouble(unscaled[i], scale[i]);
    }
  }

  @Override
  public Object[] mergeAccumulators(Iterable<Object[]> accumulators) {
    List<List<Object>> each = new ArrayList<>();
    for (int s = 0; s < fns.size(); s++) {
      each.add(new ArrayList<>());
    }
    for (Object[] a : accumulators) {
      for (int s = 0; s < a.length; s++) {
        each.get(s).add(a[s]);
      }
    }
    Object[] merged = new Object[fns.size()];
    for (int s = 0; s < merged.length; s++) {
      merged[s] = fns.get(s).mergeAccumulators(each.get(s));
    }
    return merged;
  }

  /** One output per slot; {@link #format} prints aggregation i from them. */
  @Override
  public Object[] extractOutput(Object[] acc) {
    Object[] out = new Object[acc.length];
    for (int s = 0; s < acc.length; s++) {
      out[s] =
          quantileFns[s] != null
              ? quantileFns[s].extractOutput((QuantilesFn.Acc) acc[s], wantedQuantiles[s])
              : fns.get(s).extractOutput(acc[s]);
    }
    return out;
  }

  /**
   * The printed form of aggregation {@code i} from {@code outputs}, what {@link #extractOutput}
   * returned.
   */
  @SuppressWarnings("unchecked")
  public String format(int i, Object[] outputs) {
    Aggregation a = aggregations.get(i);
    Object result = outputs[slotOf[i]];
    switch (a.kind()) {
      case COUNT:
      case COUNT_DISTINCT:
        return Long.toString((Long) result);
      case SUM:
        return ((DecimalStats) result).sumText();
      case MIN:
        return ((DecimalStats) result).minText();
      case MAX:
        return ((DecimalStats) result).maxText();
      case MEAN:
        return Decimals.format(((DecimalStats) result).mean());
      default:
        // the shortest decimal that reads back as the double: the input's own text for numbers of
        // up to 15 significant digits
        return Decimals.format(
            new BigDecimal(Double.toString(((List<Double>) result).get(a.kind().percentile()))));
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Coder<Object[]> getAccumulatorCoder(CoderRegistry registry, Coder<Object[]> inputCoder)
      throws CannotProvideCoderException {
    List<Coder<Object>> coders = new ArrayList<>();
    for (int s = 0; s < fns.size(); s++) {
      Aggregation.Kind k = slotKinds.get(s);
      Coder in =
          k == Aggregation.Kind.COUNT_DISTINCT
              ? StringUtf8Coder.of()
              : k == Aggregation.Kind.COUNT
                  ? VarLongCoder.of()
                  : quantiles(k) ? DoubleCoder.of() : BigDecimalCoder.of();
      coders.add(fns.get(s).getAccumulatorCoder(registry, in));
    }
    return new AggregationSlots.ArrayCoder(coders);
  }

  /**
   * The coder of this function's input: one value per aggregation, nothing for {@code count}, the
   * text for {@code countDistinct}, the exact number for the others.
   */
  public Coder<Object[]> inputCoder() {
    List<Coder<Object>> coders = new ArrayList<>();
    for (Aggregation a : aggregations) {
      coders.add(valueCoder(a.kind()));
    }
    return new AggregationSlots.ArrayCoder(coders);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Coder<Object> valueCoder(Aggregation.Kind k) {
    Coder c =
        k == Aggregation.Kind.COUNT
            ? NullableCoder.of(VarLongCoder.of())
            : k == Aggregation.Kind.COUNT_DISTINCT ? StringUtf8Coder.of() : BigDecimalCoder.of();
    return c;
  }
}
