package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.CoderUtils;
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
 *
 * <p>Why this class is longer than the house's 300 lines: it is one transform's whole public API in
 * Beam's style (factory, a checked {@code withX} per setting, display data, {@code expand}, the
 * {@link #perKey} finish). Its DoFns live apart: {@link ParseChunkFn} (step {@code ParseRecords})
 * and {@link LocateFns} (the record-boundary steps).
 */
public final class ChunkedCsv<K, V, A> extends PTransform<PCollection<CsvChunk>, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>("deadLetters") {};

  public static final String RECORDS_READ = "records_read";

  /** Counter: input bytes parsed, updated every few MB while a chunk is read (progress). */
  public static final String BYTES_PARSED = "bytes_parsed";

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
  private final SpillSettings spill;
  private final Comparator<? super K> keyOrder;
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
      boolean locatedInput,
      SpillSettings spill,
      Comparator<? super K> keyOrder) {
    this.spill = spill;
    this.keyOrder = keyOrder;
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
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        CsvDialect.RFC4180,
        1 << 20,
        null,
        null,
        false,
        null,
        null);
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
        locatedInput,
        spill,
        keyOrder);
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
        locatedInput,
        spill,
        keyOrder);
  }

  /**
   * Writes dead letters straight to one CSV file per unit (rows only, no header) under {@code dir}
   * instead of emitting them on {@link #DEAD_LETTERS}; each {@link ChunkResult} names its file. The
   * files' names hold an id of the applied transform as well as the unit, so several ChunkedCsvs
   * may share one directory. A chunk writes to a temporary name and renames at the end, and a
   * retried chunk overwrites the same file, so no dead letter is lost or doubled, and memory stays
   * bounded however many are bad.
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
        locatedInput,
        spill,
        keyOrder);
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
        locatedInput,
        spill,
        keyOrder);
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
        true,
        spill,
        keyOrder);
  }

  /**
   * Bounds the memory of each unit's per-key map: past its share of the budget a unit writes its
   * map as sorted runs (split into partitions by a hash of the encoded key) into the settings'
   * directory and starts a fresh one; its result then names the run segments ({@link
   * ChunkResult#runs()}) instead of carrying the keys. {@link WriteChunkedOutputs} merges them. Not
   * for {@link #perKey}, which reads only in-memory partials.
   */
  public ChunkedCsv<K, V, A> withSpill(SpillSettings settings) {
    require(settings != null, "spill settings must not be null");
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        maxRecordBytes,
        deadLetterDir,
        distributionKeys,
        locatedInput,
        settings,
        keyOrder);
  }

  /**
   * The order spilled runs are sorted in, which must be the order of the job's {@link ResultTable};
   * by default strings by UTF-8 bytes, lists of strings field by field, else natural order.
   */
  public ChunkedCsv<K, V, A> withKeyOrder(Comparator<? super K> order) {
    require(order instanceof java.io.Serializable, "the key order must be Serializable");
    return new ChunkedCsv<>(
        fn,
        combineFn,
        keyCoder,
        valueCoder,
        dialect,
        maxRecordBytes,
        deadLetterDir,
        distributionKeys,
        locatedInput,
        spill,
        order);
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
            DisplayData.item("spill", spill == null ? null : spill.toString())
                .withLabel("Memory budget and spills"))
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
              .apply("KeyForWorkers", ParDo.of(new LocateFns.KeyForWorkersFn(distributionKeys)))
              .setCoder(keyedCoder);
    } else {
      keyed =
          chunks
              .apply("KeyForScan", ParDo.of(new LocateFns.KeyForWorkersFn(distributionKeys)))
              .setCoder(keyedCoder)
              .apply("DistributeForScan", GroupByKey.create())
              .apply("ScanStates", ParDo.of(new LocateFns.ScanChunkFn(dialect)))
              .setCoder(
                  KvCoder.of(VarIntCoder.of(), KvCoder.of(chunkCoder, ChunkTransitions.Coder.of())))
              .apply("GatherScans", GroupByKey.create())
              .apply("LocateRecords", ParDo.of(new LocateFns.LocateRecordsFn(distributionKeys)))
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
                            fn,
                            combineFn,
                            dialect,
                            maxRecordBytes,
                            deadLetterDir,
                            // one id per application of this transform, fixed with the
                            // pipeline: two ChunkedCsvs sharing a dead-letter directory write
                            // files of their own, a retried unit the same file as its first try
                            UUID.randomUUID().toString(),
                            resultsTag,
                            spill,
                            keyCoder,
                            accumulatorCoder(chunks.getPipeline().getCoderRegistry()),
                            keyOrder))
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
                        if (!r.runs().isEmpty()) {
                          throw new IllegalStateException(
                              "perKey reads in-memory partials only; this unit spilled runs");
                        }
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
      // the input is an element's accumulator, and a merge may reuse any argument: merge a copy
      try {
        return fn.mergeAccumulators(List.of(acc, CoderUtils.clone(accumulatorCoder, input)));
      } catch (CoderException e) {
        throw new IllegalStateException("cannot copy an accumulator with its coder", e);
      }
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
}
