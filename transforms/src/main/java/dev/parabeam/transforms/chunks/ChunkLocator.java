package dev.parabeam.transforms.chunks;

import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvStates;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells chunks where their records start. A chunk learns the CSV automaton's state ({@link
 * CsvStates}) and the line number at its first byte by composing the {@link ChunkTransitions} of
 * the chunks before it in its file ({@link #locate}). The summaries come either from a parallel
 * pass inside the pipeline ({@code ChunkedCsv}) or, for inputs small enough to read once before the
 * pipeline starts, from {@link #scanAndLocate} on the launcher, which runs the automaton once
 * through each file and spares the pipeline that pass and its two shuffles.
 */
public final class ChunkLocator {
  private ChunkLocator() {}

  /**
   * Locates the chunks of one file.
   *
   * @param fileChunks the chunks of one file, in file order, with their summaries
   */
  public static List<CsvChunk> locate(List<CsvChunk> fileChunks, List<ChunkTransitions> summaries) {
    if (fileChunks.size() != summaries.size()) {
      throw new IllegalArgumentException(
          fileChunks.size() + " chunks but " + summaries.size() + " summaries");
    }
    List<CsvChunk> located = new ArrayList<>(fileChunks.size());
    int state = CsvStates.RECORD_START;
    long line = -1;
    for (int i = 0; i < fileChunks.size(); i++) {
      CsvChunk c = fileChunks.get(i);
      if (line < 0) {
        line = c.file().dataStartLine();
      }
      located.add(c.locate(state, line));
      ChunkTransitions n = summaries.get(i);
      state = n.endState(state);
      line += n.lineFeeds();
    }
    return located;
  }

  /**
   * Reads every chunk once, on this thread, and returns them all located, in plan order. The byte
   * ranges stay as planned.
   *
   * @param chunks a plan: for each file, all of its chunks
   */
  public static List<CsvChunk> scanAndLocate(List<CsvChunk> chunks, CsvDialect dialect)
      throws IOException {
    return scan(chunks, dialect, false);
  }

  /**
   * Like {@link #scanAndLocate}, but moves the boundaries inside each file so that its chunks hold
   * equal numbers of lines (to within 1/2048 of the file's lines) rather than equal numbers of
   * bytes; each file keeps its number of chunks. When the work per record outweighs the parsing, as
   * it usually does, equal records mean equal work: equal byte ranges of generated data with
   * growing ids, for example, do not hold equal numbers of records (see docs/parallelism.md). A
   * file too small to cut that way keeps its byte ranges.
   */
  public static List<CsvChunk> scanAndBalanceByLines(List<CsvChunk> chunks, CsvDialect dialect)
      throws IOException {
    return scan(chunks, dialect, true);
  }

  private static List<CsvChunk> scan(List<CsvChunk> chunks, CsvDialect dialect, boolean balance)
      throws IOException {
    CsvStates states = CsvStates.of(dialect);
    Map<String, List<CsvChunk>> byFile = new LinkedHashMap<>();
    for (CsvChunk c : chunks) {
      byFile.computeIfAbsent(c.file().path(), k -> new ArrayList<>()).add(c);
    }
    List<CsvChunk> located = new ArrayList<>(chunks.size());
    for (List<CsvChunk> fileChunks : byFile.values()) {
      fileChunks.sort(Comparator.comparingInt(CsvChunk::index));
      if (fileChunks.size() == 1 && fileChunks.get(0).toEnd()) {
        // a compressed file is one chunk that starts at the data start: nothing to learn by reading
        // it here (its damage, if any, is found when it is parsed)
        CsvChunk only = fileChunks.get(0);
        located.add(only.locate(CsvStates.RECORD_START, only.file().dataStartLine()));
        continue;
      }
      FileScan scan = FileScan.read(fileChunks, states);
      List<CsvChunk> balanced = balance ? scan.cutByLines(fileChunks) : null;
      located.addAll(balanced != null ? balanced : scan.located);
    }
    located.sort(Comparator.comparingInt(CsvChunk::ordinal));
    return located;
  }

  /**
   * One sequential read of a file's chunks with the automaton: each chunk's true start state and
   * line, and a sparse index of record boundaries (LFs that end a record).
   */
  static final class FileScan {
    /**
     * At most this many record-boundary checkpoints per file; the stride doubles when they run out.
     */
    static final int MAX_CHECKPOINTS = 4096;

    final List<CsvChunk> located = new ArrayList<>();
    // checkpoint i: the byte after the (lineFeeds[i])-th LF, which ended a record
    long[] offsets = new long[MAX_CHECKPOINTS];
    long[] lineFeeds = new long[MAX_CHECKPOINTS];
    int size;
    long stride = 1;
    long totalLineFeeds;

    static FileScan read(List<CsvChunk> fileChunks, CsvStates states) throws IOException {
      FileScan f = new FileScan();
      CsvChunk first = fileChunks.get(0);
      byte[] t = states.table();
      byte q = states.quote();
      ByteBuffer bb = ByteBuffer.allocate(1 << 16);
      byte[] a = bb.array();
      int s = CsvStates.RECORD_START;
      long lf = 0;
      long firstLine = first.file().dataStartLine();
      // the chunks of a file are adjacent: one channel reads them all, front to back
      try (ReadableByteChannel ch = ChunkIO.open(first.file(), first.start())) {
        long position = first.start();
        for (CsvChunk c : fileChunks) {
          if (c.start() != position) {
            throw new IllegalArgumentException(
                "chunks of " + c.file().path() + " are not adjacent at " + c);
          }
          f.located.add(c.locate(s, firstLine + lf));
          long remaining = c.length();
          while (remaining > 0) {
            bb.clear();
            bb.limit((int) Math.min(a.length, remaining));
            int n = ch.read(bb);
            if (n < 0) {
              throw new EOFException(
                  c.file().path()
                      + " ended at byte "
                      + (c.end() - remaining)
                      + ", before byte "
                      + c.end()
                      + " where chunk "
                      + c.index()
                      + " was planned to end;"
                      + " the file shrank after the job planned its chunks");
            }
            int last = -1; // the last quote or LF stepped in this buffer (see CsvStates.afterRun)
            for (int i = 0; i < n; i++) {
              byte b = a[i];
              if (b != '\n' && b != q) {
                continue;
              }
              if (i - 1 > last) {
                s = states.afterRun(s, a[i - 1]);
              }
              s = t[s << 8 | (b & 0xff)];
              last = i;
              if (b == '\n') {
                lf++;
                if (lf % f.stride == 0 && s == CsvStates.RECORD_START) {
                  f.checkpoint(position + i + 1, lf);
                }
              }
            }
            if (n - 1 > last) {
              s = states.afterRun(s, a[n - 1]);
            }
            position += n;
            remaining -= n;
          }
          position = c.end();
        }
      }
      f.totalLineFeeds = lf;
      return f;
    }

    private void checkpoint(long offset, long lf) {
      if (size == offsets.length) {
        // keep every other checkpoint: those on a multiple of the doubled stride
        stride *= 2;
        int kept = 0;
        for (int i = 0; i < size; i++) {
          if (lineFeeds[i] % stride == 0) {
            offsets[kept] = offsets[i];
            lineFeeds[kept] = lineFeeds[i];
            kept++;
          }
        }
        size = kept;
        if (lf % stride != 0) {
          return;
        }
      }
      offsets[size] = offset;
      lineFeeds[size] = lf;
      size++;
    }

    /**
     * The file's chunks re-cut at line ends into equal line counts, located; null if it cannot be
     * done.
     */
    List<CsvChunk> cutByLines(List<CsvChunk> fileChunks) {
      int n = fileChunks.size();
      CsvChunk first = fileChunks.get(0);
      CsvChunk last = fileChunks.get(n - 1);
      List<CsvChunk> out = new ArrayList<>(n);
      long start = first.start();
      long startLine = first.file().dataStartLine();
      int from = 0;
      for (int k = 0; k < n; k++) {
        long end;
        long endLine;
        if (k == n - 1) {
          end = last.end();
          endLine = 0;
        } else {
          long target = totalLineFeeds * (k + 1) / n;
          int i = nearest(target, from);
          if (i < 0) {
            return null;
          }
          end = offsets[i];
          endLine = first.file().dataStartLine() + lineFeeds[i];
          from = i + 1;
        }
        if (end <= start) {
          return null; // fewer line ends than chunks
        }
        CsvChunk c =
            new CsvChunk(first.file(), fileChunks.get(k).ordinal(), k, start, end)
                .inUnit(fileChunks.get(k).unit());
        out.add(c.locate(CsvStates.RECORD_START, startLine));
        start = end;
        startLine = endLine;
      }
      return out;
    }

    /**
     * The checkpoint at or after {@code from} whose line count is nearest {@code target}, or -1.
     */
    private int nearest(long target, int from) {
      int best = -1;
      for (int i = from; i < size; i++) {
        if (best < 0 || Math.abs(lineFeeds[i] - target) < Math.abs(lineFeeds[best] - target)) {
          best = i;
        }
        if (lineFeeds[i] >= target) {
          break;
        }
      }
      return best;
    }
  }
}
