package dev.parabeam.pipelines.aggregate;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.JobOutputs;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.KeyAndValue;
import dev.parabeam.transforms.stats.StatsFns;
import dev.parabeam.transforms.stats.StatsTable;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code aggregate} job: count, exact sum, min, max and mean of a value column per key of a CSV
 * dataset, with dead letters for bad records.
 *
 * <pre>
 * PlanChunks ─► ReadChunks (ChunkedCsv: scan, locate, parse, key and value per record,
 *                           statistics per key inside each chunk) ─► WriteOutputs (the launcher's)
 * </pre>
 */
public final class AggregateJob implements ChunkedJob<AggregateOptions> {
  public static final AggregateJob INSTANCE = new AggregateJob();

  private AggregateJob() {}

  /**
   * Runs the job for command-line {@code args} with the shared {@link Launcher}; returns the exit
   * code.
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return Launcher.run(INSTANCE, args, out, err);
  }

  @Override
  public String name() {
    return "aggregate";
  }

  @Override
  public String summary() {
    return "count, sum, min, max, mean of a value column per key of CSV files";
  }

  @Override
  public String usage() {
    return "aggregate --input=<file or glob> --keyColumn=<name> --valueColumn=<name> --output=<dir>";
  }

  @Override
  public Class<AggregateOptions> optionsClass() {
    return AggregateOptions.class;
  }

  @Override
  public void validate(AggregateOptions o) {
    work(o);
  }

  @Override
  public List<String> requiredColumns(AggregateOptions o) {
    return List.of(o.getKeyColumn(), o.getValueColumn());
  }

  @Override
  public Map<String, Object> summaryFields(AggregateOptions o) {
    return Map.of("work", work(o).toString());
  }

  @Override
  public JobOutputs<String, DecimalStats, DecimalStats> build(
      Pipeline p, AggregateOptions o, JobInput input) {
    StatsFns.OfValues stats = new StatsFns.OfValues();
    PCollection<ChunkResult<String, DecimalStats>> results =
        input.read(
            p,
            "ReadChunks",
            ChunkedCsv.of(
                new KeyAndValue(o.getKeyColumn(), o.getValueColumn(), work(o)),
                StringUtf8Coder.of(),
                BigDecimalCoder.of(),
                stats));
    return new JobOutputs<>(results, stats, new StatsTable());
  }

  /** The simulated per-record work of {@code --work} and {@code --workMicros}. */
  public static SimulatedWork work(AggregateOptions o) {
    try {
      return new SimulatedWork(SimulatedWork.Kind.parse(o.getWork()), o.getWorkMicros());
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          e.getMessage().replace("work must", "--work must").replace("workMicros", "--workMicros"));
    }
  }
}
