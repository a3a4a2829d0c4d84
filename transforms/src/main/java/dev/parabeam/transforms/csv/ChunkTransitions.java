package dev.parabeam.transforms.csv;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What a byte range does to the CSV automaton ({@link CsvStates}): for every state the range might
 * start in, the state it ends in, and how many LF bytes it holds. A chunk computes this without
 * knowing what comes before it; applying the summaries of the chunks before it in file order, from
 * {@link CsvStates#RECORD_START} at the data start, tells a chunk its true start state and line.
 */
@DefaultCoder(ChunkTransitions.Coder.class)
public final class ChunkTransitions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] endState;
  private final long lineFeeds;

  /**
   * @param endState for each start state (index), the end state; {@link CsvStates#COUNT} entries
   */
  public ChunkTransitions(byte[] endState, long lineFeeds) {
    if (endState.length != CsvStates.COUNT) {
      throw new IllegalArgumentException(
          "need " + CsvStates.COUNT + " end states, got " + endState.length);
    }
    this.endState = endState.clone();
    this.lineFeeds = lineFeeds;
  }

  /**
   * The summary of a range that nothing follows in its file (the one chunk of a compressed file):
   * the chunks after it are what a summary is for, so it need not be read. Every state maps to
   * itself and it counts no line feeds.
   */
  public static ChunkTransitions ofLastChunk() {
    byte[] same = new byte[CsvStates.COUNT];
    for (int i = 0; i < same.length; i++) {
      same[i] = (byte) i;
    }
    return new ChunkTransitions(same, 0);
  }

  /** The state after this range for a range that starts in {@code startState}. */
  public int endState(int startState) {
    return endState[startState];
  }

  public long lineFeeds() {
    return lineFeeds;
  }

  /**
   * Runs the next {@code length} bytes of {@code channel} (fewer if the stream ends first) from
   * every start state at once. Only quotes are stepped through the table: between two quotes the
   * state after the bytes depends on the state before them and on their last byte alone ({@link
   * #afterGap}), and the LFs are counted a word at a time. Paths that reach the same state are
   * merged, so after the first record usually two remain (one that started inside a quoted field
   * and one that did not) and, once a quote shows which is which, one.
   */
  public static ChunkTransitions scan(ReadableByteChannel channel, long length, CsvStates states)
      throws IOException {
    byte[] t = states.table();
    byte q = states.quote();
    byte delimiter = states.delimiter();
    int qx = q & 0xff;
    // path[i]: the path that start state i follows; cur[p]: the current state of path p
    int[] path = new int[CsvStates.COUNT];
    int[] cur = new int[CsvStates.COUNT];
    for (int i = 0; i < CsvStates.COUNT; i++) {
      path[i] = i;
      cur[i] = i;
    }
    int paths = CsvStates.COUNT;
    ByteBuffer bb = ByteBuffer.allocate((int) Math.min(1 << 16, Math.max(1, length)));
    byte[] a = bb.array();
    long remaining = length;
    long lf = 0;
    while (remaining > 0) {
      bb.clear();
      if (remaining < bb.capacity()) {
        bb.limit((int) remaining);
      }
      int n = channel.read(bb);
      if (n < 0) {
        // a chunk is planned from the file's size: a file that ends early has shrunk since
        throw new EOFException(
            "the input ended "
                + remaining
                + " bytes before the end of the chunk;"
                + " the file shrank after the job planned its chunks");
      }
      lf += ByteScan.count(a, 0, n, (byte) '\n');
      int last = -1; // the last quote stepped in this buffer; the states are exact just after it
      for (int i = ByteScan.indexOf(a, 0, n, q); i < n; i = ByteScan.indexOf(a, i + 1, n, q)) {
        paths = quote(a, i, last, cur, path, paths, t, qx, delimiter);
        last = i;
      }
      if (n - 1 > last) {
        for (int p = 0; p < paths; p++) {
          cur[p] = afterGap(cur[p], a[n - 1], delimiter);
        }
        if (paths > 1) {
          paths = merge(path, cur, paths);
        }
      }
      remaining -= n;
    }
    byte[] end = new byte[CsvStates.COUNT];
    for (int i = 0; i < CsvStates.COUNT; i++) {
      end[i] = (byte) cur[path[i]];
    }
    return new ChunkTransitions(end, lf);
  }

  /**
   * Steps every path through the quote at {@code a[i]}, after the bytes since the one at {@code
   * last} (the previous quote, or -1: the buffer's start); returns the number of paths after
   * merging.
   */
  private static int quote(
      byte[] a,
      int i,
      int last,
      int[] cur,
      int[] path,
      int paths,
      byte[] t,
      int qx,
      byte delimiter) {
    boolean gap = i - 1 > last;
    for (int p = 0; p < paths; p++) {
      int s = gap ? afterGap(cur[p], a[i - 1], delimiter) : cur[p];
      cur[p] = t[s << 8 | qx];
    }
    return paths > 1 ? merge(path, cur, paths) : paths;
  }

  /**
   * The state after one or more bytes none of which is a quote, the last of which is {@code last},
   * entered in {@code state}: inside a quoted field nothing can leave it; anywhere else the first
   * byte leaves any quote behind and every LF starts a record, so the last byte alone decides (a
   * record start after an LF, a field start after a delimiter, else inside an unquoted field).
   */
  static int afterGap(int state, byte last, byte delimiter) {
    if (state == CsvStates.QUOTED) {
      return CsvStates.QUOTED;
    }
    return last == '\n'
        ? CsvStates.RECORD_START
        : last == delimiter ? CsvStates.FIELD_START : CsvStates.UNQUOTED;
  }

  /** Merges paths in the same state; returns the new number of paths. */
  private static int merge(int[] path, int[] cur, int paths) {
    if (paths == 2 && cur[0] != cur[1]) {
      return 2;
    }
    int[] renumber = new int[paths];
    int kept = 0;
    for (int p = 0; p < paths; p++) {
      int same = -1;
      for (int q = 0; q < kept; q++) {
        if (cur[q] == cur[p]) {
          same = q;
          break;
        }
      }
      if (same < 0) {
        cur[kept] = cur[p];
        renumber[p] = kept++;
      } else {
        renumber[p] = same;
      }
    }
    for (int i = 0; i < path.length; i++) {
      path[i] = renumber[path[i]];
    }
    return kept;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ChunkTransitions{");
    for (int i = 0; i < CsvStates.COUNT; i++) {
      sb.append(i == 0 ? "" : ", ").append(i).append("->").append(endState[i]);
    }
    return sb.append("; lineFeeds=").append(lineFeeds).append('}').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkTransitions
        && ((ChunkTransitions) o).lineFeeds == lineFeeds
        && Arrays.equals(((ChunkTransitions) o).endState, endState);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(endState) * 31 + Long.hashCode(lineFeeds);
  }

  /** Deterministic coder for {@link ChunkTransitions}. */
  public static final class Coder extends AtomicCoder<ChunkTransitions> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ChunkTransitions c, OutputStream out) throws IOException {
      ByteArrayCoder.of().encode(c.endState, out);
      VarLongCoder.of().encode(c.lineFeeds, out);
    }

    @Override
    public ChunkTransitions decode(InputStream in) throws IOException {
      return new ChunkTransitions(ByteArrayCoder.of().decode(in), VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
