package dev.parabeam.transforms.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What one unit of work of a {@link ChunkedCsv} found (a unit is one chunk, or several small ones
 * packed together, see {@code ChunkPlanner#pack}): the accumulators of its good records per key
 * (pre-aggregated inside the unit with the job's {@code CombineFn}), how many records it read, how
 * many were good, how many became dead letters (and their bytes, and how many of them are quoted
 * fields never closed), and the file that holds its dead letters ("" if none). One per unit; a
 * retried unit reports again with the same figures and overwrites the same dead-letter file, so the
 * totals stay exact. The runner moves one of these per unit, not one per record nor per file.
 */
public final class ChunkResult<K, A> {
  /** Unit order, which is the order of the records in the input (units hold consecutive chunks). */
  public static final Comparator<ChunkResult<?, ?>> INPUT_ORDER =
      Comparator.comparingInt(ChunkResult::unit);

  private final int unit;
  private final int chunks;
  private final String file;
  private final int chunkIndex;
  private final long read;
  private final long ok;
  private final long dead;
  private final long deadBytes;
  private final long unterminated;
  private final String deadLetterFile;
  private final Map<K, A> partials;
  private final List<RunSegment> runs;
  private final UnitSpan span; // the first result of a unit that ParseChunkFn timed, else null

  /** The result of a unit that is one chunk, numbered by {@code chunkIndex}. */
  public ChunkResult(
      String file,
      int chunkIndex,
      long read,
      long ok,
      long dead,
      long deadBytes,
      long unterminated,
      String deadLetterFile,
      Map<K, A> partials) {
    this(
        chunkIndex,
        1,
        file,
        chunkIndex,
        read,
        ok,
        dead,
        deadBytes,
        unterminated,
        deadLetterFile,
        partials);
  }

  /**
   * @param unit the unit of work, which orders the results as the input is ordered
   * @param chunks how many chunks the unit held
   * @param file the file of the unit's first chunk
   * @param chunkIndex the index of the unit's first chunk in its file
   */
  public ChunkResult(
      int unit,
      int chunks,
      String file,
      int chunkIndex,
      long read,
      long ok,
      long dead,
      long deadBytes,
      long unterminated,
      String deadLetterFile,
      Map<K, A> partials) {
    this(
        unit,
        chunks,
        file,
        chunkIndex,
        read,
        ok,
        dead,
        deadBytes,
        unterminated,
        deadLetterFile,
        partials,
        List.of());
  }

  /**
   * As above, with the sorted run segments ({@link RunSegment}) the unit spilled its keys to when
   * they outgrew its memory budget; the in-memory {@code partials} then hold no key.
   */
  public ChunkResult(
      int unit,
      int chunks,
      String file,
      int chunkIndex,
      long read,
      long ok,
      long dead,
      long deadBytes,
      long unterminated,
      String deadLetterFile,
      Map<K, A> partials,
      List<RunSegment> runs) {
    this(
        unit,
        chunks,
        file,
        chunkIndex,
        read,
        ok,
        dead,
        deadBytes,
        unterminated,
        deadLetterFile,
        partials,
        runs,
        null);
  }

  private ChunkResult(
      int unit,
      int chunks,
      String file,
      int chunkIndex,
      long read,
      long ok,
      long dead,
      long deadBytes,
      long unterminated,
      String deadLetterFile,
      Map<K, A> partials,
      List<RunSegment> runs,
      UnitSpan span) {
    this.span = span;
    this.unit = unit;
    this.chunks = chunks;
    this.file = file;
    this.chunkIndex = chunkIndex;
    this.read = read;
    this.ok = ok;
    this.dead = dead;
    this.deadBytes = deadBytes;
    this.unterminated = unterminated;
    this.deadLetterFile = deadLetterFile;
    this.partials = Collections.unmodifiableMap(partials);
    this.runs = List.copyOf(runs);
  }

  /** The same counts and runs without the in-memory partials (once they are merged). */
  public ChunkResult<K, A> withoutPartials() {
    return new ChunkResult<>(
        unit,
        chunks,
        file,
        chunkIndex,
        read,
        ok,
        dead,
        deadBytes,
        unterminated,
        deadLetterFile,
        Map.of(),
        runs,
        span);
  }

  /** This result with the span of its unit (for a unit's first result, which has its counts). */
  public ChunkResult<K, A> withSpan(UnitSpan s) {
    return new ChunkResult<>(
        unit,
        chunks,
        file,
        chunkIndex,
        read,
        ok,
        dead,
        deadBytes,
        unterminated,
        deadLetterFile,
        partials,
        runs,
        s);
  }

  /** When and where the unit ran, on its first result; null on the others (and if untimed). */
  public UnitSpan span() {
    return span;
  }

  /** Keys only, of this unit: {@code partials} and {@code runs}, no counts (one partition's). */
  public ChunkResult<K, A> keysOnly(Map<K, A> partials, List<RunSegment> runs) {
    return new ChunkResult<>(unit, 0, file, chunkIndex, 0, 0, 0, 0, 0, "", partials, runs);
  }

  /** The unit of work: results in unit order are in input order. */
  public int unit() {
    return unit;
  }

  /**
   * How many chunks the unit held; 0 for a further result of a unit with more keys than one result
   * carries, which holds keys only (the unit's first result has its counts).
   */
  public int chunks() {
    return chunks;
  }

  public String file() {
    return file;
  }

  public int chunkIndex() {
    return chunkIndex;
  }

  public long read() {
    return read;
  }

  public long ok() {
    return ok;
  }

  public long dead() {
    return dead;
  }

  /**
   * Bytes of the input (line terminators excluded) taken by the records that became dead letters.
   */
  public long deadBytes() {
    return deadBytes;
  }

  /** How many dead letters are quoted fields never closed: each holds the rest of its file. */
  public long unterminated() {
    return unterminated;
  }

  /**
   * Path of the file holding this chunk's dead-letter rows (no header), or "" when there is none.
   */
  public String deadLetterFile() {
    return deadLetterFile;
  }

  /** Accumulator per key of this chunk's good records (do not modify). */
  public Map<K, A> partials() {
    return partials;
  }

  /** The sorted run segments the unit spilled its keys to (empty if it kept them in memory). */
  public List<RunSegment> runs() {
    return runs;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChunkResult)) {
      return false;
    }
    ChunkResult<?, ?> r = (ChunkResult<?, ?>) o;
    return unit == r.unit
        && chunks == r.chunks
        && chunkIndex == r.chunkIndex
        && read == r.read
        && ok == r.ok
        && dead == r.dead
        && deadBytes == r.deadBytes
        && unterminated == r.unterminated
        && file.equals(r.file)
        && deadLetterFile.equals(r.deadLetterFile)
        && partials.equals(r.partials)
        && runs.equals(r.runs)
        && Objects.equals(span, r.span);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        unit, chunks, file, chunkIndex, read, ok, dead, deadBytes, unterminated, deadLetterFile);
  }

  @Override
  public String toString() {
    return "unit "
        + unit
        + " ("
        + chunks
        + " chunks from "
        + file
        + "#"
        + chunkIndex
        + "): read "
        + read
        + ", ok "
        + ok
        + ", dead "
        + dead
        + ", "
        + partials.size()
        + " keys"
        + (runs.isEmpty() ? "" : ", " + runs.size() + " run segments");
  }

  /** Coder for {@link ChunkResult}, from the coders of the keys and of the accumulators. */
  public static final class ResultCoder<K, A> extends CustomCoder<ChunkResult<K, A>> {
    private static final long serialVersionUID = 1L;
    private final Coder<K> keyCoder;
    private final Coder<A> accumulatorCoder;

    private ResultCoder(Coder<K> keyCoder, Coder<A> accumulatorCoder) {
      this.keyCoder = keyCoder;
      this.accumulatorCoder = accumulatorCoder;
    }

    public static <K, A> ResultCoder<K, A> of(Coder<K> keyCoder, Coder<A> accumulatorCoder) {
      return new ResultCoder<>(keyCoder, accumulatorCoder);
    }

    public Coder<K> keyCoder() {
      return keyCoder;
    }

    public Coder<A> accumulatorCoder() {
      return accumulatorCoder;
    }

    @Override
    public void encode(ChunkResult<K, A> r, OutputStream out) throws IOException {
      VarIntCoder.of().encode(r.unit, out);
      VarIntCoder.of().encode(r.chunks, out);
      StringUtf8Coder.of().encode(r.file, out);
      VarIntCoder.of().encode(r.chunkIndex, out);
      VarLongCoder.of().encode(r.read, out);
      VarLongCoder.of().encode(r.ok, out);
      VarLongCoder.of().encode(r.dead, out);
      VarLongCoder.of().encode(r.deadBytes, out);
      VarLongCoder.of().encode(r.unterminated, out);
      StringUtf8Coder.of().encode(r.deadLetterFile, out);
      VarIntCoder.of().encode(r.partials.size(), out);
      for (Map.Entry<K, A> e : r.partials.entrySet()) {
        keyCoder.encode(e.getKey(), out);
        accumulatorCoder.encode(e.getValue(), out);
      }
      VarIntCoder.of().encode(r.runs.size(), out);
      for (RunSegment g : r.runs) {
        VarIntCoder.of().encode(g.partition(), out);
        VarIntCoder.of().encode(g.partitions(), out);
        VarIntCoder.of().encode(g.unit(), out);
        VarIntCoder.of().encode(g.seq(), out);
        StringUtf8Coder.of().encode(g.path(), out);
        VarLongCoder.of().encode(g.offset(), out);
        VarLongCoder.of().encode(g.length(), out);
        VarLongCoder.of().encode(g.entries(), out);
      }
      UnitSpan span = r.span;
      VarIntCoder.of().encode(span == null ? 0 : 1, out);
      if (span != null) {
        StringUtf8Coder.of().encode(span.worker(), out);
        VarLongCoder.of().encode(span.startMillis(), out);
        VarLongCoder.of().encode(span.endMillis() - span.startMillis(), out);
        VarLongCoder.of().encode(span.bytes(), out);
      }
    }

    @Override
    public ChunkResult<K, A> decode(InputStream in) throws IOException {
      int unit = VarIntCoder.of().decode(in);
      int chunks = VarIntCoder.of().decode(in);
      String file = StringUtf8Coder.of().decode(in);
      int index = VarIntCoder.of().decode(in);
      long read = VarLongCoder.of().decode(in);
      long ok = VarLongCoder.of().decode(in);
      long dead = VarLongCoder.of().decode(in);
      long deadBytes = VarLongCoder.of().decode(in);
      long unterminated = VarLongCoder.of().decode(in);
      String deadFile = StringUtf8Coder.of().decode(in);
      int n = VarIntCoder.of().decode(in);
      Map<K, A> partials = new HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        partials.put(keyCoder.decode(in), accumulatorCoder.decode(in));
      }
      int m = VarIntCoder.of().decode(in);
      List<RunSegment> runs = new ArrayList<>(m);
      for (int i = 0; i < m; i++) {
        runs.add(
            new RunSegment(
                VarIntCoder.of().decode(in),
                VarIntCoder.of().decode(in),
                VarIntCoder.of().decode(in),
                VarIntCoder.of().decode(in),
                StringUtf8Coder.of().decode(in),
                VarLongCoder.of().decode(in),
                VarLongCoder.of().decode(in),
                VarLongCoder.of().decode(in)));
      }
      return new ChunkResult<>(
          unit,
          chunks,
          file,
          index,
          read,
          ok,
          dead,
          deadBytes,
          unterminated,
          deadFile,
          partials,
          runs,
          decodeSpan(in));
    }

    private static UnitSpan decodeSpan(InputStream in) throws IOException {
      if (VarIntCoder.of().decode(in) == 0) {
        return null;
      }
      String worker = StringUtf8Coder.of().decode(in);
      long start = VarLongCoder.of().decode(in);
      long length = VarLongCoder.of().decode(in);
      return new UnitSpan(worker, start, start + length, VarLongCoder.of().decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(keyCoder, accumulatorCoder);
    }

    /** Equal for equal key and accumulator coders (Flink unions only inputs of equal coders). */
    @Override
    public boolean equals(Object o) {
      return o instanceof ResultCoder<?, ?> c
          && keyCoder.equals(c.keyCoder)
          && accumulatorCoder.equals(c.accumulatorCoder);
    }

    @Override
    public int hashCode() {
      return Objects.hash(keyCoder, accumulatorCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(
          this, "the partials are a hash map, encoded in its order");
    }
  }
}
