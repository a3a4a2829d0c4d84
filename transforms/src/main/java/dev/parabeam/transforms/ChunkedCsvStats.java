package dev.parabeam.transforms;

import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvStates;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.stats.KeyedStatistics;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads CSV chunks in parallel and sums them up per key, with dead letters.
 *
 * <pre>
 * chunks ─► DistributeForScan ─► ScanStates ─► GatherScans ─► LocateRecords ─┐
 *        (or, with {@link #withLocatedChunks()}: ─► KeyForWorkers) ──────────────────┤
 *   ┌────────────────────────────────────────────────────────────────────────────────┘
 *   └─► DistributeChunks ─► ParseRecords ─┬─► {@link #REPORTS}: one {@link ChunkReport} per chunk
 *                                         └─► {@link #DEAD_LETTERS} (unless written to files)
 * </pre>
 *
 * <p>Each chunk is a byte range. A first parallel pass runs the CSV automaton ({@link CsvStates})
 * over every chunk from every start state at once and counts its LF bytes ({@link
 * ChunkTransitions}); composing the summaries of the chunks before it, each chunk learns the
 * automaton's state and the line number at its first byte ({@link ChunkLocator}), so it finds
 * record boundaries exactly where one sequential reader would (a quoted line break is never taken
 * for one, a stray quote in an unquoted field never opens one) and reports true line numbers. For a small input the
 * launcher can do that pass before the pipeline starts ({@link ChunkLocator#scanAndLocate}, then
 * {@link #withLocatedChunks()}), which saves two shuffles. The second pass parses the records of each chunk,
 * does the per-record work and pre-aggregates per key inside the chunk: what leaves the transform
 * is one report per chunk holding its statistics per key and its counts, so the runner handles a
 * handful of elements however many records there are.
 *
 * <p>To finish the reduction, either merge the reports in one place (what the aggregate job does,
 * see {@code io.WriteAggregateOutputs}) or apply {@link #perKey()}, a combiner-lifted {@code
 * Combine.perKey} that spreads keys over workers (better for millions of keys, slower for few keys
 * on the DirectRunner, which pays about a millisecond per key per GroupByKey). {@link #counts()}
 * sums the record counts; they satisfy {@code records_read == records_ok + dead_letters}.
 */
public final class ChunkedCsvStats extends PTransform<PCollection<CsvChunk>, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<ChunkReport> REPORTS = new TupleTag<>("reports") {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<>("deadLetters") {};

  public static final String RECORDS_READ = "records_read";
  public static final String RECORDS_OK = "records_ok";
  public static final String DEAD_LETTER_COUNT = "dead_letters";

  /** How many bytes of an over-long record a dead letter keeps. */
  public static final int TOO_LONG_KEEP_BYTES = 1024;

  private final CsvDialect dialect;
  private final int maxRecordBytes;
  private final String valueColumn;
  private final SimulatedWork work;
  private final String deadLetterDir;
  private final int[] distributionKeys;
  private final boolean locatedInput;

  private ChunkedCsvStats(
      CsvDialect dialect, int maxRecordBytes, String valueColumn, SimulatedWork work, String deadLetterDir,
      int[] distributionKeys, boolean locatedInput) {
    this.dialect = dialect;
    this.maxRecordBytes = maxRecordBytes;
    this.valueColumn = valueColumn;
    this.work = work;
    this.deadLetterDir = deadLetterDir;
    this.distributionKeys = distributionKeys;
    this.locatedInput = locatedInput;
  }

  /**
   * @param valueColumn name of the value column, used in dead-letter reasons
   */
  public static ChunkedCsvStats of(String valueColumn) {
    return new ChunkedCsvStats(CsvDialect.RFC4180, 1 << 20, valueColumn, SimulatedWork.none(), null, null, false);
  }

  public ChunkedCsvStats withDialect(CsvDialect d) {
    return new ChunkedCsvStats(d, maxRecordBytes, valueColumn, work, deadLetterDir, distributionKeys, locatedInput);
  }

  public ChunkedCsvStats withMaxRecordBytes(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxRecordBytes must be positive, got " + n);
    }
    return new ChunkedCsvStats(dialect, n, valueColumn, work, deadLetterDir, distributionKeys, locatedInput);
  }

  public ChunkedCsvStats withWork(SimulatedWork w) {
    return new ChunkedCsvStats(dialect, maxRecordBytes, valueColumn, w, deadLetterDir, distributionKeys, locatedInput);
  }

  /**
   * Writes dead letters straight to one CSV file per chunk (rows only, no header) under {@code dir}
   * instead of emitting them on {@link #DEAD_LETTERS}; each {@link ChunkReport} names its file. A
   * chunk writes to a temporary name and renames at the end, and a retried chunk overwrites the
   * same file, so no dead letter is lost or doubled. Nothing travels through the runner, and memory
   * stays bounded however many records are bad.
   */
  public ChunkedCsvStats withDeadLetterDirectory(String dir) {
    return new ChunkedCsvStats(dialect, maxRecordBytes, valueColumn, work, dir, distributionKeys, locatedInput);
  }

  /**
   * The keys of the shuffle that hands located chunks to the workers: chunk number i (in input
   * order) gets {@code keys[i % keys.length]}. By default every chunk gets its own key, which the
   * DirectRunner turns into one bundle per chunk. A runner that sends a key to the worker chosen
   * by a hash of it (Flink) may put two chunks on one worker and leave another idle; keys chosen
   * to land on distinct workers avoid that.
   */
  public ChunkedCsvStats withDistributionKeys(int[] keys) {
    return new ChunkedCsvStats(dialect, maxRecordBytes, valueColumn, work, deadLetterDir, keys.clone(), locatedInput);
  }

  /**
   * Declares that the input chunks are located already, for example by {@link
   * ChunkLocator#scanAndLocate} on the launcher: the transform then skips its own scan pass and
   * the two shuffles around it. A chunk that is not located fails the pipeline.
   */
  public ChunkedCsvStats withLocatedChunks() {
    return new ChunkedCsvStats(dialect, maxRecordBytes, valueColumn, work, deadLetterDir, distributionKeys, true);
  }

  @Override
  public PCollectionTuple expand(PCollection<CsvChunk> chunks) {
    CsvChunk.Coder chunkCoder = CsvChunk.Coder.of();
    KvCoder<Integer, CsvChunk> keyedCoder = KvCoder.of(VarIntCoder.of(), chunkCoder);
    PCollection<KV<Integer, CsvChunk>> keyed;
    if (locatedInput) {
      keyed = chunks.apply("KeyForWorkers", ParDo.of(new KeyForWorkersFn(distributionKeys))).setCoder(keyedCoder);
    } else {
      keyed =
          chunks
              .apply("DistributeForScan", Reshuffle.viaRandomKey())
              .apply("ScanStates", ParDo.of(new ScanChunkFn(dialect)))
              .setCoder(
                  KvCoder.of(
                      VarIntCoder.of(),
                      KvCoder.of(chunkCoder, ChunkTransitions.Coder.of())))
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
                ParDo.of(new ParseChunkFn(dialect, maxRecordBytes, valueColumn, work, deadLetterDir))
                    .withOutputTags(REPORTS, TupleTagList.of(DEAD_LETTERS)));
    parsed.get(REPORTS).setCoder(ChunkReport.Coder.of());
    parsed.get(DEAD_LETTERS).setCoder(DeadLetter.Coder.of());
    return parsed;
  }

  /** The shuffle key of a chunk: its ordinal, or the distribution key its ordinal picks. */
  static int workerKey(CsvChunk c, int[] keys) {
    return keys == null || keys.length == 0 ? c.ordinal() : keys[c.ordinal() % keys.length];
  }

  /** Final statistics per key from the chunk reports, reduced by a combiner-lifted Combine.perKey. */
  public static PTransform<PCollection<ChunkReport>, PCollection<KV<String, DecimalStats>>> perKey() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, DecimalStats>> expand(PCollection<ChunkReport> reports) {
        return reports
            .apply("ExplodePartials", ParDo.of(new DoFn<ChunkReport, KV<String, DecimalStats>>() {
              @ProcessElement
              public void process(@Element ChunkReport r, OutputReceiver<KV<String, DecimalStats>> out) {
                r.partials().forEach((k, v) -> out.output(KV.of(k, v)));
              }
            }))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of()))
            .apply("ReducePerKey", KeyedStatistics.ofPartials());
      }
    };
  }

  /** Total {@code records_read}, {@code records_ok} and {@code dead_letters} from the chunk reports. */
  public static PTransform<PCollection<ChunkReport>, PCollection<KV<String, Long>>> counts() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, Long>> expand(PCollection<ChunkReport> reports) {
        return reports
            .apply("ExplodeCounts", ParDo.of(new DoFn<ChunkReport, KV<String, Long>>() {
              @ProcessElement
              public void process(@Element ChunkReport r, OutputReceiver<KV<String, Long>> out) {
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

  /** Summarises each chunk: its end state for every start state, and its LF count. */
  static final class ScanChunkFn extends DoFn<CsvChunk, KV<Integer, KV<CsvChunk, ChunkTransitions>>> {
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
    public void process(@Element CsvChunk chunk, OutputReceiver<KV<Integer, KV<CsvChunk, ChunkTransitions>>> out)
        throws IOException {
      ChunkTransitions summary;
      try (ReadableByteChannel ch = ChunkIO.openAt(chunk.file().path(), chunk.start())) {
        summary = ChunkTransitions.scan(ch, chunk.length(), states);
      } catch (IOException | RuntimeException e) {
        throw chunkFailure(chunk, e);
      }
      out.output(KV.of(0, KV.of(chunk, summary)));
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
        @Element KV<Integer, Iterable<KV<CsvChunk, ChunkTransitions>>> all, OutputReceiver<KV<Integer, CsvChunk>> out) {
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

  /**
   * Why a record whose extent is wrong is a dead letter: a quoted field that is never closed (the
   * rest of the file became one record), or a record longer than the maximum. Says where the quote
   * that explains it opened and how many bytes and lines the record covers.
   */
  static String framingError(RawRecord rec, int maxRecordBytes) {
    String extent = rec.fullLength() + " bytes" + (rec.lines() == 1 ? "" : " over " + rec.lines() + " lines");
    String kept = "; the record column holds its first " + Math.min(TOO_LONG_KEEP_BYTES, rec.length()) + " bytes";
    if (rec.hasUnterminatedQuote()) {
      return "unterminated quoted field: the quote opened on line " + rec.openQuoteLine()
          + " is never closed, so the record runs to the end of the file (" + extent + ")" + kept;
    }
    String quoted = rec.openQuoteLine() > 0
        ? "; a quoted field opened on line " + rec.openQuoteLine() + " holds line breaks"
        : "";
    return "record longer than the maximum of " + maxRecordBytes + " bytes (" + extent + quoted + ")" + kept;
  }

  /**
   * The failure of one chunk, named by its file, index and byte range, with the cause's type and
   * message in its own message: the runners wrap it (and Flink may ship it as a serialized copy),
   * and whoever reports the failure in one line finds everything in the innermost message. The
   * cause is attached as a suppressed exception, so its stack trace still reaches the logs.
   */
  static IOException chunkFailure(CsvChunk chunk, Exception cause) {
    String why = cause.getMessage() == null || cause.getMessage().isBlank()
        ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + cause.getMessage().strip().replace('\n', ' ');
    IOException e = new IOException("chunk " + chunk.index() + " of " + chunk.file().path()
        + " (bytes " + chunk.start() + "-" + chunk.end() + "): " + why);
    e.addSuppressed(cause);
    return e;
  }

  /** Parses the records of each chunk, does the work and pre-aggregates per key. */
  static final class ParseChunkFn extends DoFn<KV<Integer, Iterable<CsvChunk>>, ChunkReport> {
    private static final long serialVersionUID = 1L;

    private final CsvDialect dialect;
    private final int maxRecordBytes;
    private final String valueColumn;
    private final SimulatedWork work;
    private final String deadLetterDir;

    private final Counter readCounter = Metrics.counter(ChunkedCsvStats.class, RECORDS_READ);
    private final Counter okCounter = Metrics.counter(ChunkedCsvStats.class, RECORDS_OK);
    private final Counter deadCounter = Metrics.counter(ChunkedCsvStats.class, DEAD_LETTER_COUNT);
    private final Counter chunkCounter = Metrics.counter(ChunkedCsvStats.class, "chunks_parsed");

    private transient FieldSplitter splitter;

    ParseChunkFn(
        CsvDialect dialect, int maxRecordBytes, String valueColumn, SimulatedWork work, String deadLetterDir) {
      this.dialect = dialect;
      this.maxRecordBytes = maxRecordBytes;
      this.valueColumn = valueColumn;
      this.work = work;
      this.deadLetterDir = deadLetterDir;
    }

    @Setup
    public void setup() {
      splitter = new FieldSplitter(dialect);
      work.prepare();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<CsvChunk>> chunks, MultiOutputReceiver out) throws IOException {
      for (CsvChunk chunk : chunks.getValue()) {
        try {
          parse(chunk, out);
        } catch (IOException | RuntimeException e) {
          throw chunkFailure(chunk, e);
        }
      }
    }

    private void parse(CsvChunk chunk, MultiOutputReceiver out) throws IOException {
      if (!chunk.isLocated()) {
        throw new IllegalStateException("chunk " + chunk + " was not located before parsing");
      }
      String path = chunk.file().path();
      int fields = chunk.file().fieldCount();
      int keyIndex = chunk.file().keyIndex();
      int valueIndex = chunk.file().valueIndex();
      Map<String, DecimalStats> partial = new HashMap<>();
      long read = 0;
      long ok = 0;
      long dead = 0;
      long deadBytes = 0;
      long unterminated = 0;
      OutputReceiver<DeadLetter> deadOut = out.get(DEAD_LETTERS);
      DeadLetterFile deadFile = deadLetterDir == null ? null : new DeadLetterFile(deadLetterDir, chunk);
      try (ReadableByteChannel ch = ChunkIO.openAt(path, chunk.start())) {
        RecordReader reader = new RecordReader(ch, chunk.start(), chunk.startLine(), dialect, maxRecordBytes);
        reader.skipToRecordStart(chunk.startState());
        RawRecord rec = new RawRecord();
        while (reader.position() < chunk.end() && reader.next(rec)) {
          if (rec.fileOffset() >= chunk.end()) {
            break; // blank lines led past the end: the record belongs to the next chunk
          }
          read++;
          String reason = null;
          String key = null;
          if (rec.hasUnterminatedQuote() || rec.isTooLong()) {
            reason = framingError(rec, maxRecordBytes);
            unterminated += rec.hasUnterminatedQuote() ? 1 : 0;
          } else if (!splitter.split(rec.bytes(), rec.offset(), rec.length())) {
            reason = splitter.error();
          } else if (splitter.fieldCount() != fields) {
            reason = "expected " + fields + " fields, found " + splitter.fieldCount();
          } else {
            key = splitter.field(keyIndex);
            String text = splitter.field(valueIndex);
            Decimals.Parsed value = Decimals.parse(text);
            if (value.value == null) {
              reason = valueColumn + ": " + value.error + ": '" + text + "'";
            } else {
              work.run(key);
              DecimalStats s = partial.get(key);
              if (s == null) {
                s = new DecimalStats();
                partial.put(key, s);
              }
              s.add(value.value);
              ok++;
            }
          }
          if (reason != null) {
            dead++;
            deadBytes += rec.fullLength();
            String text = rec.hasUnterminatedQuote() || rec.isTooLong() ? rec.text(TOO_LONG_KEEP_BYTES) : rec.text();
            DeadLetter letter = new DeadLetter(path, rec.line(), reason, text);
            if (deadFile != null) {
              deadFile.write(letter);
            } else {
              deadOut.output(letter);
            }
          }
        }
        if (reader.position() < chunk.end()) {
          // the chunk was planned from the file's size: a file that ends early has shrunk since,
          // and reading on would silently count fewer records
          throw new java.io.EOFException(path + " ended at byte " + reader.position() + ", before byte "
              + chunk.end() + " where the chunk was planned to end; the file shrank after the job planned its chunks");
        }
      } catch (IOException | RuntimeException e) {
        if (deadFile != null) {
          deadFile.abandon();
        }
        throw e;
      }
      String deadLetterPath = deadFile == null ? "" : deadFile.commit();
      out.get(REPORTS).output(new ChunkReport(
          path, chunk.index(), read, ok, dead, deadBytes, unterminated, deadLetterPath, new TreeMap<>(partial)));
      readCounter.inc(read);
      okCounter.inc(ok);
      deadCounter.inc(dead);
      chunkCounter.inc();
    }
  }
}
