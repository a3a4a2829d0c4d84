package dev.parabeam.transforms.chunks;

import dev.parabeam.transforms.csv.CsvStates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Compression;

/**
 * A byte range {@code [start, end)} of one file: the unit of parallel work. The chunk owns the
 * records that start inside its range; the last of them may run past {@code end}.
 *
 * <p>A chunk is planned without reading the file. Before it can be parsed it must learn, from the
 * chunks before it, the CSV automaton's state and the line number at its first byte ({@link
 * #locate}); the {@code located} flag says whether it has.
 */
@DefaultCoder(CsvChunk.Coder.class)
public final class CsvChunk implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The end of the chunk of a compressed file: it runs to the end of the decompressed text, whose
   * length is not known when the chunk is planned.
   */
  public static final long TO_END = Long.MAX_VALUE;

  private final CsvFile file;
  private final int ordinal;
  private final int index;
  private final long start;
  private final long end;
  private final boolean located;
  private final int startState;
  private final int unit;
  private final long startLine;

  CsvChunk(CsvFile file, int ordinal, int index, long start, long end) {
    this(file, ordinal, index, start, end, false, CsvStates.RECORD_START, 0, ordinal);
  }

  private CsvChunk(
      CsvFile file,
      int ordinal,
      int index,
      long start,
      long end,
      boolean located,
      int startState,
      long startLine,
      int unit) {
    this.file = file;
    this.ordinal = ordinal;
    this.index = index;
    this.start = start;
    this.end = end;
    this.located = located;
    this.startState = startState;
    this.unit = unit;
    this.startLine = startLine;
  }

  /** This chunk, told the automaton's state ({@link CsvStates}) and the line at its first byte. */
  public CsvChunk locate(int startState, long startLine) {
    if (startState < 0 || startState >= CsvStates.COUNT) {
      throw new IllegalArgumentException("no such state: " + startState);
    }
    return new CsvChunk(file, ordinal, index, start, end, true, startState, startLine, unit);
  }

  /**
   * This chunk in unit of work {@code unit}: the chunks of one unit go to one worker together and
   * are reported together ({@link ChunkPlanner#pack}).
   */
  public CsvChunk inUnit(int unit) {
    if (unit < 0) {
      throw new IllegalArgumentException("unit must be >= 0, got " + unit);
    }
    return new CsvChunk(file, ordinal, index, start, end, located, startState, startLine, unit);
  }

  /**
   * The unit of work this chunk belongs to: units hold consecutive chunks in plan order, so unit
   * order is input order. Unless packed, every chunk is its own unit, numbered by its ordinal.
   */
  public int unit() {
    return unit;
  }

  public CsvFile file() {
    return file;
  }

  /** Position of this chunk in the whole plan (all files, in input order), from 0. */
  public int ordinal() {
    return ordinal;
  }

  /** Position of this chunk among the chunks of its file, from 0. */
  public int index() {
    return index;
  }

  public long start() {
    return start;
  }

  public long end() {
    return end;
  }

  /** Bytes in the range; {@link #TO_END} for a chunk that runs to the end of a compressed file. */
  public long length() {
    return end == TO_END ? TO_END : end - start;
  }

  /** Whether this chunk runs to the end of its (compressed) file rather than to a planned byte. */
  public boolean toEnd() {
    return end == TO_END;
  }

  /**
   * What this chunk weighs when chunks are packed into units: its length, or for a compressed file
   * the file's stored size (the decompressed size is not known before reading).
   */
  public long weight() {
    return toEnd() ? Math.max(0, file.size()) : end - start;
  }

  /**
   * Its byte range for messages: {@code bytes 57-84}, or the decompressed text of a compressed
   * file.
   */
  public String describeRange() {
    return toEnd()
        ? file.compression() + "-compressed, decompressed bytes " + start + " to the end"
        : "bytes " + start + "-" + end;
  }

  public boolean isLocated() {
    return located;
  }

  /**
   * The state of the CSV automaton ({@link CsvStates}) at {@link #start()}; {@link
   * CsvStates#RECORD_START} when a record starts there.
   */
  public int startState() {
    return startState;
  }

  /** Line number at {@link #start()}. */
  public long startLine() {
    return startLine;
  }

  @Override
  public String toString() {
    return file.path()
        + "#"
        + index
        + "["
        + start
        + ","
        + (toEnd() ? "end" : String.valueOf(end))
        + ")";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CsvChunk)) {
      return false;
    }
    CsvChunk c = (CsvChunk) o;
    return ordinal == c.ordinal
        && index == c.index
        && start == c.start
        && end == c.end
        && located == c.located
        && startState == c.startState
        && unit == c.unit
        && startLine == c.startLine
        && file.equals(c.file);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, ordinal, index, start, end, located, startState, startLine, unit);
  }

  /** Deterministic coder for {@link CsvChunk}. */
  public static final class Coder extends AtomicCoder<CsvChunk> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final BooleanCoder BOOL = BooleanCoder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(CsvChunk c, OutputStream out) throws IOException {
      CsvFile f = c.file;
      STRING.encode(f.path(), out);
      STRING.encode(f.compression().name(), out);
      LONG.encode(f.size(), out);
      LONG.encode(f.dataStart(), out);
      LONG.encode(f.dataStartLine(), out);
      INT.encode(f.columns().size(), out);
      for (String column : f.columns()) {
        STRING.encode(column, out);
      }
      INT.encode(c.ordinal, out);
      INT.encode(c.index, out);
      LONG.encode(c.start, out);
      LONG.encode(c.end, out);
      BOOL.encode(c.located, out);
      INT.encode(c.startState, out);
      LONG.encode(c.startLine, out);
      INT.encode(c.unit, out);
    }

    @Override
    public CsvChunk decode(InputStream in) throws IOException {
      String path = STRING.decode(in);
      Compression compression = Compression.valueOf(STRING.decode(in));
      long size = LONG.decode(in);
      long dataStart = LONG.decode(in);
      long dataStartLine = LONG.decode(in);
      int n = INT.decode(in);
      List<String> columns = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        columns.add(STRING.decode(in));
      }
      CsvFile f = new CsvFile(path, size, dataStart, dataStartLine, columns, compression);
      return new CsvChunk(
          f,
          INT.decode(in),
          INT.decode(in),
          LONG.decode(in),
          LONG.decode(in),
          BOOL.decode(in),
          INT.decode(in),
          LONG.decode(in),
          INT.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
