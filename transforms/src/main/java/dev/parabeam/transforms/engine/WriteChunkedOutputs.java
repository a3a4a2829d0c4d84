package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.csv.CsvText;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
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
 * The fan-in at the end of a chunked job: once every chunk is done, one worker merges the chunks'
 * accumulators per key with the job's {@code CombineFn} and writes into a directory {@code
 * results.csv} (rows from a {@link ResultTable}, in its order), {@code dead-letters.csv} (the
 * per-chunk dead-letter files joined in input order: by file, then line) and {@code
 * counts.properties} (records_read, records_ok, dead_letters, dead_letter_bytes,
 * unterminated_quotes, keys, chunks, units). Its memory holds one accumulator per key; the runner
 * moves one element per unit of work.
 *
 * <p>The files are written even when no result arrives at all (every input file is a header and
 * nothing else, so no chunk was planned): a GroupByKey over nothing emits no group, so the results
 * are gathered with a CoGroupByKey that also holds one element of its own ({@code
 * EvenWithoutResults}) and always yields the one group.
 */
public final class WriteChunkedOutputs<K, A, R>
    extends PTransform<PCollection<ChunkResult<K, A>>, PCollection<Void>> {
  private static final long serialVersionUID = 1L;

  public static final String RESULTS_FILE = "results.csv";
  public static final String DEAD_LETTERS_FILE = "dead-letters.csv";
  public static final String COUNTS_FILE = "counts.properties";

  private final String dir;
  private final CombineFn<?, A, R> combineFn;
  private final ResultTable<K, R> table;

  private WriteChunkedOutputs(String dir, CombineFn<?, A, R> combineFn, ResultTable<K, R> table) {
    this.dir = dir;
    this.combineFn = combineFn;
    this.table = table;
  }

  /**
   * Merges with {@code combineFn} and writes {@code table} and the other files into {@code dir}.
   */
  public static <K, A, R> WriteChunkedOutputs<K, A, R> to(
      String dir, CombineFn<?, A, R> combineFn, ResultTable<K, R> table) {
    if (dir == null || dir.isEmpty() || combineFn == null || table == null) {
      throw new IllegalArgumentException("dir, combineFn and table are required");
    }
    return new WriteChunkedOutputs<>(dir, combineFn, table);
  }

  private final TupleTag<ChunkResult<K, A>> resultsTag = new TupleTag<>("results");
  private static final TupleTag<Integer> ALWAYS = new TupleTag<>("always");

  @Override
  public PCollection<Void> expand(PCollection<ChunkResult<K, A>> results) {
    PCollection<KV<Integer, ChunkResult<K, A>>> keyed =
        results
            .apply("OneGroup", WithKeys.of(0))
            .setCoder(KvCoder.of(VarIntCoder.of(), results.getCoder()));
    PCollection<KV<Integer, Integer>> always =
        results
            .getPipeline()
            .apply(
                "EvenWithoutResults",
                Create.of(KV.of(0, 0)).withCoder(KvCoder.of(VarIntCoder.of(), VarIntCoder.of())));
    return KeyedPCollectionTuple.of(resultsTag, keyed)
        .and(ALWAYS, always)
        .apply("GatherResults", CoGroupByKey.create())
        .apply("MergeAndWrite", ParDo.of(new WriteFn<>(dir, combineFn, table, resultsTag)));
  }

  static final class WriteFn<K, A, R> extends DoFn<KV<Integer, CoGbkResult>, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final CombineFn<?, A, R> combineFn;
    private final ResultTable<K, R> table;
    private final TupleTag<ChunkResult<K, A>> resultsTag;

    WriteFn(
        String dir,
        CombineFn<?, A, R> combineFn,
        ResultTable<K, R> table,
        TupleTag<ChunkResult<K, A>> tag) {
      this.dir = dir;
      this.combineFn = combineFn;
      this.table = table;
      this.resultsTag = tag;
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> all) throws IOException {
      // Merged in input order, not in the order the runner delivers the chunks: a CombineFn whose
      // merge depends on order (an approximate quantile sketch) then gives the same result on
      // every run of the same chunks.
      List<ChunkResult<K, A>> chunks = new ArrayList<>();
      for (ChunkResult<K, A> r : all.getValue().getAll(resultsTag)) {
        chunks.add(r);
      }
      chunks.sort(ChunkResult.INPUT_ORDER);
      Map<K, A> merged = new HashMap<>();
      for (int i = 0; i < chunks.size(); i++) {
        for (Map.Entry<K, A> e : chunks.get(i).partials().entrySet()) {
          merged.merge(
              e.getKey(), e.getValue(), (x, y) -> combineFn.mergeAccumulators(List.of(x, y)));
        }
        chunks.set(
            i,
            chunks.get(i).withoutPartials()); // keep the counts and file names, drop what is merged
      }

      List<K> keys = new ArrayList<>(merged.keySet());
      keys.sort(table.order());
      try (Writer w = writer(RESULTS_FILE)) {
        w.write(CsvText.row(table.header()));
        w.write('\n');
        for (K k : keys) {
          w.write(CsvText.row(table.row(k, combineFn.extractOutput(merged.get(k)))));
          w.write('\n');
        }
      }
      long read = 0;
      long ok = 0;
      long dead = 0;
      long deadBytes = 0;
      long unterminated = 0;
      try (OutputStream out =
          Channels.newOutputStream(FileSystems.create(resource(DEAD_LETTERS_FILE), "text/csv"))) {
        out.write((DeadLetter.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
        for (ChunkResult<K, A> c : chunks) {
          read += c.read();
          ok += c.ok();
          dead += c.dead();
          deadBytes += c.deadBytes();
          unterminated += c.unterminated();
          if (!c.deadLetterFile().isEmpty()) {
            try (InputStream part =
                Channels.newInputStream(
                    FileSystems.open(FileSystems.matchNewResource(c.deadLetterFile(), false)))) {
              part.transferTo(out);
            }
          }
        }
      }
      Map<String, Long> counts = new TreeMap<>();
      counts.put(ChunkedCsv.RECORDS_READ, read);
      counts.put(ChunkedCsv.RECORDS_OK, ok);
      counts.put(ChunkedCsv.DEAD_LETTER_COUNT, dead);
      counts.put("dead_letter_bytes", deadBytes);
      counts.put("unterminated_quotes", unterminated);
      counts.put("keys", (long) merged.size());
      counts.put(
          "units",
          chunks.stream().filter(c -> c.chunks() > 0).count()); // more results carry its other keys
      counts.put("chunks", chunks.stream().mapToLong(ChunkResult::chunks).sum());
      try (Writer w = writer(COUNTS_FILE)) {
        for (Map.Entry<String, Long> e : counts.entrySet()) {
          w.write(e.getKey() + "=" + e.getValue() + "\n");
        }
      }
    }

    private ResourceId resource(String name) {
      return FileSystems.matchNewResource(dir, true)
          .resolve(name, StandardResolveOptions.RESOLVE_FILE);
    }

    private Writer writer(String name) throws IOException {
      return new BufferedWriter(
          new OutputStreamWriter(
              Channels.newOutputStream(FileSystems.create(resource(name), "text/plain")),
              StandardCharsets.UTF_8),
          1 << 16);
    }
  }
}
