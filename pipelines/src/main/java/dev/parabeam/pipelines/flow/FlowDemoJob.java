package dev.parabeam.pipelines.flow;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.JobOutputs;
import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.aggregate.AggregateOptions;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.KeyAndValue;
import dev.parabeam.transforms.stats.StatsFns;
import dev.parabeam.transforms.stats.StatsTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * {@code flow-demo}: the classic flow, each step named as in it:
 *
 * <pre>
 *                    ┌─► ProcessChunk1 ─┐
 * DataPreparation ───┼─► ProcessChunk2 ─┼─► AggregateResults ─► WriteOutputs
 *                    ├─► ProcessChunk3 ─┤
 *                    └─► ProcessChunk4 ─┘
 * </pre>
 *
 * DataPreparation cuts the input into 4 byte ranges of about equal size, cut on record boundaries
 * by the launcher before the pipeline (so each branch reads its own ranges with nothing from the
 * others), and hands one to each branch; each ProcessChunkN is a separate branch of the graph that
 * parses its records (dead letters for bad ones) and computes count, sum, min, max and mean per key
 * of its part; AggregateResults gathers the four partial results, which WriteOutputs merges per key
 * into {@code results.csv} (the same bytes as {@code aggregate} on the same input).
 */
public final class FlowDemoJob implements ChunkedJob<AggregateOptions> {
  public static final FlowDemoJob INSTANCE = new FlowDemoJob();
  static final int BRANCHES = 4;
  static final String DEFAULT_INPUT = "testdata/sample/sales.csv";

  @Override
  public String name() {
    return "flow-demo";
  }

  @Override
  public String summary() {
    return "the flow DataPreparation -> ProcessChunk1..4 (parallel branches) -> AggregateResults";
  }

  @Override
  public Class<AggregateOptions> optionsClass() {
    return AggregateOptions.class;
  }

  @Override
  public String usage() {
    return "flow-demo --output=<dir> [--input=<file or glob> --keyColumn=<name>"
        + " --valueColumn=<name>] [--work=cpu|io --workMicros=N]";
  }

  /** The bundled sample, by region: with {@code --output} alone it runs on that. */
  @Override
  public Map<String, String> defaults() {
    return Map.of(
        "input", DEFAULT_INPUT,
        "keyColumn", "region",
        "valueColumn", "amount");
  }

  @Override
  public void validate(AggregateOptions o) {
    AggregateJob.work(o);
    // every branch reads its ranges alone: the record boundaries are found before the pipeline
    o.setLauncherScanMaxBytes(Long.MAX_VALUE);
  }

  @Override
  public int splitInto(AggregateOptions o) {
    return BRANCHES;
  }

  @Override
  public List<String> requiredColumns(AggregateOptions o) {
    return List.of(o.getKeyColumn(), o.getValueColumn());
  }

  @Override
  public JobOutputs<String, DecimalStats, DecimalStats> build(
      Pipeline p, AggregateOptions o, JobInput input) {
    StatsFns.OfValues stats = new StatsFns.OfValues();
    PCollectionList<CsvChunk> parts = p.apply("DataPreparation", new DataPreparation(input));
    List<PCollection<ChunkResult<String, DecimalStats>>> partials = new ArrayList<>();
    for (int i = 0; i < BRANCHES; i++) {
      partials.add(
          input.read(
              parts.get(i),
              "ProcessChunk" + (i + 1),
              ChunkedCsv.of(
                  new KeyAndValue(o.getKeyColumn(), o.getValueColumn(), AggregateJob.work(o)),
                  StringUtf8Coder.of(),
                  BigDecimalCoder.of(),
                  stats)));
    }
    PCollection<ChunkResult<String, DecimalStats>> all =
        PCollectionList.of(partials).apply("AggregateResults", Flatten.pCollections());
    return new JobOutputs<>(all, stats, new StatsTable());
  }

  /** The input's units of work, in order, dealt into {@link #BRANCHES} contiguous parts. */
  static final class DataPreparation extends PTransform<PBegin, PCollectionList<CsvChunk>> {
    private static final long serialVersionUID = 1L;
    private final List<CsvChunk> chunks;

    DataPreparation(JobInput input) {
      if (!input.located() && !input.chunks().isEmpty()) {
        throw new IllegalStateException("flow-demo needs chunks located before the pipeline");
      }
      this.chunks = input.chunks();
    }

    @Override
    public PCollectionList<CsvChunk> expand(PBegin begin) {
      int units = chunks.isEmpty() ? 1 : chunks.get(chunks.size() - 1).unit() + 1;
      return begin
          .apply("Chunks", Create.of(chunks).withCoder(CsvChunk.Coder.of()))
          .apply(
              "SplitIntoFour",
              Partition.of(BRANCHES, (CsvChunk c, int n) -> branchOf(c.unit(), units)));
    }
  }

  /** The branch of unit {@code unit} of {@code units}: contiguous runs of units per branch. */
  static int branchOf(int unit, int units) {
    return (int) ((long) unit * BRANCHES / units);
  }
}
