package dev.parabeam.transforms.chunks;

import dev.parabeam.transforms.csv.ByteCounts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells chunks where their records start. A chunk learns the quote parity, the line number and
 * whether a line just ended at its first byte from the quote and LF counts of the chunks before it
 * in its file: a prefix sum ({@link #locate}). The counts come either from a parallel pass inside
 * the pipeline ({@code ChunkedCsvStats}) or, for inputs small enough to read once before the
 * pipeline starts, from {@link #scanAndLocate} on the launcher, which spares the pipeline that
 * pass and its two shuffles.
 */
public final class ChunkLocator {
  private ChunkLocator() {}

  /**
   * Locates the chunks of one file.
   *
   * @param fileChunks the chunks of one file, in file order, with their counts
   */
  public static List<CsvChunk> locate(List<CsvChunk> fileChunks, List<ByteCounts> counts) {
    if (fileChunks.size() != counts.size()) {
      throw new IllegalArgumentException(fileChunks.size() + " chunks but " + counts.size() + " counts");
    }
    List<CsvChunk> located = new ArrayList<>(fileChunks.size());
    long quotes = 0;
    long line = -1;
    boolean afterLf = true;
    for (int i = 0; i < fileChunks.size(); i++) {
      CsvChunk c = fileChunks.get(i);
      if (line < 0) {
        line = c.file().dataStartLine();
      }
      located.add(c.locate((quotes & 1) == 1, afterLf, line));
      ByteCounts n = counts.get(i);
      quotes += n.quotes();
      line += n.lineFeeds();
      afterLf = n.endsWithLineFeed();
    }
    return located;
  }

  /**
   * Reads every chunk once, on this thread, and returns them all located, in plan order. The byte
   * ranges stay as planned.
   *
   * @param chunks a plan: for each file, all of its chunks
   */
  public static List<CsvChunk> scanAndLocate(List<CsvChunk> chunks, byte quote) throws IOException {
    return scan(chunks, quote, false);
  }

  /**
   * Like {@link #scanAndLocate}, but moves the boundaries inside each file so that its chunks hold
   * equal numbers of lines (to within 1/2048 of the file's lines) rather than equal numbers of
   * bytes; each file keeps its number of chunks. When the work per record outweighs the parsing,
   * as it usually does, equal records mean equal work: byte ranges of generated data with growing
   * ids, for example, differ by 1% in records. A file too small to cut that way keeps its byte
   * ranges.
   */
  public static List<CsvChunk> scanAndBalanceByLines(List<CsvChunk> chunks, byte quote) throws IOException {
    return scan(chunks, quote, true);
  }

  private static List<CsvChunk> scan(List<CsvChunk> chunks, byte quote, boolean balance) throws IOException {
    Map<String, List<CsvChunk>> byFile = new LinkedHashMap<>();
    for (CsvChunk c : chunks) {
      byFile.computeIfAbsent(c.file().path(), k -> new ArrayList<>()).add(c);
    }
    List<CsvChunk> located = new ArrayList<>(chunks.size());
    for (List<CsvChunk> fileChunks : byFile.values()) {
      fileChunks.sort(Comparator.comparingInt(CsvChunk::index));
      FileScan scan = FileScan.read(fileChunks, quote);
      List<CsvChunk> balanced = balance ? scan.cutByLines(fileChunks) : null;
      located.addAll(balanced != null ? balanced : locate(fileChunks, scan.counts));
    }
    located.sort(Comparator.comparingInt(CsvChunk::ordinal));
    return located;
  }

  /** One sequential read of a file's chunks: counts per chunk, and a sparse index of line ends. */
  static final class FileScan {
    /** At most this many line-end checkpoints per file; the stride doubles when they run out. */
    static final int MAX_CHECKPOINTS = 4096;

    final List<ByteCounts> counts = new ArrayList<>();
    // checkpoint i: the byte after the (lineFeeds[i])-th LF, with quotes[i] quotes before it
    long[] offsets = new long[MAX_CHECKPOINTS];
    long[] lineFeeds = new long[MAX_CHECKPOINTS];
    long[] quotes = new long[MAX_CHECKPOINTS];
    int size;
    long stride = 1;
    long totalLineFeeds;

    static FileScan read(List<CsvChunk> fileChunks, byte quote) throws IOException {
      FileScan f = new FileScan();
      CsvChunk first = fileChunks.get(0);
      ByteBuffer bb = ByteBuffer.allocate(1 << 16);
      byte[] a = bb.array();
      long q = 0;
      long lf = 0;
      // the chunks of a file are adjacent: one channel reads them all, front to back
      try (ReadableByteChannel ch = ChunkIO.openAt(first.file().path(), first.start())) {
        long position = first.start();
        for (CsvChunk c : fileChunks) {
          if (c.start() != position) {
            throw new IllegalArgumentException("chunks of " + c.file().path() + " are not adjacent at " + c);
          }
          long chunkQuotes = q;
          long chunkLineFeeds = lf;
          byte last = 0;
          long remaining = c.length();
          while (remaining > 0) {
            bb.clear();
            bb.limit((int) Math.min(a.length, remaining));
            int n = ch.read(bb);
            if (n < 0) {
              break;
            }
            for (int i = 0; i < n; i++) {
              byte b = a[i];
              if (b == quote) {
                q++;
              } else if (b == '\n') {
                lf++;
                if (lf % f.stride == 0) {
                  f.checkpoint(position + i + 1, lf, q);
                }
              }
            }
            if (n > 0) {
              last = a[n - 1];
            }
            position += n;
            remaining -= n;
          }
          f.counts.add(new ByteCounts(q - chunkQuotes, lf - chunkLineFeeds, last == '\n'));
          position = c.end();
        }
      }
      f.totalLineFeeds = lf;
      return f;
    }

    private void checkpoint(long offset, long lf, long q) {
      if (size == offsets.length) {
        // keep every other checkpoint: those on a multiple of the doubled stride
        stride *= 2;
        int kept = 0;
        for (int i = 0; i < size; i++) {
          if (lineFeeds[i] % stride == 0) {
            offsets[kept] = offsets[i];
            lineFeeds[kept] = lineFeeds[i];
            quotes[kept] = quotes[i];
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
      quotes[size] = q;
      size++;
    }

    /** The file's chunks re-cut at line ends into equal line counts, located; null if it cannot be done. */
    List<CsvChunk> cutByLines(List<CsvChunk> fileChunks) {
      int n = fileChunks.size();
      CsvChunk first = fileChunks.get(0);
      CsvChunk last = fileChunks.get(n - 1);
      List<CsvChunk> out = new ArrayList<>(n);
      long start = first.start();
      long startQuotes = 0;
      long startLine = first.file().dataStartLine();
      int from = 0;
      for (int k = 0; k < n; k++) {
        long end;
        long endQuotes;
        long endLine;
        if (k == n - 1) {
          end = last.end();
          endQuotes = 0;
          endLine = 0;
        } else {
          long target = totalLineFeeds * (k + 1) / n;
          int i = nearest(target, from);
          if (i < 0) {
            return null;
          }
          end = offsets[i];
          endQuotes = quotes[i];
          endLine = first.file().dataStartLine() + lineFeeds[i];
          from = i + 1;
        }
        if (end <= start) {
          return null; // fewer line ends than chunks
        }
        CsvChunk c = new CsvChunk(first.file(), fileChunks.get(k).ordinal(), k, start, end);
        out.add(c.locate((startQuotes & 1) == 1, true, startLine));
        start = end;
        startQuotes = endQuotes;
        startLine = endLine;
      }
      return out;
    }

    /** The checkpoint at or after {@code from} whose line count is nearest {@code target}, or -1. */
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
