package dev.parabeam.pipelines;

import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.SpillSettings;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * The input the launcher prepared for a job: the planned (and perhaps already located) chunks, the
 * dialect and record limit, where dead letters go, and the runner's worker keys. A job hands its
 * {@link ChunkedCsv} to {@link #read}, which configures it with all of that.
 */
public final class JobInput {
  private final List<CsvChunk> chunks;
  private final CsvDialect dialect;
  private final int maxRecordBytes;
  private final boolean located;
  private final String deadLetterDir;
  private final int[] distributionKeys;
  private final SpillSettings spill;

  public JobInput(
      List<CsvChunk> chunks,
      CsvDialect dialect,
      int maxRecordBytes,
      boolean located,
      String deadLetterDir,
      int[] distributionKeys,
      SpillSettings spill) {
    this.spill = spill;
    this.chunks = List.copyOf(chunks);
    this.dialect = dialect;
    this.maxRecordBytes = maxRecordBytes;
    this.located = located;
    this.deadLetterDir = deadLetterDir;
    this.distributionKeys = distributionKeys;
  }

  /** Input for a test: these chunks, dead letters on the transform's output, no worker keys. */
  public static JobInput of(List<CsvChunk> chunks, CsvDialect dialect, boolean located) {
    return new JobInput(chunks, dialect, 1 << 20, located, null, null, null);
  }

  /**
   * This input with each unit's per-key map bounded by {@code spill} (runs in its directory): for a
   * test; the launcher gives its runs a budget and partitions of their own.
   */
  public JobInput withSpill(SpillSettings spill) {
    return new JobInput(
        chunks, dialect, maxRecordBytes, located, deadLetterDir, distributionKeys, spill);
  }

  /** How the units bound their memory, or null (all keys in memory). */
  public SpillSettings spill() {
    return spill;
  }

  /** Whether the chunks were located (record boundaries known) before the pipeline. */
  public boolean located() {
    return located;
  }

  public List<CsvChunk> chunks() {
    return chunks;
  }

  /**
   * Applies {@code transform}, configured for this input, to the chunks ({@code PlanChunks}, then a
   * step named {@code name}); returns its per-chunk results.
   */
  public <K, V, A> PCollection<ChunkResult<K, A>> read(
      Pipeline p, String name, ChunkedCsv<K, V, A> transform) {
    return read(
        p.apply("PlanChunks", Create.of(chunks).withCoder(CsvChunk.Coder.of())), name, transform);
  }

  /**
   * Applies {@code transform}, configured for this input, to {@code someChunks} (some of this
   * input's chunks, located) in a step named {@code name}; returns their per-chunk results. A job
   * that reads its chunks in several branches calls this once per branch.
   */
  public <K, V, A> PCollection<ChunkResult<K, A>> read(
      PCollection<CsvChunk> someChunks, String name, ChunkedCsv<K, V, A> transform) {
    ChunkedCsv<K, V, A> t = transform.withDialect(dialect).withMaxRecordBytes(maxRecordBytes);
    if (deadLetterDir != null) {
      t = t.withDeadLetterDirectory(deadLetterDir);
    }
    if (distributionKeys != null) {
      t = t.withDistributionKeys(distributionKeys);
    }
    if (located) {
      t = t.withLocatedChunks();
    }
    if (spill != null) {
      t = t.withSpill(spill);
    }
    PCollectionTuple out = someChunks.apply(name, t);
    return t.results(out);
  }
}
