package dev.parabeam.transforms.chunks;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts files into byte-range chunks of about equal size. With {@code chunkBytes == 0} the size is
 * chosen so that the total work splits into a multiple of {@code parallelism} chunks of at most
 * {@link #MAX_AUTO_CHUNK_BYTES}: equal shares keep every worker busy until the end, and a few large
 * chunks cost far less runner overhead than many small ones.
 *
 * <p>A compressed file cannot be cut: it is one chunk from its data start to the end of its
 * decompressed text ({@link CsvChunk#TO_END}), which weighs its stored size in the plan and the
 * packing. A single big compressed file is therefore read by one worker; many compressed parts
 * spread over all of them.
 */
public final class ChunkPlanner {
  public static final long MAX_AUTO_CHUNK_BYTES = 64L << 20;

  private ChunkPlanner() {}

  /** The chunk size used when none is given. */
  public static long autoChunkBytes(long totalDataBytes, int parallelism) {
    int p = Math.max(1, parallelism);
    long perWorker = ceilDiv(Math.max(1, totalDataBytes), p);
    long rounds = ceilDiv(perWorker, MAX_AUTO_CHUNK_BYTES);
    return Math.max(1, ceilDiv(totalDataBytes, p * rounds));
  }

  /**
   * Plans the chunks of {@code files}.
   *
   * @param chunkBytes size of a chunk in bytes, or 0 to choose it from the data and parallelism
   */
  public static List<CsvChunk> plan(List<CsvFile> files, long chunkBytes, int parallelism) {
    if (chunkBytes < 0) {
      throw new IllegalArgumentException("chunkBytes must be >= 0, got " + chunkBytes);
    }
    long total = 0;
    for (CsvFile f : files) {
      total += dataBytes(f);
    }
    long size = chunkBytes > 0 ? chunkBytes : autoChunkBytes(total, parallelism);
    List<CsvChunk> chunks = new ArrayList<>();
    for (CsvFile f : files) {
      if (f.isCompressed()) {
        chunks.add(new CsvChunk(f, chunks.size(), 0, f.dataStart(), CsvChunk.TO_END));
        continue;
      }
      long data = dataBytes(f);
      if (data == 0) {
        continue;
      }
      // Spread the file evenly over the number of chunks it needs, so no chunk is a small tail.
      long n = ceilDiv(data, size);
      for (long i = 0; i < n; i++) {
        long s = f.dataStart() + data * i / n;
        long e = f.dataStart() + data * (i + 1) / n;
        chunks.add(new CsvChunk(f, chunks.size(), (int) i, s, e));
      }
    }
    return chunks;
  }

  /**
   * What opening one more file costs a unit of work, counted as if it were this many bytes of data
   * (as Spark's {@code openCostInBytes}): thousands of tiny files do not pack into one unit.
   */
  public static final long OPEN_COST_BYTES = 64L << 10;

  /**
   * Packs chunks into units of work of about {@code targetBytes} each, counting {@link
   * #OPEN_COST_BYTES} for each chunk (a chunk is a file or a part of one), so that the number of
   * units grows with the bytes, not with the number of files: 2,000 files of 20 KB make a few
   * units, not 2,000. Units hold consecutive chunks in plan order, so unit order is input order. A
   * chunk of {@code targetBytes} or more is a unit of its own.
   *
   * @return the chunks, in plan order, each with its unit
   */
  public static List<CsvChunk> pack(List<CsvChunk> chunks, long targetBytes) {
    if (targetBytes < 1) {
      throw new IllegalArgumentException("targetBytes must be positive, got " + targetBytes);
    }
    List<CsvChunk> out = new ArrayList<>(chunks.size());
    int unit = 0;
    long filled = 0;
    for (CsvChunk c : chunks) {
      long cost = c.weight() + OPEN_COST_BYTES;
      if (filled > 0 && filled + cost > targetBytes) {
        unit++;
        filled = 0;
      }
      out.add(c.inUnit(unit));
      filled += cost;
    }
    return out;
  }

  /**
   * Plans the chunks of {@code files} and packs them into units of about the chunk size ({@link
   * #pack}): big files are cut into chunks, small ones share a unit.
   */
  public static List<CsvChunk> planAndPack(List<CsvFile> files, long chunkBytes, int parallelism) {
    List<CsvChunk> chunks = plan(files, chunkBytes, parallelism);
    long total = 0;
    for (CsvFile f : files) {
      total += dataBytes(f);
    }
    long size =
        chunkBytes > 0
            ? chunkBytes
            : autoChunkBytes(total + OPEN_COST_BYTES * chunks.size(), parallelism);
    return pack(chunks, size);
  }

  private static long dataBytes(CsvFile f) {
    if (f.isCompressed()) {
      return Math.max(0, f.size());
    }
    return Math.max(0, f.size() - f.dataStart());
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
