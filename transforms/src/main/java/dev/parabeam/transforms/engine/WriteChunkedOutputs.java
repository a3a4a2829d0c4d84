package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.csv.CsvText;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The fan-in at the end of a chunked job: once every chunk is done, the chunks' accumulators are
 * merged per key with the job's {@code CombineFn} and written into a directory as {@code
 * results.csv} (rows from a {@link ResultTable}, in its order), {@code dead-letters.csv} (the
 * per-chunk dead-letter files joined in input order: by file, then line) and {@code
 * counts.properties} (records_read, records_ok, dead_letters, dead_letter_bytes,
 * unterminated_quotes, keys, chunks, units). Each file is written under a temporary name of the
 * attempt's own and renamed into place (counts last), so an attempt that dies leaves no short file
 * under a final name and two attempts never write into one file; {@code keys} is the number of rows
 * in {@code results.csv}, which a reader checks.
 *
 * <pre>
 * results ─► SplitByPartition ─┬─► GatherPartitions (GroupByKey over the partitions)
 *                              │     ─► MergePartitions (per partition: k-way merge of its runs
 *                              │        and in-memory partials ─► a sorted file of finished rows)
 *                              └─► the counts ─► GatherResults ─► WriteResults (k-way merge of the
 *                                                 partition files ─► results.csv; dead letters,
 *                                                 counts; removes the work directory's files)
 * </pre>
 *
 * <p>Keys are split into partitions by a hash of their encoded bytes ({@link
 * SortedRuns#partitionOf}): a unit's spilled runs are split so already ({@link RunSegment}), its
 * in-memory partials are split here. What crosses the runner per partition is one element per unit
 * that has keys in it (a reference to a run segment, or a slice of a unit's in-memory keys), never
 * one per key; the partitions merge in parallel, each holding one entry per segment, and the last
 * step streams the partitions' sorted files into one. Memory holds no more keys than the units sent
 * in memory.
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

  /**
   * One row per unit of work, in unit order: {@code unit,worker,start_epoch_ms,end_epoch_ms,
   * records,bytes} (a CSV with that header), from each unit's {@link UnitSpan}; the launcher turns
   * it into the run's timeline.
   */
  public static final String SPANS_FILE = "unit-spans.csv";

  /** Where the partitions' files go when no work directory is given, under the output directory. */
  public static final String DEFAULT_WORK_DIR = ".merge";

  private final String dir;
  private final CombineFn<?, A, R> combineFn;
  private final ResultTable<K, R> table;
  private final int partitions;
  private final String workDir;
  private final int[] shuffleKeys;

  private WriteChunkedOutputs(
      String dir,
      CombineFn<?, A, R> combineFn,
      ResultTable<K, R> table,
      int partitions,
      String workDir,
      int[] shuffleKeys) {
    this.dir = dir;
    this.combineFn = combineFn;
    this.table = table;
    this.partitions = partitions;
    this.workDir = workDir;
    this.shuffleKeys = shuffleKeys;
  }

  /** The partition numbers themselves: {@code 0..partitions-1}. */
  private static int[] identity(int partitions) {
    int[] keys = new int[partitions];
    for (int p = 0; p < partitions; p++) {
      keys[p] = p;
    }
    return keys;
  }

  static void checkShuffleKeys(int[] keys, int partitions) {
    if (keys.length != partitions || Arrays.stream(keys).distinct().count() != partitions) {
      throw new IllegalArgumentException(
          "one distinct shuffle key per partition expected, got "
              + Arrays.toString(keys)
              + " for "
              + partitions);
    }
  }

  /**
   * Merges with {@code combineFn} and writes {@code table} and the other files into {@code dir}, in
   * one partition.
   */
  public static <K, A, R> WriteChunkedOutputs<K, A, R> to(
      String dir, CombineFn<?, A, R> combineFn, ResultTable<K, R> table) {
    if (dir == null || dir.isEmpty() || combineFn == null || table == null) {
      throw new IllegalArgumentException("dir, combineFn and table are required");
    }
    return new WriteChunkedOutputs<>(
        dir, combineFn, table, 1, dir + "/" + DEFAULT_WORK_DIR, identity(1));
  }

  /**
   * Merges in {@code partitions} partitions (the number the units spilled with, {@link
   * SpillSettings#partitions()}), writing their files into {@code workDir}, which also holds the
   * units' run files: its files are removed once {@code results.csv} is written.
   */
  public WriteChunkedOutputs<K, A, R> withPartitions(int partitions, String workDir) {
    if (partitions < 1 || workDir == null || workDir.isEmpty()) {
      throw new IllegalArgumentException("partitions >= 1 and a work directory are required");
    }
    return new WriteChunkedOutputs<>(
        dir, combineFn, table, partitions, workDir, identity(partitions));
  }

  /**
   * Sends partition {@code p} to its merge under the shuffle key {@code keys[p]} (one distinct key
   * per partition) instead of {@code p}. On Flink, whose shuffle hashes a key's bytes to a subtask,
   * keys chosen to reach distinct subtasks spread the merges evenly over the workers; the partition
   * numbers themselves may put several partitions on one subtask and none on another.
   */
  public WriteChunkedOutputs<K, A, R> withShuffleKeys(int[] keys) {
    if (keys == null) {
      return this;
    }
    checkShuffleKeys(keys, partitions);
    return new WriteChunkedOutputs<>(dir, combineFn, table, partitions, workDir, keys.clone());
  }

  private final TupleTag<ChunkResult<K, A>> resultsTag = new TupleTag<>("results");
  private final TupleTag<KV<String, Long>> partitionsTag = new TupleTag<>("partitions");
  private final TupleTag<KV<Integer, ChunkResult<K, A>>> slicesTag = new TupleTag<>("slices") {};
  private final TupleTag<KV<Integer, ChunkResult<K, A>>> countsTag = new TupleTag<>("counts") {};
  private static final TupleTag<Integer> ALWAYS = new TupleTag<>("always");

  @Override
  public PCollection<Void> expand(PCollection<ChunkResult<K, A>> results) {
    if (!(results.getCoder() instanceof ChunkResult.ResultCoder)) {
      throw new IllegalArgumentException("the results need a ChunkResult.ResultCoder");
    }
    @SuppressWarnings("unchecked")
    ChunkResult.ResultCoder<K, A> coder = (ChunkResult.ResultCoder<K, A>) results.getCoder();
    KvCoder<Integer, ChunkResult<K, A>> keyed = KvCoder.of(VarIntCoder.of(), coder);
    PCollectionTuple split =
        results.apply(
            "SplitByPartition",
            ParDo.of(new SplitFn<>(shuffleKeys, coder.keyCoder(), slicesTag, countsTag))
                .withOutputTags(slicesTag, TupleTagList.of(countsTag)));
    PCollection<KV<Integer, KV<String, Long>>> merged =
        split
            .get(slicesTag)
            .setCoder(keyed)
            .apply("GatherPartitions", GroupByKey.create())
            .apply(
                "MergePartitions",
                ParDo.of(
                    new MergePartitionFn<>(
                        workDir,
                        shuffleKeys,
                        combineFn,
                        table,
                        coder.keyCoder(),
                        coder.accumulatorCoder())))
            .setCoder(
                KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    PCollection<KV<Integer, Integer>> always =
        results
            .getPipeline()
            .apply(
                "EvenWithoutResults",
                Create.of(KV.of(0, 0)).withCoder(KvCoder.of(VarIntCoder.of(), VarIntCoder.of())));
    return KeyedPCollectionTuple.of(resultsTag, split.get(countsTag).setCoder(keyed))
        .and(partitionsTag, merged)
        .and(ALWAYS, always)
        .apply("GatherResults", CoGroupByKey.create())
        .apply(
            "WriteResults",
            ParDo.of(
                new WriteFn<>(dir, workDir, table, coder.keyCoder(), resultsTag, partitionsTag)));
  }

  /**
   * Sends each unit's keys to their partitions (its run segments as they are, its in-memory
   * partials split by the hash of the encoded key) and its counts, without keys, to the last step.
   */
  static final class SplitFn<K, A> extends DoFn<ChunkResult<K, A>, KV<Integer, ChunkResult<K, A>>> {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int[] shuffleKeys;
    private final Coder<K> keyCoder;
    private final RunKeys<K> runKeys;
    private final TupleTag<KV<Integer, ChunkResult<K, A>>> slices;
    private final TupleTag<KV<Integer, ChunkResult<K, A>>> counts;
    private final StepElements elements = new StepElements();

    SplitFn(
        int[] shuffleKeys,
        Coder<K> keyCoder,
        TupleTag<KV<Integer, ChunkResult<K, A>>> slices,
        TupleTag<KV<Integer, ChunkResult<K, A>>> counts) {
      this.partitions = shuffleKeys.length;
      this.shuffleKeys = shuffleKeys;
      this.keyCoder = keyCoder;
      this.runKeys = RunKeys.of(keyCoder);
      this.slices = slices;
      this.counts = counts;
    }

    @ProcessElement
    public void process(@Element ChunkResult<K, A> r, MultiOutputReceiver out) throws IOException {
      elements.in(1);
      List<Map<K, A>> maps = new ArrayList<>();
      List<List<RunSegment>> runs = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        maps.add(new HashMap<>());
        runs.add(new ArrayList<>());
      }
      for (Map.Entry<K, A> e : r.partials().entrySet()) {
        int p =
            partitions == 1 ? 0 : SortedRuns.partitionOf(runKeys.encode(e.getKey()), partitions);
        maps.get(p).put(e.getKey(), e.getValue());
      }
      for (RunSegment g : r.runs()) {
        if (g.partitions() != partitions) {
          throw new IllegalStateException(
              "the units spilled into "
                  + g.partitions()
                  + " partitions, the merge expects "
                  + partitions);
        }
        runs.get(g.partition()).add(g);
      }
      for (int p = 0; p < partitions; p++) {
        if (!maps.get(p).isEmpty() || !runs.get(p).isEmpty()) {
          out.get(slices).output(KV.of(shuffleKeys[p], r.keysOnly(maps.get(p), runs.get(p))));
          elements.out(1);
        }
      }
      out.get(counts).output(KV.of(0, r.withoutPartials()));
      elements.out(1);
    }
  }

  static final class WriteFn<K, A, R> extends DoFn<KV<Integer, CoGbkResult>, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final String workDir;
    private final ResultTable<K, R> table;
    private final Coder<K> keyCoder;
    private final TupleTag<ChunkResult<K, A>> resultsTag;
    private final TupleTag<KV<String, Long>> partitionsTag;

    WriteFn(
        String dir,
        String workDir,
        ResultTable<K, R> table,
        Coder<K> keyCoder,
        TupleTag<ChunkResult<K, A>> tag,
        TupleTag<KV<String, Long>> partitionsTag) {
      this.dir = dir;
      this.workDir = workDir;
      this.table = table;
      this.keyCoder = keyCoder;
      this.resultsTag = tag;
      this.partitionsTag = partitionsTag;
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> all) throws IOException {
      List<ChunkResult<K, A>> chunks = new ArrayList<>();
      for (ChunkResult<K, A> r : all.getValue().getAll(resultsTag)) {
        chunks.add(r);
      }
      chunks.sort(ChunkResult.INPUT_ORDER);
      List<KV<String, Long>> parts = new ArrayList<>();
      all.getValue().getAll(partitionsTag).forEach(parts::add);
      parts.sort(Comparator.comparing(KV::getKey)); // the same merge whatever the arrival order
      long keyCount = 0;
      for (KV<String, Long> part : parts) {
        keyCount += part.getValue();
      }
      // every file under a name of this attempt's own, renamed into place at the end: a second
      // attempt (speculative, or a zombie after failover) never writes into a file another
      // wrote, and one that dies leaves no short file under a final name
      String attempt = ".tmp-" + UUID.randomUUID() + "-";
      ResourceId resultsTemp = resource(attempt + RESULTS_FILE);
      ResourceId deadTemp = resource(attempt + DEAD_LETTERS_FILE);
      ResourceId countsTemp = resource(attempt + COUNTS_FILE);
      ResourceId spansTemp = resource(attempt + SPANS_FILE);
      try (OutputStream out =
          new BufferedOutputStream(
              Channels.newOutputStream(FileSystems.create(resultsTemp, "text/csv")), 1 << 16)) {
        out.write((CsvText.row(table.header()) + "\n").getBytes(StandardCharsets.UTF_8));
        mergePartitions(parts, out);
      }
      long read = 0;
      long ok = 0;
      long dead = 0;
      long deadBytes = 0;
      long unterminated = 0;
      try (OutputStream out = Channels.newOutputStream(FileSystems.create(deadTemp, "text/csv"))) {
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
      counts.put("keys", keyCount);
      counts.put(
          "run_files",
          chunks.stream().flatMap(c -> c.runs().stream()).map(RunSegment::path).distinct().count());
      counts.put(
          "units",
          chunks.stream().filter(c -> c.chunks() > 0).count()); // more results carry its other keys
      counts.put("chunks", chunks.stream().mapToLong(ChunkResult::chunks).sum());
      try (Writer w = writer(countsTemp)) {
        for (Map.Entry<String, Long> e : counts.entrySet()) {
          w.write(e.getKey() + "=" + e.getValue() + "\n");
        }
      }
      try (Writer w = writer(spansTemp)) {
        w.write("unit,worker,start_epoch_ms,end_epoch_ms,records,bytes\n");
        for (ChunkResult<K, A> c : chunks) {
          UnitSpan span = c.span();
          if (span != null) {
            w.write(
                CsvText.row(
                        List.of(
                            String.valueOf(c.unit()),
                            span.worker(),
                            String.valueOf(span.startMillis()),
                            String.valueOf(span.endMillis()),
                            String.valueOf(c.read()),
                            String.valueOf(span.bytes())))
                    + "\n");
          }
        }
      }
      // counts last: it names what the others hold (keys: results.csv's rows)
      FileSystems.rename(
          List.of(resultsTemp, deadTemp, spansTemp, countsTemp),
          List.of(
              resource(RESULTS_FILE),
              resource(DEAD_LETTERS_FILE),
              resource(SPANS_FILE),
              resource(COUNTS_FILE)));
      removeWorkFiles();
    }

    /**
     * Streams the partitions' sorted files into {@code out} in the table's order: a k-way merge
     * holding one row per partition.
     */
    private void mergePartitions(List<KV<String, Long>> parts, OutputStream out)
        throws IOException {
      Comparator<K> order = table.order();
      RunKeys<K> runKeys = RunKeys.of(keyCoder);
      boolean byBytes = runKeys.bytesFollow(order);
      List<Head<K>> heads = new ArrayList<>();
      PriorityQueue<Head<K>> queue =
          new PriorityQueue<>(
              Math.max(1, parts.size()),
              byBytes
                  ? (a, b) -> RunKeys.compareBytes(a.reader.key(), b.reader.key())
                  : (a, b) -> order.compare(a.key, b.key));
      try {
        for (KV<String, Long> part : parts) {
          Head<K> h = new Head<>(new SortedRuns.Reader(part.getKey(), 0, Long.MAX_VALUE));
          heads.add(h);
          if (h.advance(byBytes ? null : runKeys)) {
            queue.add(h);
          }
        }
        while (!queue.isEmpty()) {
          Head<K> h = queue.poll();
          out.write(h.reader.payload());
          if (h.advance(byBytes ? null : runKeys)) {
            queue.add(h);
          }
        }
      } finally {
        for (Head<K> h : heads) {
          h.reader.close();
        }
      }
    }

    /** Removes the run and partition files (the directory itself may be shared: left). */
    private void removeWorkFiles() throws IOException {
      List<ResourceId> files = new ArrayList<>();
      for (MatchResult.Metadata m :
          FileSystems.match(workDir + "/*", EmptyMatchTreatment.ALLOW).metadata()) {
        files.add(m.resourceId());
      }
      FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      try {
        FileSystems.delete(
            List.of(FileSystems.matchNewResource(workDir, true)),
            MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      } catch (IOException ignored) {
        // a directory that is not empty, or a file system without directories: left
      }
    }

    /** The current row of one partition's file. */
    static final class Head<K> {
      final SortedRuns.Reader reader;
      K key;

      Head(SortedRuns.Reader reader) {
        this.reader = reader;
      }

      /**
       * Moves to the next row, decoding its key when {@code runKeys} is given; false at the end.
       */
      boolean advance(RunKeys<K> runKeys) throws IOException {
        if (!reader.next()) {
          return false;
        }
        key = runKeys == null ? null : runKeys.decode(reader.key());
        return true;
      }
    }

    private ResourceId resource(String name) {
      return FileSystems.matchNewResource(dir, true)
          .resolve(name, StandardResolveOptions.RESOLVE_FILE);
    }

    private Writer writer(ResourceId file) throws IOException {
      return new BufferedWriter(
          new OutputStreamWriter(
              Channels.newOutputStream(FileSystems.create(file, "text/plain")),
              StandardCharsets.UTF_8),
          1 << 16);
    }
  }
}
