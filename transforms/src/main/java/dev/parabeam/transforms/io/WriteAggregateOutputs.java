package dev.parabeam.transforms.io;

import dev.parabeam.transforms.ChunkReport;
import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.stats.DecimalStats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The fan-in at the end of the aggregate job: once every chunk is done, one worker writes
 * {@code results.csv} (sorted by key bytes), {@code dead-letters.csv} (the per-chunk dead-letter
 * files joined in input order: by file, then line) and {@code counts.properties} (records_read,
 * records_ok, dead_letters, keys, chunks) into a directory.
 *
 * <p>Input: a tuple with {@link #RESULTS} (final statistics per key) and {@link #REPORTS} (one
 * {@link ChunkReport} per chunk, never empty, so the write always happens, even with no good
 * record at all).
 */
public final class WriteAggregateOutputs extends PTransform<PCollectionTuple, PCollection<Void>> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<KV<String, DecimalStats>> RESULTS = new TupleTag<>("results") {};
  public static final TupleTag<ChunkReport> REPORTS = new TupleTag<>("reports") {};

  public static final String RESULTS_FILE = "results.csv";
  public static final String DEAD_LETTERS_FILE = "dead-letters.csv";
  public static final String COUNTS_FILE = "counts.properties";

  private final String dir;

  private WriteAggregateOutputs(String dir) {
    this.dir = dir;
  }

  public static WriteAggregateOutputs to(String dir) {
    return new WriteAggregateOutputs(dir);
  }

  @Override
  public PCollection<Void> expand(PCollectionTuple in) {
    TupleTag<KV<String, DecimalStats>> r = new TupleTag<>();
    TupleTag<ChunkReport> c = new TupleTag<>();
    PCollection<KV<Integer, KV<String, DecimalStats>>> results =
        in.get(RESULTS).apply("KeyResults", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), in.get(RESULTS).getCoder()));
    PCollection<KV<Integer, ChunkReport>> reports =
        in.get(REPORTS).apply("KeyReports", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), ChunkReport.Coder.of()));
    return KeyedPCollectionTuple.of(r, results)
        .and(c, reports)
        .apply("GatherAll", CoGroupByKey.create())
        .apply("WriteFiles", ParDo.of(new WriteFn(dir, r, c)));
  }

  static final class WriteFn extends DoFn<KV<Integer, CoGbkResult>, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final TupleTag<KV<String, DecimalStats>> resultsTag;
    private final TupleTag<ChunkReport> reportsTag;

    WriteFn(String dir, TupleTag<KV<String, DecimalStats>> resultsTag, TupleTag<ChunkReport> reportsTag) {
      this.dir = dir;
      this.resultsTag = resultsTag;
      this.reportsTag = reportsTag;
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> all) throws IOException {
      List<KV<String, DecimalStats>> results = new ArrayList<>();
      all.getValue().getAll(resultsTag).forEach(results::add);
      List<ChunkReport> reports = new ArrayList<>();
      all.getValue().getAll(reportsTag).forEach(reports::add);
      reports.sort(ChunkReport.INPUT_ORDER);

      try (Writer w = writer(RESULTS_FILE)) {
        StatsCsv.write(results, w);
      }
      long read = 0;
      long ok = 0;
      long dead = 0;
      ResourceId deadLetters = resource(DEAD_LETTERS_FILE);
      try (OutputStream out = Channels.newOutputStream(FileSystems.create(deadLetters, "text/csv"))) {
        out.write((DeadLetter.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
        for (ChunkReport rep : reports) {
          read += rep.read();
          ok += rep.ok();
          dead += rep.dead();
          if (!rep.deadLetterFile().isEmpty()) {
            try (InputStream part =
                Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(rep.deadLetterFile(), false)))) {
              part.transferTo(out);
            }
          }
        }
      }
      Map<String, Long> counts = new TreeMap<>();
      counts.put("records_read", read);
      counts.put("records_ok", ok);
      counts.put("dead_letters", dead);
      counts.put("keys", (long) results.size());
      counts.put("chunks", (long) reports.size());
      try (Writer w = writer(COUNTS_FILE)) {
        for (Map.Entry<String, Long> e : counts.entrySet()) {
          w.write(e.getKey() + "=" + e.getValue() + "\n");
        }
      }
    }

    private ResourceId resource(String name) {
      return FileSystems.matchNewResource(dir, true)
          .resolve(name, org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    }

    private Writer writer(String name) throws IOException {
      return new BufferedWriter(
          new OutputStreamWriter(Channels.newOutputStream(FileSystems.create(resource(name), "text/plain")),
              StandardCharsets.UTF_8),
          1 << 16);
    }
  }
}
