package dev.parabeam.pipelines;

import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ResultTable;
import dev.parabeam.transforms.engine.SpillSettings;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.values.PCollection;

/**
 * What a {@link ChunkedJob} builds: one {@link ChunkResult} per chunk, the combine function that
 * merges their accumulators per key, and the table that prints the merged results.
 */
public final class JobOutputs<K, A, R> {
  private final PCollection<ChunkResult<K, A>> results;
  private final CombineFn<?, A, R> combineFn;
  private final ResultTable<K, R> table;

  public JobOutputs(
      PCollection<ChunkResult<K, A>> results,
      CombineFn<?, A, R> combineFn,
      ResultTable<K, R> table) {
    this.results = results;
    this.combineFn = combineFn;
    this.table = table;
  }

  public PCollection<ChunkResult<K, A>> results() {
    return results;
  }

  public CombineFn<?, A, R> combineFn() {
    return combineFn;
  }

  public ResultTable<K, R> table() {
    return table;
  }

  /**
   * Merges the results in one place and writes results.csv, dead-letters.csv and counts into {@code
   * dir}.
   */
  public void writeTo(String dir) {
    results.apply("WriteOutputs", WriteChunkedOutputs.to(dir, combineFn, table));
  }

  /**
   * As {@link #writeTo(String)}, merging the keys in the partitions of {@code spill} (which the
   * units spilled with) and removing its run files at the end.
   */
  public void writeTo(String dir, SpillSettings spill) {
    results.apply(
        "WriteOutputs",
        WriteChunkedOutputs.to(dir, combineFn, table)
            .withPartitions(spill.partitions(), spill.dir())
            .withShuffleKeys(spill.shuffleKeys()));
  }
}
