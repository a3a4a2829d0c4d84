package dev.parabeam.pipelines.baseline;

import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.engine.Utf8Order;
import dev.parabeam.transforms.stats.Aggregation;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;

/**
 * The plain-Java baseline of the {@code groupby} job: what a competent programmer writes without a
 * framework. N threads over N byte ranges cut on record boundaries ({@link PlainJavaCsv}),
 * commons-csv per range, a HashMap per thread keyed by the tuple of key fields, the maps merged at
 * the end; rows and numbers written exactly as the job writes {@code results.csv}.
 *
 * <p>Every figure is exact: count, and per numeric column one exact {@link DecimalStats} (sum, min,
 * max, mean HALF_EVEN to 6 places, shared by the aggregations of that column) and, when a
 * percentile is asked for, the list of the column's values, sorted once at the end. {@code pN} is
 * the nearest-rank percentile, the value at 1-based rank {@code ceil(N/100 * n)} of the key's n
 * values, which is what the job's {@code ApproximateQuantilesCombineFn} returns while it is exact
 * (a few thousand values per key); beyond that the job's pN is approximate (rank within 1% of n)
 * and may differ from this one. {@code countDistinct} keeps a HashSet of the texts. As in the job,
 * a record whose value for any numeric aggregation is not a number is bad as a whole.
 *
 * <p>A little over 300 lines: the baseline's computation, its accumulators and its printing, kept
 * together as a hand-written program would be.
 */
public final class PlainJavaGroupBy {
  private PlainJavaGroupBy() {}

  /** What a run found: the results per key tuple, and the counts. */
  public static final class Outcome extends PlainJavaCsv.Computed<List<String>, Acc> {
    private final List<String> keyColumns;
    private final List<Aggregation> aggregations;

    Outcome(
        List<String> keyColumns,
        List<Aggregation> aggregations,
        Map<List<String>, Acc> results,
        long ok,
        long bad) {
      super(results, ok, bad);
      this.keyColumns = keyColumns;
      this.aggregations = aggregations;
    }

    @Override
    void write(Writer w) throws IOException {
      PlainJavaGroupBy.write(keyColumns, aggregations, results, w);
    }
  }

  /** Groups {@code input} by {@code keyColumns} on {@code threads} threads. */
  public static Outcome run(
      Path input, List<String> keyColumns, List<Aggregation> aggregations, int threads)
      throws Exception {
    return run(List.of(input), keyColumns, aggregations, threads);
  }

  /** Groups the files of {@code input} (columns found by name in each file's header). */
  public static Outcome run(
      List<Path> input, List<String> keyColumns, List<Aggregation> aggregations, int threads)
      throws Exception {
    return run(input, keyColumns, aggregations, threads, PlainJavaCsv.Reading.DEFAULT);
  }

  public static Outcome run(
      List<Path> input,
      List<String> keyColumns,
      List<Aggregation> aggregations,
      int threads,
      PlainJavaCsv.Reading reading)
      throws Exception {
    Plan plan = new Plan(aggregations);
    List<String> columns = new ArrayList<>(keyColumns);
    columns.addAll(plan.numericColumns);
    columns.addAll(plan.textColumns);
    int nk = keyColumns.size();
    int nn = plan.numericColumns.size();
    Map<List<String>, Acc> merged = new HashMap<>();
    long ok = 0;
    long bad = 0;
    for (PlainJavaCsv.Parsed<Part> p :
        PlainJavaCsv.parse(
            input,
            columns,
            threads,
            at ->
                new Part(
                    plan,
                    Arrays.copyOfRange(at, 0, nk),
                    Arrays.copyOfRange(at, nk, nk + nn),
                    Arrays.copyOfRange(at, nk + nn, at.length)),
            reading)) {
      p.part.map.forEach((key, acc) -> merged.merge(key, acc, Acc::merge));
      ok += p.ok;
      bad += p.bad;
    }
    return new Outcome(keyColumns, aggregations, merged, ok, bad);
  }

  /**
   * Writes {@code results.csv} as the job does: key columns, then one column per aggregation; rows
   * in UTF-8 byte order of the key fields.
   */
  static void write(
      List<String> keyColumns,
      List<Aggregation> aggregations,
      Map<List<String>, Acc> results,
      Writer w)
      throws IOException {
    Plan plan = new Plan(aggregations);
    List<String> header = new ArrayList<>(keyColumns);
    for (Aggregation a : aggregations) {
      header.add(a.toString());
    }
    w.write(CsvText.row(header));
    w.write('\n');
    List<List<String>> keys = new ArrayList<>(results.keySet());
    keys.sort(Utf8Order.LISTS);
    for (List<String> k : keys) {
      Acc acc = results.get(k);
      List<String> row = new ArrayList<>(k);
      for (int i = 0; i < aggregations.size(); i++) {
        row.add(plan.format(i, acc));
      }
      w.write(CsvText.row(row));
      w.write('\n');
    }
  }

  /** Which columns the aggregations read, and where each aggregation finds its figure. */
  static final class Plan {
    final List<Aggregation> aggregations;

    /** Columns that must hold numbers (sum, min, max, mean, percentiles), each once. */
    final List<String> numericColumns = new ArrayList<>();

