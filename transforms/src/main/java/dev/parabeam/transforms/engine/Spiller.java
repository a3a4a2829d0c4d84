package dev.parabeam.transforms.engine;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The memory budget of one unit's per-key map, and its spills: estimates the map's size from the
 * encoded sizes of sampled entries, and when it outgrows the unit's share writes it, sorted by key
 * in output order and split into partitions, as one run file of {@link SortedRuns} segments.
 *
 * <p>The estimate: the encoded size of a key and its accumulator, times an overhead for the Java
 * objects that hold them, averaged over up to {@value #SAMPLES} keys picked as they are first seen
 * (every 64th new key), re-measured every {@value #CHECK_EVERY} records (as few as {@value
 * #CHECK_EVERY_MIN} for a small budget) (accumulators that grow, a {@code countDistinct} set or a
 * percentile buffer, grow the estimate), plus the largest accumulator met among the records checked
 * (a hot key's).
 */
final class Spiller<K, A> {
  static final int SAMPLES = 32;
  static final int CHECK_EVERY = 1024;
  static final int CHECK_EVERY_MIN = 16;
  static final int OBJECT_OVERHEAD = 3;
  static final int ENTRY_OVERHEAD = 120;

  private final SpillSettings settings;
  private final Coder<K> keyCoder;
  private final Coder<A> accCoder;
  private final Comparator<? super K> order;
  private final RunKeys<K> runKeys;
  private final int unit;
  private final long share;
  private final int checkEvery;
  private final CoderBytes codec = new CoderBytes();
  private final List<RunSegment> runs = new ArrayList<>();
  private final List<String> files = new ArrayList<>();

  private final Object[] samples = new Object[SAMPLES];
  private int sampled;
  private long newKeys;
  private long records;
  private long largest;
  private int seq;

  @SuppressWarnings("unchecked")
  Spiller(
      SpillSettings settings,
      Coder<K> keyCoder,
      Coder<A> accCoder,
      Comparator<? super K> order,
      int unit) {
    this.settings = settings;
    this.keyCoder = keyCoder;
    this.accCoder = accCoder;
    this.order = order == null ? (Comparator<? super K>) KeyOrder.DEFAULT : order;
    this.unit = unit;
    this.runKeys = RunKeys.of(keyCoder);
    this.share = settings.unitShare();
    // a small budget is checked more often: it fills in fewer records
    this.checkEvery = (int) Math.max(CHECK_EVERY_MIN, Math.min(CHECK_EVERY, share >> 12));
  }

  /** Notes a record that touched {@code key}; true when the map should be spilled now. */
  boolean touched(Map<K, A> map, K key, boolean isNew) throws IOException {
    if (isNew && (newKeys++ & 63) == 0) {
      samples[sampled++ % SAMPLES] = key;
    }
    if (++records % checkEvery != 0) {
      return false;
    }
    largest = Math.max(largest, size(key, map.get(key)));
    return estimate(map) > share;
  }

  /** The estimated bytes the map holds. */
  long estimate(Map<K, A> map) throws IOException {
    long total = 0;
    int n = 0;
    for (int i = 0; i < Math.min(sampled, SAMPLES); i++) {
      @SuppressWarnings("unchecked")
      K k = (K) samples[i];
      A a = map.get(k);
      if (a != null) {
        total += size(k, a);
        n++;
      }
    }
    long perEntry = n == 0 ? ENTRY_OVERHEAD : total / n;
    return map.size() * perEntry + largest;
  }

  /** Whether a unit that never spilled may send this map in memory. */
  boolean keepInMemory(Map<K, A> map) throws IOException {
    return runs.isEmpty() && estimate(map) <= settings.keepInMemory();
  }

  private long size(K key, A acc) throws IOException {
    ByteCounter c = new ByteCounter();
    keyCoder.encode(key, c);
    if (acc != null) {
      accCoder.encode(acc, c);
    }
    return c.count * OBJECT_OVERHEAD + ENTRY_OVERHEAD;
  }

  boolean spilled() {
    return !runs.isEmpty() || seq > 0;
  }

  List<RunSegment> runs() {
    return runs;
  }

  /** The run files written, to remove if the unit fails. */
  List<String> files() {
    return files;
  }

  /**
   * Writes {@code map} as one run file (a segment per partition that has keys); the caller starts a
   * fresh map.
   */
  void spill(Map<K, A> map) throws IOException {
    int p = settings.partitions();
    SortedEntries<K, A> sorted = SortedEntries.of(map, runKeys, order);
    byte[][] keys = sorted.bytes;
    Object[] accs = sorted.accs;
    int n = sorted.size();
    int[] part = new int[n];
    int[] counts = new int[p + 1];
    for (int i = 0; i < n; i++) {
      part[i] = SortedRuns.partitionOf(keys[i], p);
      counts[part[i] + 1]++;
    }
    for (int i = 0; i < p; i++) {
      counts[i + 1] += counts[i];
    }
    int[] byPartition = new int[n]; // stable: each partition's entries stay in key order
    int[] next = counts.clone();
    for (int i = 0; i < n; i++) {
      byPartition[next[part[i]]++] = i;
    }
    String path = settings.dir() + "/unit-" + unit + "-" + seq + ".run";
    if (Thread.currentThread().isInterrupted()) {
      throw new java.io.InterruptedIOException("the run was stopped while a unit spilled");
    }
    requireDirectory(settings.dir()); // a stat per spill, of many thousand entries each
    files.add(path);
    try (SortedRuns.Writer w = new SortedRuns.Writer(path)) {
      for (int q = 0; q < p; q++) {
        long start = w.position();
        for (int j = counts[q]; j < counts[q + 1]; j++) {
          int i = byPartition[j];
          @SuppressWarnings("unchecked")
          A acc = (A) accs[i];
          CoderBytes c = codec.encode(accCoder, acc);
          w.write(keys[i], 0, keys[i].length, c.array(), 0, c.length());
          keys[i] = null;
          accs[i] = null;
          sorted.keys[i] = null;
        }
        if (counts[q + 1] > counts[q]) {
          runs.add(
              new RunSegment(
                  q, p, unit, seq, path, start, w.position() - start, counts[q + 1] - counts[q]));
        }
      }
    }
    seq++;
    largest = 0;
    sampled = 0;
    newKeys = 0;
  }

  /**
   * Fails when the spill directory is gone, rather than create it (and its parents) again: a run
   * that was stopped, or has failed, has removed its staging directory with it.
   */
  static void requireDirectory(String dir) throws IOException {
    MatchResult m = FileSystems.match(dir, EmptyMatchTreatment.ALLOW);
    if (m.status() != MatchResult.Status.OK || m.metadata().isEmpty()) {
      throw new IOException("the spill directory " + dir + " is gone (the run was stopped?)");
    }
  }

  /** Counts the bytes written to it. */
  static final class ByteCounter extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
