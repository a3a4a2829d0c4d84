package dev.parabeam.pipelines.baseline;

import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;

/**
 * The plain-Java baseline of the {@code aggregate} job: commons-csv and a HashMap, on one thread or
 * on N threads over N byte ranges cut on record boundaries (found by the same CSV automaton the job
 * uses; {@link PlainJavaCsv}). It is what a competent programmer would write without a framework,
 * and the yardstick the job's speed is judged against. It handles well-formed input; bad records
 * are counted, not written out.
 */
public final class PlainJavaAggregate {
  private PlainJavaAggregate() {}

  /** What a run found. */
  public static final class Outcome extends PlainJavaCsv.Computed<String, DecimalStats> {
    Outcome(Map<String, DecimalStats> results, long ok, long bad) {
      super(results, ok, bad);
    }

    @Override
    void write(Writer w) throws IOException {
      StatsCsv.write(results, w);
    }
  }

  public static Outcome run(Path input, String keyColumn, String valueColumn, int threads)
      throws Exception {
    return run(List.of(input), keyColumn, valueColumn, threads, SimulatedWork.none());
  }

  public static Outcome run(List<Path> input, String keyColumn, String valueColumn, int threads)
      throws Exception {
    return run(input, keyColumn, valueColumn, threads, SimulatedWork.none());
  }

  public static Outcome run(
      Path input, String keyColumn, String valueColumn, int threads, SimulatedWork work)
      throws Exception {
    return run(List.of(input), keyColumn, valueColumn, threads, work);
  }

  /**
   * Like the job, with {@code work} done for every good record (after its value parsed, before it
   * is added), the same kind and µs as the job's {@code --work}.
   */
  public static Outcome run(
      List<Path> input, String keyColumn, String valueColumn, int threads, SimulatedWork work)
      throws Exception {
    return run(input, keyColumn, valueColumn, threads, work, PlainJavaCsv.Reading.DEFAULT);
  }

  public static Outcome run(
      List<Path> input,
      String keyColumn,
      String valueColumn,
      int threads,
      SimulatedWork work,
      PlainJavaCsv.Reading reading)
      throws Exception {
    work.prepare();
    Map<String, DecimalStats> merged = new HashMap<>();
    long ok = 0;
    long bad = 0;
    for (PlainJavaCsv.Parsed<Part> p :
        PlainJavaCsv.parse(
            input,
            List.of(keyColumn, valueColumn),
            threads,
            at -> new Part(at[0], at[1], work),
            reading)) {
      p.part.map.forEach((key, st) -> merged.merge(key, st, DecimalStats::merge));
      ok += p.ok;
      bad += p.bad;
    }
    return new Outcome(merged, ok, bad);
  }

  /** One range's statistics per key. */
  private static final class Part implements PlainJavaCsv.Part {
    final Map<String, DecimalStats> map = new HashMap<>();
    private final int k;
    private final int v;
    private final SimulatedWork work;

    Part(int k, int v, SimulatedWork work) {
      this.k = k;
      this.v = v;
      this.work = work;
    }

    @Override
    public boolean add(CSVRecord rec) {
      BigDecimal value = Decimals.parseOrNull(rec.get(v));
      if (value == null) {
        return false;
      }
      String key = rec.get(k);
      work.run(key);
      map.computeIfAbsent(key, x -> new DecimalStats()).add(value);
      return true;
    }
  }
}
