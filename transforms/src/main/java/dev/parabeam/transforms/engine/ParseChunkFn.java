package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.DeadLetterFile;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.CsvDialect;
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
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Step {@code ParseRecords} of {@link ChunkedCsv}: parses the records of each chunk, applies the
 * record function and pre-aggregates per key, one unit of work at a time. Every record read ends as
 * a good record or one dead letter, with the reason ({@link #framingError}, the field splitter's,
 * the field count, or the record function's). A good record goes one of three ways: into the unit's
 * {@link KeyedAccumulators} (a fused function that has them: the built-in jobs), into its key's
 * accumulator by the view's key id (a fused function without them), or through {@code apply} and
 * {@code addInput}. About 600 lines, for the one loop, its three ways and its dead-letter rules,
 * kept together on purpose.
 */
final class ParseChunkFn<K, V, A> extends DoFn<KV<Integer, Iterable<CsvChunk>>, ChunkResult<K, A>> {
  private static final long serialVersionUID = 1L;

  private final RecordFn<K, V> fn;
  private final CombineFn<V, A, ?> combineFn;
  private final CsvDialect dialect;
  private final int maxRecordBytes;
  private final String deadLetterDir;

  /** The applied transform's identity in its dead-letter files' names (fixed at construction). */
  private final String deadLetterOwner;

  private final TupleTag<ChunkResult<K, A>> resultsTag;
  private final SpillSettings spill;
  private final Coder<K> keyCoder;
  private final Coder<A> accumulatorCoder;
  private final Comparator<? super K> keyOrder;

  private final Counter readCounter = Metrics.counter(ChunkedCsv.class, ChunkedCsv.RECORDS_READ);
  private final Counter okCounter = Metrics.counter(ChunkedCsv.class, ChunkedCsv.RECORDS_OK);
  private final Counter deadCounter =
      Metrics.counter(ChunkedCsv.class, ChunkedCsv.DEAD_LETTER_COUNT);
  private final Counter chunkCounter = Metrics.counter(ChunkedCsv.class, "chunks_parsed");
  private final Counter spillCounter = Metrics.counter(ChunkedCsv.class, "spilled_runs");
  // the input bytes parsed so far, a few MB at a time while a chunk is read (a run's progress)
  private final Counter bytesCounter = Metrics.counter(ChunkedCsv.class, ChunkedCsv.BYTES_PARSED);
  private final Distribution unitMillis = Metrics.distribution(ChunkedCsv.class, "unit_parse_ms");
  private final Distribution unitRecords = Metrics.distribution(ChunkedCsv.class, "unit_records");
  private final StepElements elements = new StepElements();

  /** How many bytes of a chunk are read between two updates of the bytes counter. */
  static final long PROGRESS_BYTES = 4L << 20;

  /** Whether the keys' equals agrees with their coder; else they group by structural value. */
  private transient boolean keysByEquals;

  private transient FieldSplitter splitter;
  private transient Pending<K, V> pending;

  /** The record function when it adds records into accumulators itself, else null. */
  private transient AccumulatingRecordFn<K, V, A> fused;

  ParseChunkFn(
      RecordFn<K, V> fn,
      CombineFn<V, A, ?> combineFn,
      CsvDialect dialect,
      int maxRecordBytes,
      String deadLetterDir,
      String deadLetterOwner,
      TupleTag<ChunkResult<K, A>> resultsTag,
      SpillSettings spill,
      Coder<K> keyCoder,
      Coder<A> accumulatorCoder,
      Comparator<? super K> keyOrder) {
    this.spill = spill;
    this.keyCoder = keyCoder;
    this.accumulatorCoder = accumulatorCoder;
    this.keyOrder = keyOrder;
    this.fn = fn;
    this.combineFn = combineFn;
    this.dialect = dialect;
    this.maxRecordBytes = maxRecordBytes;
    this.deadLetterDir = deadLetterDir;
    this.deadLetterOwner = deadLetterOwner;
    this.resultsTag = resultsTag;
  }

  @Setup
  public void setup() {
    splitter = new FieldSplitter(dialect);
    pending = new Pending<>();
    keysByEquals = keyCoder.consistentWithEquals();
    fused = fusedFor(fn, combineFn);
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

  @SuppressWarnings("unchecked")
  static <K, V, A> AccumulatingRecordFn<K, V, A> fusedFor(
      RecordFn<K, V> fn, CombineFn<V, A, ?> combineFn) {
    if (fn instanceof AccumulatingRecordFn
        && ((AccumulatingRecordFn<K, V, A>) fn).accumulatesFor(combineFn)) {
      return (AccumulatingRecordFn<K, V, A>) fn;
    }
    return null;
  }

  /** Reads the chunks of one unit of work, in plan order, into its results (one per 1,000 keys). */
  private void parseUnit(List<CsvChunk> unit, MultiOutputReceiver out) throws IOException {
    long startMillis = System.currentTimeMillis();
    long startNanos = System.nanoTime();
    CsvChunk first = unit.get(0);
    Unit<K, A> u =
        new Unit<>(
            deadLetterDir == null
                ? null
                : new DeadLetterFile(deadLetterDir, deadLetterOwner, first.unit()),
            spill == null
                ? null
                : new Spiller<>(spill, keyCoder, accumulatorCoder, keyOrder, first.unit()));
    if (fused != null && keysByEquals && fused.returnsTheViewsKey()) {
      // a quarter of the unit's share of memory at most: the rest is for the map it drains into
      long columnBytes =
          spill == null ? COLUMN_BYTES : Math.min(COLUMN_BYTES, spill.unitShare() / 4);
      u.columns = fused.keyedAccumulators(columnBytes);
    }
    try {
      for (CsvChunk chunk : unit) {
        try {
          parse(chunk, u, out.get(ChunkedCsv.DEAD_LETTERS));
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
    if (u.columns != null) {
      drain(u);
    }
    String deadLetterPath = u.deadFile == null ? "" : u.deadFile.commit();
    if (u.spiller != null
        && !u.partial.isEmpty()
        && (u.spiller.spilled() || !u.spiller.keepInMemory(u.partial))) {
      // a unit that spilled sends all its keys as runs, and so does one too big to send in memory
      u.spiller.spill(u.partial);
      u.partial = new HashMap<>();
    }
    List<RunSegment> runs = u.spiller == null ? List.of() : u.spiller.runs();
    // when and where the unit ran, carried by its first result (the one with the counts)
    long bytes = 0;
    for (CsvChunk c : unit) {
      bytes += c.weight();
    }
    // its end from the monotonic clock, rounded up: a unit takes time, however little
    long millis = (System.nanoTime() - startNanos + 999_999) / 1_000_000;
    u.span = new UnitSpan(UnitSpan.currentWorker(), startMillis, startMillis + millis, bytes);
    unitMillis.update(millis);
    unitRecords.update(u.read);
    // A unit's keys travel in results of at most ChunkedCsv.MAX_KEYS_PER_RESULT keys: one element
    // of many
    // thousand keys (each with a sketch, say) outgrows what a runner moves in one piece (Flink's
    // sort buffer takes 8 MiB). The first carries the counts; each key is in exactly one.
    Map<K, A> piece = new HashMap<>();
    boolean firstPiece = true;
    for (Map.Entry<K, A> e : u.partial.entrySet()) {
      piece.put(e.getKey(), e.getValue());
      if (piece.size() == ChunkedCsv.MAX_KEYS_PER_RESULT) {
        emit(out, first, unit.size(), u, deadLetterPath, piece, firstPiece, runs);
        piece = new HashMap<>();
        firstPiece = false;
      }
    }
    if (firstPiece || !piece.isEmpty()) {
      emit(out, first, unit.size(), u, deadLetterPath, piece, firstPiece, runs);
    }
    readCounter.inc(u.read);
    okCounter.inc(u.ok);
    deadCounter.inc(u.dead);
    chunkCounter.inc(unit.size());
    elements.in(unit.size());
    if (u.spiller != null) {
      spillCounter.inc(u.spiller.files().size());
    }
  }

  private void emit(
      MultiOutputReceiver out,
      CsvChunk first,
      int chunks,
      Unit<K, A> u,
      String deadLetterPath,
      Map<K, A> partials,
      boolean withCounts,
      List<RunSegment> runs) {
    elements.out(1);
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
                        partials,
                        runs)
                    .withSpan(u.span)
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

  @SuppressWarnings("unchecked") // byId holds the unit's accumulators
  private void parse(CsvChunk chunk, Unit<K, A> u, OutputReceiver<DeadLetter> deadOut)
      throws IOException {
    if (!chunk.isLocated()) {
      throw new IllegalStateException("chunk " + chunk + " was not located before parsing");
    }
    String path = chunk.file().path();
    int fields = chunk.file().fieldCount();
    CsvRecord view = new CsvRecord(path, chunk.file().columns(), dialect.charset());
    Map<K, A> partial = u.partial;
    // byId[view.keyId()]: the accumulator in partial of the key of that id in this chunk's view
    boolean byViewKeyId = fused != null && keysByEquals && fused.returnsTheViewsKey();
    Object[] byId = new Object[byViewKeyId ? 64 : 0];
    Arrays.fill(u.slotOfView, 0); // a new view: the ids of the unit's last chunk mean nothing here
    try (ReadableByteChannel ch = ChunkIO.open(chunk.file(), chunk.start())) {
      RecordReader reader =
          new RecordReader(ch, chunk.start(), chunk.startLine(), dialect, maxRecordBytes);
      reader.skipToRecordStart(chunk.startState());
      RawRecord rec = new RawRecord();
      long reported = chunk.start();
      while (reader.position() < chunk.end() && reader.next(rec)) {
        if (rec.fileOffset() >= chunk.end()) {
          break; // blank lines led past the end: the record belongs to the next chunk
        }
        if (reader.position() - reported >= PROGRESS_BYTES && !chunk.toEnd()) {
          long at = Math.min(reader.position(), chunk.end());
          progress(at - reported);
          reported = at;
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
          if (fused != null) {
            K key = fused.read(view.at(splitter, rec.line()), pending);
            reason = pending.rejected;
            if (reason == null) {
              int id = byViewKeyId ? view.keyId() : -1;
              if (u.columns != null && id < 0) {
                // a key the view keeps no id for: the unit has more keys than the view's tables
                // hold, where the columns' slot look-up costs more than it saves (aggregate with
                // 50,000 keys: 18% slower); the map's way from here on, the columns drained into
                // it first, so every key's records stay in order
                partial = drain(u);
                u.columns = null;
              }
              if (u.columns != null) {
                // the key's slot in the unit's columns by the view's id of the key
                int slot = id < u.slotOfView.length ? u.slotOfView[id] - 1 : -1;
                if (slot < 0) {
                  slot = u.slot(key);
                  if (id >= u.slotOfView.length) {
                    u.slotOfView =
                        Arrays.copyOf(u.slotOfView, Math.max(id + 1, u.slotOfView.length * 2));
                  }
                  u.slotOfView[id] = slot + 1;
                }
                u.columns.add(slot);
                if (u.columns.full()) {
                  partial = drain(u);
                }
              } else {
                // the key's accumulator by the view's id of the key while partial holds it, else
                // from partial (a key an earlier chunk of the unit saw) or new
                A acc = id >= 0 && id < byId.length ? (A) byId[id] : null;
                if (acc == null) {
                  acc = partial.get(key = canonical(u, key));
                }
                boolean fresh = acc == null;
                A next = fused.addTo(fresh ? combineFn.createAccumulator() : acc);
                Map<K, A> after = keep(u, partial, key, next, acc, fresh);
                if (after != partial) {
                  Arrays.fill(byId, null); // spilled: partial starts empty
                  partial = after;
                } else if (id >= 0) {
                  if (id >= byId.length) {
                    byId = Arrays.copyOf(byId, Math.max(id + 1, byId.length * 2));
                  }
                  byId[id] = next;
                }
              }
              u.ok++;
            }
          } else {
            fn.apply(view.at(splitter, rec.line()), pending);
            reason = pending.rejected;
            if (reason == null) {
              for (int i = 0; i < pending.size; i++) {
                K key = canonical(u, pending.keys[i]);
                A acc = partial.get(key);
                boolean fresh = acc == null;
                A next =
                    combineFn.addInput(
                        fresh ? combineFn.createAccumulator() : acc, pending.values[i]);
                partial = keep(u, partial, key, next, acc, fresh);
              }
              u.ok++;
            }
          }
        }
        if (reason != null) {
          u.dead++;
          u.deadBytes += rec.fullLength();
          // the record as text in its own encoding, so that dead-letters.csv is UTF-8 like every
          // output
          String text =
              rec.hasUnterminatedQuote() || rec.isTooLong()
                  ? rec.text(ChunkedCsv.TOO_LONG_KEEP_BYTES, dialect.charset())
                  : rec.text(dialect.charset());
          DeadLetter letter = new DeadLetter(path, rec.line(), reason, text);
          if (u.deadFile != null) {
            u.deadFile.write(letter);
          } else {
            deadOut.output(letter);
          }
        }
      }
      // the rest of the chunk (all of a compressed one, by its stored size)
      progress(chunk.toEnd() ? chunk.weight() : chunk.end() - reported);
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

  /** Counts {@code bytes} parsed: in Beam's metrics, and for this JVM's progress bar. */
  private void progress(long bytes) {
    bytesCounter.inc(bytes);
    if (spill != null) {
      LocalProgress.add(spill.dir(), bytes);
    }
  }

  /**
   * The key that stands for {@code key} in the unit's map: itself, or for keys whose equals
   * disagrees with their coder, the first key seen of its structural value (grouping as Beam does,
   * byte[] by its bytes).
   */
  private K canonical(Unit<K, A> u, K key) {
    if (keysByEquals) {
      return key;
    }
    Object value = keyCoder.structuralValue(key);
    K first = u.canonical.putIfAbsent(value, key);
    return first == null ? key : first;
  }

  /**
   * Puts {@code next}, the key's accumulator after the record ({@code acc} before it, unless {@code
   * fresh}), into the unit's map, and spills the map when it has outgrown its budget; returns the
   * map to go on with.
   */
  private Map<K, A> keep(Unit<K, A> u, Map<K, A> partial, K key, A next, A acc, boolean fresh)
      throws IOException {
    if (fresh || next != acc) {
      partial.put(key, next);
    }
    if (u.spiller != null && u.spiller.touched(partial, key, fresh)) {
      u.spiller.spill(partial);
      // about as many keys come again: sized for them, the map does not grow in steps
      u.partial = new HashMap<>(partial.size() * 4 / 3 + 16);
      u.canonical.clear();
      return u.partial;
    }
    return partial;
  }

  /** The most the unit's {@link KeyedAccumulators} hold before they are drained into its map. */
  static final long COLUMN_BYTES = 16L << 20;

  /**
   * Adds what the unit's columns hold into its map (each key's accumulator there, or a new one),
   * spills the map if it has outgrown its budget, and starts the columns' slots again; returns the
   * map to go on with.
   */
  private Map<K, A> drain(Unit<K, A> u) throws IOException {
    int n = u.slotKeys.size();
    Map<K, A> partial = u.partial;
    List<A> accs = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      accs.add(partial.get(u.slotKeys.get(k)));
    }
    List<A> before = new ArrayList<>(accs);
    u.columns.drainInto(accs, n);
    // every key is in the map before the spill's check says anything: the spill writes the map
    // whole, and a key put after it would count its records twice
    boolean spillNow = false;
    for (int k = 0; k < n; k++) {
      K key = u.slotKeys.get(k);
      if (accs.get(k) != before.get(k)) {
        partial.put(key, accs.get(k));
      }
      if (u.spiller != null) {
        spillNow |= u.spiller.touched(partial, key, before.get(k) == null);
      }
    }
    u.slotKeys.clear();
    u.slotOf.clear();
    Arrays.fill(u.slotOfView, 0);
    if (spillNow) {
      u.spiller.spill(partial);
      u.partial = new HashMap<>(partial.size() * 4 / 3 + 16);
    }
    return u.partial;
  }

  /** What the chunks of one unit of work have found so far. */
  static final class Unit<K, A> {
    Map<K, A> partial = new HashMap<>();

    /**
     * The fused function's columns, with the key of each slot, the slot of each key, and the slot +
     * 1 of each key id of the current chunk's view (0: none yet); null when the unit adds into the
     * map directly.
     */
    KeyedAccumulators<A> columns;

    final List<K> slotKeys = new ArrayList<>();
    final Map<K, Integer> slotOf = new HashMap<>();
    int[] slotOfView = new int[64];

    int slot(K key) {
      Integer s = slotOf.get(key);
      if (s == null) {
        s = slotKeys.size();
        slotKeys.add(key);
        slotOf.put(key, s);
      }
      return s;
    }

    /** A key per structural value, for keys whose equals disagrees with the coder (else empty). */
    final Map<Object, K> canonical = new HashMap<>();

    final DeadLetterFile deadFile;
    final Spiller<K, A> spiller;
    long read;
    long ok;
    long dead;
    long deadBytes;
    long unterminated;
    UnitSpan span;

    Unit(DeadLetterFile deadFile, Spiller<K, A> spiller) {
      this.deadFile = deadFile;
      this.spiller = spiller;
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
            + Math.min(ChunkedCsv.TOO_LONG_KEEP_BYTES, rec.length())
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
}
