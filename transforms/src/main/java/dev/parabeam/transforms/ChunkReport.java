package dev.parabeam.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Comparator;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What parsing one chunk found: how many records it read, how many were good, how many became dead
 * letters, and (when dead letters go to files) the file that holds them, or "" if none. One per
 * chunk; a retried chunk reports again with the same figures and overwrites the same file, so the
 * totals stay exact.
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
  private final String deadLetterFile;

  public ChunkReport(String file, int chunkIndex, long read, long ok, long dead, String deadLetterFile) {
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

  /** Path of the file holding this chunk's dead-letter rows (no header), or "" when there is none. */
  public String deadLetterFile() {
    return deadLetterFile;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChunkReport)) {
      return false;
    }
    ChunkReport r = (ChunkReport) o;
    return chunkIndex == r.chunkIndex && read == r.read && ok == r.ok && dead == r.dead
        && file.equals(r.file) && deadLetterFile.equals(r.deadLetterFile);
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
      StringUtf8Coder.of().encode(r.deadLetterFile, out);
    }

    @Override
    public ChunkReport decode(InputStream in) throws IOException {
      return new ChunkReport(StringUtf8Coder.of().decode(in), VarIntCoder.of().decode(in),
          VarLongCoder.of().decode(in), VarLongCoder.of().decode(in), VarLongCoder.of().decode(in),
          StringUtf8Coder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
