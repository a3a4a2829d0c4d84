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
import java.util.HashMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The fan-in at the end of the aggregate job: once every chunk is done, one worker merges the
 * per-chunk statistics and writes {@code results.csv} (sorted by key bytes), {@code
 * dead-letters.csv} (the per-chunk dead-letter files joined in input order: by file, then line)
 * and {@code counts.properties} (records_read, records_ok, dead_letters, keys, chunks) into a
 * directory. Its memory holds one entry per key; the runner moves one element per chunk.
 *
 * <p>The files are written even when no report arrives at all (every input file is a header and
 * nothing else, so no chunk was planned): a GroupByKey over nothing emits no group, so the
 * reports are gathered with a CoGroupByKey that also holds one element of its own ({@code
 * EvenWithoutReports}) and always yields the one group.
 */
public final class WriteAggregateOutputs extends PTransform<PCollection<ChunkReport>, PCollection<Void>> {
  private static final long serialVersionUID = 1L;

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

  static final TupleTag<ChunkReport> REPORTS = new TupleTag<>("reports");
  static final TupleTag<Integer> ALWAYS = new TupleTag<>("always");

  @Override
  public PCollection<Void> expand(PCollection<ChunkReport> reports) {
    PCollection<KV<Integer, ChunkReport>> keyed =
        reports
            .apply("OneGroup", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), ChunkReport.Coder.of()));
    PCollection<KV<Integer, Integer>> always =
        reports.getPipeline()
            .apply("EvenWithoutReports", Create.of(KV.of(0, 0)).withCoder(KvCoder.of(VarIntCoder.of(), VarIntCoder.of())));
    return KeyedPCollectionTuple.of(REPORTS, keyed)
        .and(ALWAYS, always)
        .apply("GatherReports", CoGroupByKey.create())
        .apply("MergeAndWrite", ParDo.of(new WriteFn(dir)));
  }

  static final class WriteFn extends DoFn<KV<Integer, CoGbkResult>, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;

    WriteFn(String dir) {
      this.dir = dir;
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> all) throws IOException {
      Map<String, DecimalStats> merged = new HashMap<>();
      List<ChunkReport> reports = new ArrayList<>();
      for (ChunkReport r : all.getValue().getAll(REPORTS)) {
        for (Map.Entry<String, DecimalStats> e : r.partials().entrySet()) {
          merged.computeIfAbsent(e.getKey(), k -> new DecimalStats()).merge(e.getValue());
        }
        // keep the counts and file names, drop the partials already merged
        reports.add(new ChunkReport(r.file(), r.chunkIndex(), r.read(), r.ok(), r.dead(), r.deadBytes(), r.unterminated(),
            r.deadLetterFile(), Map.of()));
      }
      reports.sort(ChunkReport.INPUT_ORDER);

      try (Writer w = writer(RESULTS_FILE)) {
        StatsCsv.write(merged, w);
      }
      long read = 0;
      long ok = 0;
      long dead = 0;
      long deadBytes = 0;
      long unterminated = 0;
      ResourceId deadLetters = resource(DEAD_LETTERS_FILE);
      try (OutputStream out = Channels.newOutputStream(FileSystems.create(deadLetters, "text/csv"))) {
        out.write((DeadLetter.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
        for (ChunkReport rep : reports) {
          read += rep.read();
          ok += rep.ok();
          dead += rep.dead();
          deadBytes += rep.deadBytes();
          unterminated += rep.unterminated();
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
      counts.put("dead_letter_bytes", deadBytes);
      counts.put("unterminated_quotes", unterminated);
      counts.put("keys", (long) merged.size());
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
