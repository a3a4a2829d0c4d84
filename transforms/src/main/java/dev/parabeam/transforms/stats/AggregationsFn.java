package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.util.ArrayList;
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
    for (int s = 0; s < fns.size(); s++) {
      if ((Object) fns.get(s) instanceof QuantilesFn q) {
        quantileFns[s] = q;
      }
    }
  }

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
      out[s] = fns.get(s).extractOutput(acc[s]);
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
