package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.DeadLetterFile;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvStates;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The chunked CSV engine: reads CSV chunks in parallel, hands every well-formed record to a {@link
 * RecordFn} that turns it into {@code (key, value)} pairs, and pre-aggregates the values per key
 * inside each unit of work (a chunk, or small chunks packed together: {@code CsvChunk#unit}) with a
 * {@link CombineFn}; what leaves is one {@link ChunkResult} per unit (per 1,000 keys of a unit)
 * (accumulators per key, counts, dead-letter file) and, unless written to files, the dead letters.
 *
 * <pre>
 * chunks ─► KeyForScan ─► DistributeForScan ─► ScanStates ─► GatherScans ─► LocateRecords ─┐
 *        (or, with {@link #withLocatedChunks()}: ─► KeyForWorkers) ─────────┤
 *   ┌───────────────────────────────────────────────────────────────────────┘
 *   └─► DistributeChunks ─► ParseRecords ─┬─► {@link #results}: one {@link ChunkResult} per unit
 *                                         └─► {@link #DEAD_LETTERS} (unless written to files)
 * </pre>
 *
 * <p>Record boundaries are exactly where one sequential reader finds them, whatever the chunking: a
 * first parallel pass summarises each chunk as a map over the states of the CSV automaton ({@link
 * ChunkTransitions}) and each chunk learns its start state and line from the chunks before it
 * ({@link ChunkLocator}); for small inputs the launcher does that before the pipeline ({@link
 * ChunkLocator#scanAndLocate}, then {@link #withLocatedChunks()}). Every record read is either good
 * (passed to the {@code RecordFn}, not rejected) or one dead letter: {@code records_read ==
 * records_ok + dead_letters} per chunk and in total ({@link #counts()}).
 *
 * <p>To finish the reduction, merge the results in one place ({@link WriteChunkedOutputs}, which
 * also writes the job's files) or apply {@link #perKey}, a combiner-lifted {@code Combine.perKey}
 * over the chunks' accumulators that spreads keys over workers (for millions of keys).
 *
 * <p>Immutable: every {@code withX} returns a new transform.
 */
public final class ChunkedCsv<K, V, A> extends PTransform<PCollection<CsvChunk>, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>("deadLetters") {};

  public static final String RECORDS_READ = "records_read";
  public static final String RECORDS_OK = "records_ok";
  public static final String DEAD_LETTER_COUNT = "dead_letters";

  /** The most keys one {@link ChunkResult} carries; a unit with more sends several. */
  public static final int MAX_KEYS_PER_RESULT = 1000;

  /** How many bytes of an over-long or unterminated record a dead letter keeps. */
  public static final int TOO_LONG_KEEP_BYTES = 1024;

  private final RecordFn<K, V> fn;
  private final CombineFn<V, A, ?> combineFn;
  private final Coder<K> keyCoder;
  private final Coder<V> valueCoder;
  private final CsvDialect dialect;
  private final int maxRecordBytes;
  private final String deadLetterDir;
  private final int[] distributionKeys;
  private final boolean locatedInput;
  private final TupleTag<ChunkResult<K, A>> resultsTag = new TupleTag<>("results");

  private ChunkedCsv(
      RecordFn<K, V> fn,
      CombineFn<V, A, ?> combineFn,
      Coder<K> keyCoder,
      Coder<V> valueCoder,
      CsvDialect dialect,
      int maxRecordBytes,
      String deadLetterDir,
      int[] distributionKeys,
      boolean locatedInput) {
    this.fn = fn;
    this.combineFn = combineFn;
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.dialect = dialect;
    this.maxRecordBytes = maxRecordBytes;
    this.deadLetterDir = deadLetterDir;
    this.distributionKeys = distributionKeys;
    this.locatedInput = locatedInput;
  }

  /**
   * A transform that applies {@code fn} to every well-formed record and combines the values per key
   * with {@code combineFn}, first inside each chunk. RFC 4180 dialect, 1 MiB maximum record length,
   * dead letters on {@link #DEAD_LETTERS}, chunks located by the transform's own scan.
   *
   * @param keyCoder coder of the keys; values are combined per key, so equal keys must encode
   *     equally
   * @param valueCoder coder of the values (used to find the accumulator coder of {@code combineFn})
   */
  public static <K, V, A> ChunkedCsv<K, V, A> of(
      RecordFn<K, V> fn, Coder<K> keyCoder, Coder<V> valueCoder, CombineFn<V, A, ?> combineFn) {
    require(fn != null, "fn must not be null");
    require(keyCoder != null, "keyCoder must not be null");
    require(valueCoder != null, "valueCoder must not be null");
    require(combineFn != null, "combineFn must not be null");
    return new ChunkedCsv<>(
        fn, combineFn, keyCoder, valueCoder, CsvDialect.RFC4180, 1 << 20, null, null, false);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The separator and quote bytes of the input. */
  public ChunkedCsv<K, V, A> withDialect(CsvDialect d) {
    require(d != null, "dialect must not be null");
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        d,
        maxRecordBytes,
        deadLetterDir,
        distributionKeys,
        locatedInput);
  }

  /**
   * Records longer than {@code n} bytes become dead letters; at most {@code n} bytes of one are
   * held.
   */
  public ChunkedCsv<K, V, A> withMaxRecordBytes(int n) {
    require(n >= 1, "maxRecordBytes must be positive, got " + n);
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        n,
        deadLetterDir,
        distributionKeys,
        locatedInput);
  }

  /**
   * Writes dead letters straight to one CSV file per unit (rows only, no header) under {@code dir}
   * instead of emitting them on {@link #DEAD_LETTERS}; each {@link ChunkResult} names its file. A
   * chunk writes to a temporary name and renames at the end, and a retried chunk overwrites the
   * same file, so no dead letter is lost or doubled, and memory stays bounded however many are bad.
   */
  public ChunkedCsv<K, V, A> withDeadLetterDirectory(String dir) {
    require(dir != null && !dir.isEmpty(), "dead-letter directory must not be empty");
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        maxRecordBytes,
        dir,
        distributionKeys,
        locatedInput);
  }

  /**
   * The keys of the shuffle that hands located chunks to the workers: chunk number i (in input
   * order) gets {@code keys[i % keys.length]}. By default every chunk gets its own key. A runner
   * that sends a key to the worker chosen by a hash of it (Flink) may put two chunks on one worker
   * and leave another idle; keys chosen to land on distinct workers avoid that.
   */
  public ChunkedCsv<K, V, A> withDistributionKeys(int[] keys) {
    require(keys != null && keys.length > 0, "distribution keys must not be empty");
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        maxRecordBytes,
        deadLetterDir,
        keys.clone(),
        locatedInput);
  }

  /**
   * Declares that the input chunks are located already ({@link ChunkLocator#scanAndLocate} on the
   * launcher): the transform skips its own scan pass and the two shuffles around it. A chunk that
   * is not located fails the pipeline.
   */
  public ChunkedCsv<K, V, A> withLocatedChunks() {
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        maxRecordBytes,
        deadLetterDir,
        distributionKeys,
        true);
  }

  /** The tag of the per-chunk results in the output of this transform. */
  public TupleTag<ChunkResult<K, A>> resultsTag() {
    return resultsTag;
  }

  /** The per-chunk results in {@code output}, the output of this transform. */
  public PCollection<ChunkResult<K, A>> results(PCollectionTuple output) {
    return output.get(resultsTag);
  }

  public RecordFn<K, V> recordFn() {
    return fn;
  }

  public CombineFn<V, A, ?> combineFn() {
    return combineFn;
  }

  public Coder<K> keyCoder() {
    return keyCoder;
  }

  /** The accumulator coder of the combine function for this transform's value coder. */
  public Coder<A> accumulatorCoder(CoderRegistry registry) {
    try {
      return combineFn.getAccumulatorCoder(registry, valueCoder);
    } catch (CannotProvideCoderException e) {
      throw new IllegalStateException(
          "no accumulator coder for " + combineFn.getClass().getName(), e);
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("recordFn", fn.getClass()).withLabel("Per-record function"))
        .add(DisplayData.item("combineFn", combineFn.getClass()).withLabel("Combine function"))
        .add(
            DisplayData.item("delimiter", String.valueOf((char) dialect.delimiter()))
                .withLabel("Field separator"))
        .add(DisplayData.item("quote", String.valueOf((char) dialect.quote())).withLabel("Quote"))
        .add(DisplayData.item("maxRecordBytes", maxRecordBytes).withLabel("Maximum record length"))
        .add(
            DisplayData.item("locatedChunks", locatedInput)
                .withLabel("Chunks located before the pipeline"))
        .addIfNotNull(
            DisplayData.item("deadLetterDirectory", deadLetterDir).withLabel("Dead-letter files"))
        .addIfNotNull(
            DisplayData.item(
                    "distributionKeys",
                    distributionKeys == null ? null : Arrays.toString(distributionKeys))
                .withLabel("Worker keys"));
  }

  @Override
  public PCollectionTuple expand(PCollection<CsvChunk> chunks) {
    CsvChunk.Coder chunkCoder = CsvChunk.Coder.of();
    KvCoder<Integer, CsvChunk> keyedCoder = KvCoder.of(VarIntCoder.of(), chunkCoder);
    PCollection<KV<Integer, CsvChunk>> keyed;
    if (locatedInput) {
      keyed =
          chunks
              .apply("KeyForWorkers", ParDo.of(new KeyForWorkersFn(distributionKeys)))
              .setCoder(keyedCoder);
    } else {
      keyed =
          chunks
              .apply("KeyForScan", ParDo.of(new KeyForWorkersFn(distributionKeys)))
              .setCoder(keyedCoder)
              .apply("DistributeForScan", GroupByKey.create())
              .apply("ScanStates", ParDo.of(new ScanChunkFn(dialect)))
              .setCoder(
                  KvCoder.of(VarIntCoder.of(), KvCoder.of(chunkCoder, ChunkTransitions.Coder.of())))
              .apply("GatherScans", GroupByKey.create())
              .apply("LocateRecords", ParDo.of(new LocateRecordsFn(distributionKeys)))
              .setCoder(keyedCoder);
    }
    // A plain GroupByKey hands each key's chunks to one worker; a Reshuffle would do the same
    // with more steps (re-windowing, a trigger, re-stamping) that batch input does not need.
    PCollectionTuple parsed =
        keyed
            .apply("DistributeChunks", GroupByKey.create())
            .apply(
                "ParseRecords",
                ParDo.of(
                        new ParseChunkFn<>(
                            fn, combineFn, dialect, maxRecordBytes, deadLetterDir, resultsTag))
                    .withOutputTags(resultsTag, TupleTagList.of(DEAD_LETTERS)));
    parsed
        .get(resultsTag)
        .setCoder(
            ChunkResult.ResultCoder.of(
                keyCoder, accumulatorCoder(chunks.getPipeline().getCoderRegistry())));
    parsed.get(DEAD_LETTERS).setCoder(DeadLetter.Coder.of());
    return parsed;
  }

  /** The shuffle key of a chunk: its unit, or the distribution key its unit picks. */
  static int workerKey(CsvChunk c, int[] keys) {
    return keys == null || keys.length == 0 ? c.unit() : keys[c.unit() % keys.length];
  }

  /**
   * Final results per key from the chunk results: a combiner-lifted {@code Combine.perKey} over the
   * chunks' accumulators, which spreads keys over workers (better for millions of keys; for few
   * keys on the DirectRunner, merging in one place is faster).
   */
  public <R> PTransform<PCollection<ChunkResult<K, A>>, PCollection<KV<K, R>>> perKey(
      CombineFn<V, A, R> finalFn) {
    Coder<K> kc = keyCoder;
    Coder<V> vc = valueCoder;
    return new PTransform<>() {
      @Override
      public PCollection<KV<K, R>> expand(PCollection<ChunkResult<K, A>> results) {
        Coder<A> ac = accumulatorCoder(results.getPipeline().getCoderRegistry());
        return results
            .apply(
                "ExplodePartials",
                ParDo.of(
                    new DoFn<ChunkResult<K, A>, KV<K, A>>() {
                      @ProcessElement
                      public void process(
                          @Element ChunkResult<K, A> r, OutputReceiver<KV<K, A>> out) {
                        r.partials().forEach((k, a) -> out.output(KV.of(k, a)));
                      }
                    }))
            .setCoder(KvCoder.of(kc, ac))
            .apply("ReducePerKey", Combine.perKey(new MergeAccumulatorsFn<>(finalFn, ac, vc)));
      }
    };
  }

  /**
   * Total {@code records_read}, {@code records_ok} and {@code dead_letters} from the chunk results.
   */
  public static <K, A>
      PTransform<PCollection<ChunkResult<K, A>>, PCollection<KV<String, Long>>> counts() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, Long>> expand(PCollection<ChunkResult<K, A>> results) {
        return results
            .apply(
                "ExplodeCounts",
                ParDo.of(
                    new DoFn<ChunkResult<K, A>, KV<String, Long>>() {
                      @ProcessElement
                      public void process(
                          @Element ChunkResult<K, A> r, OutputReceiver<KV<String, Long>> out) {
                        out.output(KV.of(RECORDS_READ, r.read()));
                        out.output(KV.of(RECORDS_OK, r.ok()));
                        out.output(KV.of(DEAD_LETTER_COUNT, r.dead()));
                      }
                    }))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
            .apply("SumCounts", Sum.longsPerKey());
      }
    };
  }

  /**
   * A CombineFn over accumulators: merges them, then extracts the output of the wrapped function.
   */
  static final class MergeAccumulatorsFn<V, A, R> extends CombineFn<A, A, R> {
    private static final long serialVersionUID = 1L;
    private final CombineFn<V, A, R> fn;
    private final Coder<A> accumulatorCoder;
    private final Coder<V> valueCoder;

    MergeAccumulatorsFn(CombineFn<V, A, R> fn, Coder<A> accumulatorCoder, Coder<V> valueCoder) {
      this.fn = fn;
      this.accumulatorCoder = accumulatorCoder;
      this.valueCoder = valueCoder;
    }

    @Override
    public Coder<R> getDefaultOutputCoder(CoderRegistry registry, Coder<A> in)
        throws CannotProvideCoderException {
      return fn.getDefaultOutputCoder(registry, valueCoder);
    }

    @Override
    public A createAccumulator() {
      return fn.createAccumulator();
    }

    @Override
    public A addInput(A acc, A input) {
      return fn.mergeAccumulators(List.of(acc, input));
    }

    @Override
    public A mergeAccumulators(Iterable<A> accumulators) {
      return fn.mergeAccumulators(accumulators);
    }

    @Override
    public R extractOutput(A acc) {
      return fn.extractOutput(acc);
    }

    @Override
    public Coder<A> getAccumulatorCoder(CoderRegistry registry, Coder<A> in) {
      return accumulatorCoder;
    }
  }

  /**
   * Why a record whose extent is wrong is a dead letter: a quoted field that is never closed (the
   * rest of the file became one record), or a record longer than the maximum. Says where the quote
   * that explains it opened and how many bytes and lines the record covers.
   */
  static String framingError(RawRecord rec, int maxRecordBytes) {
    String extent =
        rec.fullLength() + " bytes" + (rec.lines() == 1 ? "" : " over " + rec.lines() + " lines");
    String kept =
        "; the record column holds its first "
            + Math.min(TOO_LONG_KEEP_BYTES, rec.length())
            + " bytes";
    if (rec.hasUnterminatedQuote()) {
      return "unterminated quoted field: the quote opened on line "
          + rec.openQuoteLine()
          + " is never closed, so the record runs to the end of the file ("
          + extent
          + ")"
          + kept;
    }
    String quoted =
        rec.openQuoteLine() > 0
            ? "; a quoted field opened on line " + rec.openQuoteLine() + " holds line breaks"
            : "";
    return "record longer than the maximum of "
        + maxRecordBytes
        + " bytes ("
        + extent
        + quoted
        + ")"
        + kept;
  }

  /** Summarises each chunk of a unit: its end state for every start state, and its LF count. */
  static final class ScanChunkFn
      extends DoFn<KV<Integer, Iterable<CsvChunk>>, KV<Integer, KV<CsvChunk, ChunkTransitions>>> {
    private static final long serialVersionUID = 1L;
    private final CsvDialect dialect;
    private transient CsvStates states;

    ScanChunkFn(CsvDialect dialect) {
      this.dialect = dialect;
    }

    @Setup
    public void setup() {
      states = CsvStates.of(dialect);
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<CsvChunk>> chunks,
        OutputReceiver<KV<Integer, KV<CsvChunk, ChunkTransitions>>> out)
        throws IOException {
      for (CsvChunk chunk : chunks.getValue()) {
        if (chunk.toEnd()) {
          // the one chunk of a compressed file: nothing after it needs its summary, so it is not
          // read twice (decompressing is the costly part); damage is found when it is parsed
          out.output(KV.of(0, KV.of(chunk, ChunkTransitions.ofLastChunk())));
          continue;
        }
        ChunkTransitions summary;
        try (ReadableByteChannel ch = ChunkIO.open(chunk.file(), chunk.start())) {
          summary = ChunkTransitions.scan(ch, chunk.length(), states);
        } catch (IOException | RuntimeException e) {
          throw chunkFailure(chunk, e);
        }
        out.output(KV.of(0, KV.of(chunk, summary)));
      }
    }
  }

  /** From the summaries of all chunks, tells each chunk the state and line at its first byte. */
  static final class LocateRecordsFn
      extends DoFn<KV<Integer, Iterable<KV<CsvChunk, ChunkTransitions>>>, KV<Integer, CsvChunk>> {
    private static final long serialVersionUID = 1L;
    private final int[] keys;

    LocateRecordsFn(int[] keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<CsvChunk, ChunkTransitions>>> all,
        OutputReceiver<KV<Integer, CsvChunk>> out) {
      Map<String, List<KV<CsvChunk, ChunkTransitions>>> byFile = new TreeMap<>();
      for (KV<CsvChunk, ChunkTransitions> kv : all.getValue()) {
        byFile.computeIfAbsent(kv.getKey().file().path(), k -> new ArrayList<>()).add(kv);
      }
      for (List<KV<CsvChunk, ChunkTransitions>> list : byFile.values()) {
        list.sort(Comparator.comparingInt(kv -> kv.getKey().index()));
        List<CsvChunk> chunks = new ArrayList<>(list.size());
        List<ChunkTransitions> summaries = new ArrayList<>(list.size());
        for (KV<CsvChunk, ChunkTransitions> kv : list) {
          chunks.add(kv.getKey());
          summaries.add(kv.getValue());
        }
        for (CsvChunk c : ChunkLocator.locate(chunks, summaries)) {
          out.output(KV.of(workerKey(c, keys), c));
        }
      }
    }
  }

  /** Keys chunks that were located before the pipeline for the shuffle to the workers. */
  static final class KeyForWorkersFn extends DoFn<CsvChunk, KV<Integer, CsvChunk>> {
    private static final long serialVersionUID = 1L;
    private final int[] keys;

    KeyForWorkersFn(int[] keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element CsvChunk c, OutputReceiver<KV<Integer, CsvChunk>> out) {
      out.output(KV.of(workerKey(c, keys), c));
    }
  }

  /** Parses the records of each chunk, applies the record function and pre-aggregates per key. */
  static final class ParseChunkFn<K, V, A>
      extends DoFn<KV<Integer, Iterable<CsvChunk>>, ChunkResult<K, A>> {
    private static final long serialVersionUID = 1L;

    private final RecordFn<K, V> fn;
    private final CombineFn<V, A, ?> combineFn;
    private final CsvDialect dialect;
    private final int maxRecordBytes;
    private final String deadLetterDir;
    private final TupleTag<ChunkResult<K, A>> resultsTag;

    private final Counter readCounter = Metrics.counter(ChunkedCsv.class, RECORDS_READ);
    private final Counter okCounter = Metrics.counter(ChunkedCsv.class, RECORDS_OK);
    private final Counter deadCounter = Metrics.counter(ChunkedCsv.class, DEAD_LETTER_COUNT);
    private final Counter chunkCounter = Metrics.counter(ChunkedCsv.class, "chunks_parsed");

    private transient FieldSplitter splitter;
    private transient Pending<K, V> pending;

    ParseChunkFn(
        RecordFn<K, V> fn,
        CombineFn<V, A, ?> combineFn,
        CsvDialect dialect,
        int maxRecordBytes,
        String deadLetterDir,
        TupleTag<ChunkResult<K, A>> resultsTag) {
      this.fn = fn;
      this.combineFn = combineFn;
      this.dialect = dialect;
      this.maxRecordBytes = maxRecordBytes;
      this.deadLetterDir = deadLetterDir;
      this.resultsTag = resultsTag;
    }

    @Setup
    public void setup() {
      splitter = new FieldSplitter(dialect);
      pending = new Pending<>();
      fn.setup();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<CsvChunk>> chunks, MultiOutputReceiver out)
        throws IOException {
      // one key may carry several units (Flink's worker keys); each unit is read in plan order
      List<CsvChunk> all = new ArrayList<>();
      chunks.getValue().forEach(all::add);
      all.sort(Comparator.comparingInt(CsvChunk::ordinal));
      int from = 0;
      for (int i = 1; i <= all.size(); i++) {
        if (i == all.size() || all.get(i).unit() != all.get(from).unit()) {
          parseUnit(all.subList(from, i), out);
          from = i;
        }
      }
    }

    /**
     * Reads the chunks of one unit of work, in plan order, into its results (one per 1,000 keys).
     */
    private void parseUnit(List<CsvChunk> unit, MultiOutputReceiver out) throws IOException {
      CsvChunk first = unit.get(0);
      Unit<K, A> u =
          new Unit<>(
              deadLetterDir == null ? null : new DeadLetterFile(deadLetterDir, first.unit()));
      try {
        for (CsvChunk chunk : unit) {
          try {
            parse(chunk, u, out.get(DEAD_LETTERS));
          } catch (IOException | RuntimeException e) {
            throw chunkFailure(chunk, e);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (u.deadFile != null) {
          u.deadFile.abandon();
        }
        throw e;
      }
      String deadLetterPath = u.deadFile == null ? "" : u.deadFile.commit();
      // A unit's keys travel in results of at most MAX_KEYS_PER_RESULT keys: one element of many
      // thousand keys (each with a sketch, say) outgrows what a runner moves in one piece (Flink's
      // sort buffer takes 8 MiB). The first carries the counts; each key is in exactly one.
      Map<K, A> piece = new HashMap<>();
      boolean firstPiece = true;
      for (Map.Entry<K, A> e : u.partial.entrySet()) {
        piece.put(e.getKey(), e.getValue());
        if (piece.size() == MAX_KEYS_PER_RESULT) {
          emit(out, first, unit.size(), u, deadLetterPath, piece, firstPiece);
          piece = new HashMap<>();
          firstPiece = false;
        }
      }
      if (firstPiece || !piece.isEmpty()) {
        emit(out, first, unit.size(), u, deadLetterPath, piece, firstPiece);
      }
      readCounter.inc(u.read);
      okCounter.inc(u.ok);
      deadCounter.inc(u.dead);
      chunkCounter.inc(unit.size());
    }

    private void emit(
        MultiOutputReceiver out,
        CsvChunk first,
        int chunks,
        Unit<K, A> u,
        String deadLetterPath,
        Map<K, A> partials,
        boolean withCounts) {
      out.get(resultsTag)
          .output(
              withCounts
                  ? new ChunkResult<>(
                      first.unit(),
                      chunks,
                      first.file().path(),
                      first.index(),
                      u.read,
                      u.ok,
                      u.dead,
                      u.deadBytes,
                      u.unterminated,
                      deadLetterPath,
                      partials)
                  : new ChunkResult<>(
                      first.unit(),
                      0,
                      first.file().path(),
                      first.index(),
                      0,
                      0,
                      0,
                      0,
                      0,
                      "",
                      partials));
    }

    private void parse(CsvChunk chunk, Unit<K, A> u, OutputReceiver<DeadLetter> deadOut)
        throws IOException {
      if (!chunk.isLocated()) {
        throw new IllegalStateException("chunk " + chunk + " was not located before parsing");
      }
      String path = chunk.file().path();
      int fields = chunk.file().fieldCount();
      CsvRecord view = new CsvRecord(path, chunk.file().columns());
      Map<K, A> partial = u.partial;
      try (ReadableByteChannel ch = ChunkIO.open(chunk.file(), chunk.start())) {
        RecordReader reader =
            new RecordReader(ch, chunk.start(), chunk.startLine(), dialect, maxRecordBytes);
        reader.skipToRecordStart(chunk.startState());
        RawRecord rec = new RawRecord();
        while (reader.position() < chunk.end() && reader.next(rec)) {
          if (rec.fileOffset() >= chunk.end()) {
            break; // blank lines led past the end: the record belongs to the next chunk
          }
          u.read++;
          String reason = null;
          if (rec.hasUnterminatedQuote() || rec.isTooLong()) {
            reason = framingError(rec, maxRecordBytes);
            u.unterminated += rec.hasUnterminatedQuote() ? 1 : 0;
          } else if (!splitter.split(rec.bytes(), rec.offset(), rec.length())) {
            reason = splitter.error();
          } else if (splitter.fieldCount() != fields) {
            reason = "expected " + fields + " fields, found " + splitter.fieldCount();
          } else {
            pending.clear();
            fn.apply(view.at(splitter, rec.line()), pending);
            reason = pending.rejected;
            if (reason == null) {
              for (int i = 0; i < pending.size; i++) {
                K key = pending.keys[i];
                A acc = partial.get(key);
                A next =
                    combineFn.addInput(
                        acc == null ? combineFn.createAccumulator() : acc, pending.values[i]);
                if (next != acc) {
                  partial.put(key, next);
                }
              }
              u.ok++;
            }
          }
          if (reason != null) {
            u.dead++;
            u.deadBytes += rec.fullLength();
            // the record as text in its own encoding, so that dead-letters.csv is UTF-8 like every
            // output
            String text =
                rec.hasUnterminatedQuote() || rec.isTooLong()
                    ? rec.text(TOO_LONG_KEEP_BYTES, dialect.charset())
                    : rec.text(dialect.charset());
            DeadLetter letter = new DeadLetter(path, rec.line(), reason, text);
            if (u.deadFile != null) {
              u.deadFile.write(letter);
            } else {
              deadOut.output(letter);
            }
          }
        }
        if (!chunk.toEnd() && reader.position() < chunk.end()) {
          // the chunk was planned from the file's size: a file that ends early has shrunk since,
          // and reading on would silently count fewer records (a compressed file's one chunk runs
          // to the end of its text, whose length is unknown: its decompressor finds a truncation)
          throw new EOFException(
              path
                  + " ended at byte "
                  + reader.position()
                  + ", before byte "
                  + chunk.end()
                  + " where the chunk was planned to end; the file shrank after the job planned its chunks");
        }
      }
    }
  }

  /** What the chunks of one unit of work have found so far. */
  static final class Unit<K, A> {
    final Map<K, A> partial = new HashMap<>();
    final DeadLetterFile deadFile;
    long read;
    long ok;
    long dead;
    long deadBytes;
    long unterminated;

    Unit(DeadLetterFile deadFile) {
      this.deadFile = deadFile;
    }
  }

  /** What a {@link RecordFn} emitted for the current record, kept until it returns. */
  static final class Pending<K, V> implements RecordFn.Output<K, V> {
    @SuppressWarnings("unchecked")
    K[] keys = (K[]) new Object[4];

    @SuppressWarnings("unchecked")
    V[] values = (V[]) new Object[4];

    int size;
    String rejected;

    void clear() {
      size = 0;
      rejected = null;
    }

    @Override
    public void emit(K key, V value) {
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      keys[size] = key;
      values[size] = value;
      size++;
    }

    @Override
    public void reject(String reason) {
      if (rejected == null) {
        rejected = reason == null || reason.isEmpty() ? "rejected" : reason;
      }
    }
  }

  /**
   * The failure of one chunk, named by its file, index and byte range, with the cause's type and
   * message in its own message: the runners wrap it (and Flink may ship it as a serialized copy),
   * and whoever reports the failure in one line finds everything in the innermost message. The
   * cause is attached as a suppressed exception, so its stack trace still reaches the logs.
   */
  static IOException chunkFailure(CsvChunk chunk, Exception failure) {
    // the record reader wraps its channel's IOException (e.g. a damaged compressed file)
    Exception cause =
        failure instanceof UncheckedIOException && failure.getCause() != null
            ? (Exception) failure.getCause()
            : failure;
    String why =
        cause.getMessage() == null || cause.getMessage().isBlank()
            ? cause.getClass().getSimpleName()
            : cause.getClass().getSimpleName()
                + ": "
                + cause.getMessage().strip().replace('\n', ' ');
    IOException e =
        new IOException(
            "chunk "
                + chunk.index()
                + " of "
                + chunk.file().path()
                + " ("
                + chunk.describeRange()
                + "): "
                + why);
    e.addSuppressed(cause);
    return e;
  }
}
