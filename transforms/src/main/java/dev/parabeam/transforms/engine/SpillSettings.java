package dev.parabeam.transforms.engine;

import java.io.Serializable;

/**
 * How the units of a {@link ChunkedCsv} bound the memory of their per-key maps: a budget for the
 * maps of all workers of one JVM ({@code 0}: {@link #DEFAULT_HEAP_SHARE} of the worker's heap), of
 * which each of {@code workers} parsing units holds at most its share before it spills its map as
 * sorted runs into {@code dir}, split into {@code partitions} by a hash of the encoded key. A unit
 * that never spilled sends its keys in memory only if they take at most the budget spread over
 * every unit of the run ({@code units}), so that what crosses the runner in memory stays within the
 * budget too.
 */
public final class SpillSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The share of the heap the per-key maps may hold when no budget is given. */
  public static final double DEFAULT_HEAP_SHARE = 0.4;

  private final String dir;
  private final long budgetBytes;
  private final int workers;
  private final int units;
  private final int partitions;
  private final int[] shuffleKeys;

  public SpillSettings(String dir, long budgetBytes, int workers, int units, int partitions) {
    this(dir, budgetBytes, workers, units, partitions, null);
  }

  private SpillSettings(
      String dir, long budgetBytes, int workers, int units, int partitions, int[] shuffleKeys) {
    if (dir == null || dir.isEmpty()) {
      throw new IllegalArgumentException("spill directory must not be empty");
    }
    if (budgetBytes < 0 || workers < 1 || units < 0 || partitions < 1) {
      throw new IllegalArgumentException(
          "budget >= 0, workers >= 1, units >= 0 and partitions >= 1 expected");
    }
    this.dir = dir;
    this.budgetBytes = budgetBytes;
    this.workers = workers;
    this.units = units;
    this.partitions = partitions;
    this.shuffleKeys = shuffleKeys;
  }

  /**
   * The same settings, partition {@code p}'s keys crossing the runner's shuffle to the merge under
   * {@code keys[p]} instead of {@code p} (a runner that hashes keys to workers can so be given keys
   * that spread the partitions evenly); {@code null}: the partition numbers.
   */
  public SpillSettings withShuffleKeys(int[] keys) {
    if (keys != null) {
      WriteChunkedOutputs.checkShuffleKeys(keys, partitions);
    }
    return new SpillSettings(
        dir, budgetBytes, workers, units, partitions, keys == null ? null : keys.clone());
  }

  /** The shuffle key of each partition, or {@code null} for the partition numbers themselves. */
  public int[] shuffleKeys() {
    return shuffleKeys == null ? null : shuffleKeys.clone();
  }

  public String dir() {
    return dir;
  }

  public int partitions() {
    return partitions;
  }

  /** The budget in bytes for this JVM: the one given, or a share of its heap. */
  public long budget() {
    return budgetBytes > 0
        ? budgetBytes
        : (long) (Runtime.getRuntime().maxMemory() * DEFAULT_HEAP_SHARE);
  }

  /** The most one parsing unit's map may hold before it spills. */
  public long unitShare() {
    return Math.max(1, budget() / workers);
  }

  /**
   * The most a unit that never spilled may send in memory ({@value #KEEP_IN_MEMORY_MAX} at most:
   * sorted runs merge faster than many keys through the runner's shuffle); more is spilled at its
   * end.
   */
  public long keepInMemory() {
    return Math.max(1, Math.min(KEEP_IN_MEMORY_MAX, budget() / (2L * Math.max(units, workers))));
  }

  /**
   * The most estimated bytes of keys one unit sends in memory (about 10,000 keys of statistics).
   */
  public static final long KEEP_IN_MEMORY_MAX = 2L << 20;

  @Override
  public String toString() {
    return "budget "
        + (budgetBytes > 0 ? budgetBytes + " bytes" : "40% of the heap")
        + ", "
        + workers
        + " workers, "
        + partitions
        + " partitions, runs in "
        + dir;
  }
}