    /** Per numeric column, whether a percentile of it is asked for (then its values are kept). */
    final List<Boolean> keepValues = new ArrayList<>();

    /** Columns of countDistinct, each once. */
    final List<String> textColumns = new ArrayList<>();

    /** Per aggregation, its index in numericColumns or textColumns (-1 for count). */
    final int[] slot;

    Plan(List<Aggregation> aggregations) {
      this.aggregations = List.copyOf(aggregations);
      slot = new int[aggregations.size()];
      for (int i = 0; i < slot.length; i++) {
        Aggregation a = aggregations.get(i);
        if (a.column() == null) {
          slot[i] = -1;
        } else if (a.numeric()) {
          int at = numericColumns.indexOf(a.column());
          if (at < 0) {
            at = numericColumns.size();
            numericColumns.add(a.column());
            keepValues.add(false);
          }
          if (a.kind().percentile() > 0) {
            keepValues.set(at, true);
          }
          slot[i] = at;
        } else {
          int at = textColumns.indexOf(a.column());
          if (at < 0) {
            at = textColumns.size();
            textColumns.add(a.column());
          }
          slot[i] = at;
        }
      }
    }

    /** The printed figure of aggregation {@code i}. */
    String format(int i, Acc acc) {
      Aggregation a = aggregations.get(i);
      switch (a.kind()) {
        case COUNT:
          return Long.toString(acc.count);
        case COUNT_DISTINCT:
          return Integer.toString(acc.distinct[slot[i]].size());
        case SUM:
          return Decimals.format(acc.stats[slot[i]].sum());
        case MIN:
          return Decimals.format(acc.stats[slot[i]].min());
        case MAX:
          return Decimals.format(acc.stats[slot[i]].max());
        case MEAN:
          return Decimals.format(acc.stats[slot[i]].mean());
        default:
          return Decimals.format(percentile(acc.sortedValues(slot[i]), a.kind().percentile()));
      }
    }
  }

  /**
   * The nearest-rank {@code p}-th percentile of {@code sorted} (ascending, not empty): the value at
   * 1-based rank {@code ceil(p * n / 100)}, at least rank 1.
   */
  static BigDecimal percentile(List<BigDecimal> sorted, int p) {
    long n = sorted.size();
    long rank = Math.max(1, (p * n + 99) / 100);
    return sorted.get((int) (rank - 1));
  }

  /** The figures of one key tuple. Mutable; {@link #merge} adds another's records to this one. */
  public static final class Acc {
    long count;
    final DecimalStats[] stats;
    final ArrayList<BigDecimal>[] values;
    final HashSet<String>[] distinct;
    private boolean sorted;

    @SuppressWarnings("unchecked")
    Acc(Plan plan) {
      stats = new DecimalStats[plan.numericColumns.size()];
      values = new ArrayList[stats.length];
      for (int c = 0; c < stats.length; c++) {
        stats[c] = new DecimalStats();
        values[c] = plan.keepValues.get(c) ? new ArrayList<>() : null;
      }
      distinct = new HashSet[plan.textColumns.size()];
      for (int c = 0; c < distinct.length; c++) {
        distinct[c] = new HashSet<>();
      }
    }

    Acc merge(Acc other) {
      count += other.count;
      for (int c = 0; c < stats.length; c++) {
        stats[c].merge(other.stats[c]);
        if (values[c] != null) {
          values[c].addAll(other.values[c]);
        }
      }
      for (int c = 0; c < distinct.length; c++) {
        distinct[c].addAll(other.distinct[c]);
      }
      sorted = false;
      return this;
    }

    List<BigDecimal> sortedValues(int c) {
      if (!sorted) {
        for (ArrayList<BigDecimal> v : values) {
          if (v != null) {
            v.sort(null);
          }
        }
        sorted = true;
      }
      return values[c];
    }
  }

  /** One range's figures per key tuple. */
  private static final class Part implements PlainJavaCsv.Part {
    final Map<List<String>, Acc> map = new HashMap<>();
    private final Plan plan;
    private final int[] keys;
    private final int[] numeric;
    private final int[] texts;
    private final BigDecimal[] parsed;

    Part(Plan plan, int[] keys, int[] numeric, int[] texts) {
      this.plan = plan;
      this.keys = keys;
      this.numeric = numeric;
      this.texts = texts;
      this.parsed = new BigDecimal[numeric.length];
    }

    @Override
    public boolean add(CSVRecord rec) {
      for (int c = 0; c < numeric.length; c++) {
        parsed[c] = Decimals.parseOrNull(rec.get(numeric[c]));
        if (parsed[c] == null) {
          return false;
        }
      }
      String[] key = new String[keys.length];
      for (int i = 0; i < key.length; i++) {
        key[i] = rec.get(keys[i]);
      }
      Acc acc = map.computeIfAbsent(Arrays.asList(key), x -> new Acc(plan));
      acc.count++;
      for (int c = 0; c < numeric.length; c++) {
        acc.stats[c].add(parsed[c]);
        if (acc.values[c] != null) {
          acc.values[c].add(parsed[c]);
        }
      }
      for (int c = 0; c < texts.length; c++) {
        acc.distinct[c].add(rec.get(texts[c]));
      }
      return true;
    }
  }
}
