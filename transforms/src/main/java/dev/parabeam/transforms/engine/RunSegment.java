package dev.parabeam.transforms.engine;

import java.io.Serializable;
import java.util.Objects;

/**
 * Where one partition's entries of one spill of a unit lie: a byte range of a run file ({@link
 * SortedRuns}), its entries sorted by key. {@code unit} and {@code seq} (the unit's spill number)
 * order the segments of equal keys, so that accumulators merge in input order.
 */
public final class RunSegment implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int partition;
  private final int partitions;
  private final int unit;
  private final int seq;
  private final String path;
  private final long offset;
  private final long length;
  private final long entries;

  public RunSegment(
      int partition,
      int partitions,
      int unit,
      int seq,
      String path,
      long offset,
      long length,
      long entries) {
    this.partition = partition;
    this.partitions = partitions;
    this.unit = unit;
    this.seq = seq;
    this.path = path;
    this.offset = offset;
    this.length = length;
    this.entries = entries;
  }

  public int partition() {
    return partition;
  }

  /** How many partitions the unit split its keys into (the merge checks it expects as many). */
  public int partitions() {
    return partitions;
  }

  public int unit() {
    return unit;
  }

  public int seq() {
    return seq;
  }

  public String path() {
    return path;
  }

  public long offset() {
    return offset;
  }

  public long length() {
    return length;
  }

  public long entries() {
    return entries;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunSegment r
        && partition == r.partition
        && partitions == r.partitions
        && unit == r.unit
        && seq == r.seq
        && offset == r.offset
        && length == r.length
        && entries == r.entries
        && path.equals(r.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(partition, unit, seq, path, offset);
  }

  @Override
  public String toString() {
    return path + "@" + offset + "+" + length + " (partition " + partition + ", " + entries + ")";
  }
}
