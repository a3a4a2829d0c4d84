package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.csv.CsvText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;

/**
 * Step {@code MergePartitions} of {@link WriteChunkedOutputs}: the keys of one partition, from
 * every unit's run segments and in-memory partials, merged by one streaming k-way merge (a priority
 * queue over one reader per segment, ordered by key in the table's order, then by unit and spill,
 * so that accumulators of equal keys merge in input order); each key's merged accumulator becomes
 * its finished {@code results.csv} row at once, written with its encoded key to the partition's
 * sorted result file. Holds one entry per segment, never the partition's keys. Emits the file's
 * path and how many keys it holds.
 *
 * <p>Never changes its input: the accumulators of in-memory partials belong to the input elements,
 * and a combine function may merge into any of its arguments, so a key found in more than one
 * source is merged from copies (accumulators decoded from run files are the merge's own).
 */
final class MergePartitionFn<K, A, R>
    extends DoFn<KV<Integer, Iterable<ChunkResult<K, A>>>, KV<Integer, KV<String, Long>>> {
  private static final long serialVersionUID = 1L;

  private final String workDir;
  private final int partitions;
  private final int[] shuffleKeys;
  private final CombineFn<?, A, R> combineFn;
  private final ResultTable<K, R> table;
  private final Coder<K> keyCoder;
  private final Coder<A> accumulatorCoder;
  private final RunKeys<K> runKeys;

  /** This instance's encoder and decoder (a DoFn instance runs on one thread at a time). */
  private transient CoderBytes codec;

  private CoderBytes codec() {
    if (codec == null) {
      codec = new CoderBytes();
    }
    return codec;
  }

  private final Counter merged = Metrics.counter(WriteChunkedOutputs.class, "partitions_merged");
  private final StepElements elements = new StepElements();

  MergePartitionFn(
      String workDir,
      int[] shuffleKeys,
      CombineFn<?, A, R> combineFn,
      ResultTable<K, R> table,
      Coder<K> keyCoder,
      Coder<A> accumulatorCoder) {
    this.workDir = workDir;
    this.partitions = shuffleKeys.length;
    this.shuffleKeys = shuffleKeys;
    this.combineFn = combineFn;
    this.table = table;
    this.keyCoder = keyCoder;
    this.accumulatorCoder = accumulatorCoder;
    this.runKeys = RunKeys.of(keyCoder);
  }

  /** The partition whose shuffle key is {@code key}. */
  private int partitionOf(int key) {
    for (int p = 0; p < shuffleKeys.length; p++) {
      if (shuffleKeys[p] == key) {
        return p;
      }
    }
    throw new IllegalStateException("no partition has the shuffle key " + key);
  }

  /** The result file of partition {@code p}. */
  static String partitionFile(String workDir, int p) {
    return workDir + "/partition-" + p + ".rows";
  }

  /** The most run segments one merge reads at once; more are merged in passes of this many. */
  static final int MAX_FAN_IN = 64;

  /** What a merge does with each key and its merged accumulator. */
  private interface Sink<K, A> {
    void accept(byte[] keyBytes, K key, A acc) throws IOException;
  }

  /** How the merge orders keys: by their run-file bytes where that is the table's order. */
  private Ordering<K> ordering() {
    return new Ordering<>(table.order(), runKeys.bytesFollow(table.order()));
  }

  /** Orders sources' keys: by bytes, or by the comparator on the decoded keys. */
  static final class Ordering<K> {
    final Comparator<K> order;
    final boolean byBytes;

    Ordering(Comparator<K> order, boolean byBytes) {
      this.order = order;
      this.byBytes = byBytes;
    }

    int compare(Source<K, ?> a, Source<K, ?> b) throws IOException {
      return byBytes ? RunKeys.compareBytes(a.bytes, b.bytes) : order.compare(a.key(), b.key());
    }
  }

  @ProcessElement
  public void process(
      @Element KV<Integer, Iterable<ChunkResult<K, A>>> in,
      OutputReceiver<KV<Integer, KV<String, Long>>> out)
      throws IOException {
    int p = partitionOf(in.getKey());
    Ordering<K> order = ordering();
    List<RunSegment> segments = new ArrayList<>();
    List<Source<K, A>> memory = new ArrayList<>();
    for (ChunkResult<K, A> r : in.getValue()) {
      elements.in(1);
      for (RunSegment g : r.runs()) {
        if (g.partitions() != partitions || g.partition() != p) {
          throw new IllegalStateException(
              "run segment " + g + " does not belong to partition " + p + " of " + partitions);
        }
        segments.add(g);
      }
      if (!r.partials().isEmpty()) {
        memory.add(new MemorySource<>(r.unit(), r.partials(), order, this));
      }
    }
    // input order: a unit's spills in turn, units in turn (a pass merges neighbours only)
    segments.sort(Comparator.comparingInt(RunSegment::unit).thenComparingInt(RunSegment::seq));
    for (int pass = 0; segments.size() > MAX_FAN_IN; pass++) {
      List<RunSegment> next = new ArrayList<>();
      for (int i = 0; i < segments.size(); i += MAX_FAN_IN) {
        List<RunSegment> group = segments.subList(i, Math.min(i + MAX_FAN_IN, segments.size()));
        next.add(group.size() == 1 ? group.get(0) : mergeToRun(p, pass, i, group, order));
      }
      segments = next;
    }
    List<Source<K, A>> sources = new ArrayList<>(memory);
    String path = partitionFile(workDir, p);
    long[] keys = {0};
    try {
      for (RunSegment g : segments) {
        sources.add(new RunSource<>(g, this));
      }
      try (SortedRuns.Writer w = new SortedRuns.Writer(path)) {
        merge(
            sources,
            order,
            true,
            (keyBytes, key, acc) -> {
              String row = CsvText.row(table.row(key, combineFn.extractOutput(acc))) + "\n";
              w.write(keyBytes, row.getBytes(StandardCharsets.UTF_8));
              keys[0]++;
            });
      }
    } finally {
      for (Source<K, A> s : sources) {
        s.close();
      }
    }
    merged.inc();
    elements.out(keys[0]); // the partition's keys, each a row of results.csv
    out.output(KV.of(0, KV.of(path, keys[0])));
  }

  /**
   * Merges {@code group} (consecutive in input order) into one run segment of a file of its own.
   */
  private RunSegment mergeToRun(
      int p, int pass, int index, List<RunSegment> group, Ordering<K> order) throws IOException {
    String path = workDir + "/partition-" + p + "-pass-" + pass + "-" + index + ".run";
    List<Source<K, A>> sources = new ArrayList<>();
    long[] entries = {0};
    long length;
    try {
      for (RunSegment g : group) {
        sources.add(new RunSource<>(g, this));
      }
      try (SortedRuns.Writer w = new SortedRuns.Writer(path)) {
        merge(
            sources,
            order,
            false,
            (keyBytes, key, acc) -> {
              CoderBytes c = codec().encode(accumulatorCoder, acc);
              w.write(keyBytes, 0, keyBytes.length, c.array(), 0, c.length());
              entries[0]++;
            });
        length = w.position();
      }
    } finally {
      for (Source<K, A> s : sources) {
        s.close();
      }
    }
    RunSegment first = group.get(0);
    return new RunSegment(p, partitions, first.unit(), first.seq(), path, 0, length, entries[0]);
  }

  /**
   * The k-way merge: a priority queue over the sources by key, then unit and spill, so that equal
   * keys' accumulators merge in input order; each key once to {@code sink} (decoded only when
   * {@code needKeys}).
   */
  private void merge(
      List<Source<K, A>> sources, Ordering<K> order, boolean needKeys, Sink<K, A> sink)
      throws IOException {
    Comparator<Source<K, A>> byKey =
        (a, b) -> {
          int c;
          try {
            c = order.compare(a, b);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          if (c == 0) {
            c = Integer.compare(a.unit, b.unit);
          }
          return c != 0 ? c : Integer.compare(a.seq, b.seq);
        };
    PriorityQueue<Source<K, A>> queue = new PriorityQueue<>(Math.max(1, sources.size()), byKey);
    try {
      for (Source<K, A> s : sources) {
        if (s.advance(order)) {
          queue.add(s);
        }
      }
      while (!queue.isEmpty()) {
        Source<K, A> s = queue.poll();
        K key = needKeys || !order.byBytes ? s.key() : null;
        byte[] keyBytes = s.bytes;
        A acc = s.acc;
        boolean fromInput = s instanceof MemorySource;
        if (s.advance(order)) {
          queue.add(s);
        }
        while (!queue.isEmpty() && sameKey(order, queue.peek(), keyBytes, key)) {
          Source<K, A> t = queue.poll();
          // a combine function may merge into any of its arguments (Beam's contract): an
          // accumulator of an input element is merged only as a copy of its own
          if (fromInput) {
            acc = CoderUtils.clone(accumulatorCoder, acc);
            fromInput = false;
          }
          A other = t instanceof MemorySource ? CoderUtils.clone(accumulatorCoder, t.acc) : t.acc;
          acc = combineFn.mergeAccumulators(List.of(acc, other));
          if (t.advance(order)) {
            queue.add(t);
          }
        }
        sink.accept(keyBytes, key, acc);
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Whether source {@code t}'s current key is the one with these bytes (and decoded key). */
  private boolean sameKey(Ordering<K> order, Source<K, A> t, byte[] keyBytes, K key)
      throws IOException {
    if (order.byBytes) {
      return Arrays.equals(t.bytes, keyBytes);
    }
    return order.order.compare(t.key(), key) == 0;
  }

  /**
   * A sorted stream of (key, accumulator): a run segment or a unit's in-memory keys. A key comes as
   * its run-file bytes and is decoded on demand, once.
   */
  abstract static class Source<K, A> {
    final int unit;
    final int seq;
    final MergePartitionFn<K, A, ?> fn;
    byte[] bytes;
    private K key;
    A acc;

    Source(int unit, int seq, MergePartitionFn<K, A, ?> fn) {
      this.unit = unit;
      this.seq = seq;
      this.fn = fn;
    }

    final K key() throws IOException {
      if (key == null) {
        key = decoded();
      }
      return key;
    }

    /** The current key decoded (from its bytes, unless the source holds it). */
    K decoded() throws IOException {
      return fn.runKeys.decode(bytes);
    }

    /** Moves to the next entry (checking the order); false at the end. */
    final boolean advance(Ordering<K> order) throws IOException {
      byte[] beforeBytes = bytes;
      K before = beforeBytes == null || order.byBytes ? null : key();
      key = null;
      if (!next()) {
        return false;
      }
      if (beforeBytes != null
          && (order.byBytes
              ? RunKeys.compareBytes(beforeBytes, bytes) >= 0
              : order.order.compare(before, key()) >= 0)) {
        throw new IllegalStateException(
            "spilled keys are not in the order of the job's table (give ChunkedCsv.withKeyOrder the"
                + " table's order): "
                + fn.runKeys.decode(beforeBytes)
                + " before "
                + key());
      }
      return true;
    }

    /** Moves to the next entry, setting {@link #bytes} and {@link #acc}; false at the end. */
    abstract boolean next() throws IOException;

    void close() throws IOException {}
  }

  static final class RunSource<K, A> extends Source<K, A> {
    private final SortedRuns.Reader reader;

    RunSource(RunSegment g, MergePartitionFn<K, A, ?> fn) throws IOException {
      super(g.unit(), g.seq(), fn);
      this.reader = new SortedRuns.Reader(g.path(), g.offset(), g.length());
    }

    @Override
    boolean next() throws IOException {
      if (!reader.next()) {
        return false;
      }
      bytes = reader.key();
      acc = fn.codec().decode(fn.accumulatorCoder, reader.payload());
      return true;
    }

    @Override
    void close() throws IOException {
      reader.close();
    }
  }

  /** A unit's in-memory keys, sorted here: by their bytes, or by the table's comparator. */
  static final class MemorySource<K, A> extends Source<K, A> {
    private final byte[][] keyBytes;
    private final Object[] keys;
    private final Object[] accs;
    private int next;

    MemorySource(int unit, Map<K, A> partials, Ordering<K> order, MergePartitionFn<K, A, ?> fn)
        throws IOException {
      super(unit, -1, fn);
      SortedEntries<K, A> sorted = SortedEntries.of(partials, fn.runKeys, order.order);
      keyBytes = sorted.bytes;
      keys = sorted.keys;
      accs = sorted.accs;
    }

    @Override
    @SuppressWarnings("unchecked")
    boolean next() {
      if (next == keyBytes.length) {
        return false;
      }
      bytes = keyBytes[next];
      acc = (A) accs[next];
      next++;
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    K decoded() {
      return (K) keys[next - 1];
    }
  }
}
