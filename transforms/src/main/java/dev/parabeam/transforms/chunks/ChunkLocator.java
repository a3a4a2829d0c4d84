package dev.parabeam.transforms.chunks;

import dev.parabeam.transforms.csv.ByteCounts;
import java.io.IOException;
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
   * Reads every chunk once, on this thread, and returns them all located, in plan order.
   *
   * @param chunks a plan: for each file, all of its chunks
   */
  public static List<CsvChunk> scanAndLocate(List<CsvChunk> chunks, byte quote) throws IOException {
    Map<String, List<CsvChunk>> byFile = new LinkedHashMap<>();
    for (CsvChunk c : chunks) {
      byFile.computeIfAbsent(c.file().path(), k -> new ArrayList<>()).add(c);
    }
    List<CsvChunk> located = new ArrayList<>(chunks.size());
    for (List<CsvChunk> fileChunks : byFile.values()) {
      fileChunks.sort(Comparator.comparingInt(CsvChunk::index));
      List<ByteCounts> counts = new ArrayList<>(fileChunks.size());
      // the chunks of a file are adjacent: one channel reads them all, front to back
      try (ReadableByteChannel ch = ChunkIO.openAt(fileChunks.get(0).file().path(), fileChunks.get(0).start())) {
        long position = fileChunks.get(0).start();
        for (CsvChunk c : fileChunks) {
          if (c.start() != position) {
            throw new IllegalArgumentException("chunks of " + c.file().path() + " are not adjacent at " + c);
          }
          counts.add(ByteCounts.count(ch, c.length(), quote));
          position = c.end();
        }
      }
      located.addAll(locate(fileChunks, counts));
    }
    located.sort(Comparator.comparingInt(CsvChunk::ordinal));
    return located;
  }
}
