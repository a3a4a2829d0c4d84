package dev.parabeam.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What parsing one chunk found: the statistics of its good records per key (pre-aggregated inside
 * the chunk), how many records it read, how many were good, how many became dead letters, and
 * (when dead letters go to files) the file that holds them, or "" if none. One per chunk; a retried
 * chunk reports again with the same figures and overwrites the same file, so the totals stay exact.
 * What crosses the runner is one element per chunk, not one per record nor one per key.
 */
@DefaultCoder(ChunkReport.Coder.class)
public final class ChunkReport {
  /** File order, then chunk order: the order of the records in the input. */
  public static final Comparator<ChunkReport> INPUT_ORDER =
      Comparator.comparing(ChunkReport::file).thenComparingInt(ChunkReport::chunkIndex);

  private final String file;
  private final int chunkIndex;
  private final long read;
  private final long ok;
  private final long dead;
  private final long deadBytes;
  private final long unterminated;
  private final String deadLetterFile;
  private final Map<String, DecimalStats> partials;

  public ChunkReport(String file, int chunkIndex, long read, long ok, long dead, String deadLetterFile) {
    this(file, chunkIndex, read, ok, dead, 0, 0, deadLetterFile, Map.of());
  }

  public ChunkReport(
      String file, int chunkIndex, long read, long ok, long dead, String deadLetterFile,
      Map<String, DecimalStats> partials) {
    this(file, chunkIndex, read, ok, dead, 0, 0, deadLetterFile, partials);
  }

  /**
   * @param deadBytes bytes of the input taken by the records that became dead letters
   * @param unterminated how many of them are quoted fields never closed before the end of the file
   */
  public ChunkReport(
      String file, int chunkIndex, long read, long ok, long dead, long deadBytes, long unterminated,
      String deadLetterFile, Map<String, DecimalStats> partials) {
    this.deadBytes = deadBytes;
    this.unterminated = unterminated;
    this.partials = Collections.unmodifiableMap(partials);
    this.file = file;
    this.chunkIndex = chunkIndex;
    this.read = read;
    this.ok = ok;
    this.dead = dead;
    this.deadLetterFile = deadLetterFile;
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

  /** Bytes of the input (line terminators excluded) taken by the records that became dead letters. */
  public long deadBytes() {
    return deadBytes;
  }

  /** How many dead letters are quoted fields never closed: each holds the rest of its file. */
  public long unterminated() {
    return unterminated;
  }

  /** Path of the file holding this chunk's dead-letter rows (no header), or "" when there is none. */
  public String deadLetterFile() {
    return deadLetterFile;
  }

  /** Statistics per key of this chunk's good records (do not modify the values). */
  public Map<String, DecimalStats> partials() {
    return partials;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChunkReport)) {
      return false;
    }
    ChunkReport r = (ChunkReport) o;
    return chunkIndex == r.chunkIndex && read == r.read && ok == r.ok && dead == r.dead && deadBytes == r.deadBytes
        && unterminated == r.unterminated
        && file.equals(r.file) && deadLetterFile.equals(r.deadLetterFile) && partials.equals(r.partials);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, chunkIndex, read, ok, dead, deadLetterFile);
  }

  @Override
  public String toString() {
    return file + "#" + chunkIndex + ": read " + read + ", ok " + ok + ", dead " + dead;
  }

  /** Deterministic coder for {@link ChunkReport}. */
  public static final class Coder extends AtomicCoder<ChunkReport> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ChunkReport r, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(r.file, out);
      VarIntCoder.of().encode(r.chunkIndex, out);
      VarLongCoder.of().encode(r.read, out);
      VarLongCoder.of().encode(r.ok, out);
      VarLongCoder.of().encode(r.dead, out);
      VarLongCoder.of().encode(r.deadBytes, out);
      VarLongCoder.of().encode(r.unterminated, out);
      StringUtf8Coder.of().encode(r.deadLetterFile, out);
      // sorted, so that equal reports encode to equal bytes
      Map<String, DecimalStats> sorted = r.partials instanceof TreeMap ? r.partials : new TreeMap<>(r.partials);
      VarIntCoder.of().encode(sorted.size(), out);
      for (Map.Entry<String, DecimalStats> e : sorted.entrySet()) {
        StringUtf8Coder.of().encode(e.getKey(), out);
        DecimalStatsCoder.of().encode(e.getValue(), out);
      }
    }

    @Override
    public ChunkReport decode(InputStream in) throws IOException {
      String file = StringUtf8Coder.of().decode(in);
      int index = VarIntCoder.of().decode(in);
      long read = VarLongCoder.of().decode(in);
      long ok = VarLongCoder.of().decode(in);
      long dead = VarLongCoder.of().decode(in);
      long deadBytes = VarLongCoder.of().decode(in);
      long unterminated = VarLongCoder.of().decode(in);
      String deadFile = StringUtf8Coder.of().decode(in);
      int n = VarIntCoder.of().decode(in);
      Map<String, DecimalStats> partials = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        partials.put(StringUtf8Coder.of().decode(in), DecimalStatsCoder.of().decode(in));
      }
      return new ChunkReport(file, index, read, ok, dead, deadBytes, unterminated, deadFile, partials);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
