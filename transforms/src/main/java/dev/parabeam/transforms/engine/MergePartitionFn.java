package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.csv.CsvText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
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

  /** This instance's encoder and decoder (a DoFn instance runs on one thread at a time). */
  private transient CoderBytes codec;

  private CoderBytes codec() {
    if (codec == null) {
      codec = new CoderBytes();
    }
    return codec;
  }

  private final Counter merged = Metrics.counter(WriteChunkedOutputs.class, "partitions_merged");

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

  @ProcessElement
  public void process(
      @Element KV<Integer, Iterable<ChunkResult<K, A>>> in,
      OutputReceiver<KV<Integer, KV<String, Long>>> out)
      throws IOException {
    int p = partitionOf(in.getKey());
    Comparator<K> order = table.order();
    List<RunSegment> segments = new ArrayList<>();
    List<Source<K, A>> memory = new ArrayList<>();
    for (ChunkResult<K, A> r : in.getValue()) {
      for (RunSegment g : r.runs()) {
        if (g.partitions() != partitions || g.partition() != p) {
          throw new IllegalStateException(
              "run segment " + g + " does not belong to partition " + p + " of " + partitions);
        }
        segments.add(g);
      }
      if (!r.partials().isEmpty()) {
        List<Map.Entry<K, A>> entries = new ArrayList<>(r.partials().entrySet());
        entries.sort(Map.Entry.comparingByKey(order));
        memory.add(new MemorySource<>(r.unit(), entries.iterator()));
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
    out.output(KV.of(0, KV.of(path, keys[0])));
  }

  /**
   * Merges {@code group} (consecutive in input order) into one run segment of a file of its own.
   */
  private RunSegment mergeToRun(
      int p, int pass, int index, List<RunSegment> group, Comparator<K> order) throws IOException {
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
   * keys' accumulators merge in input order; each key once to {@code sink}.
   */
  private void merge(List<Source<K, A>> sources, Comparator<K> order, Sink<K, A> sink)
      throws IOException {
    Comparator<Source<K, A>> byKey =
        Comparator.<Source<K, A>, K>comparing(s -> s.key, order)
            .thenComparingInt(s -> s.unit)
            .thenComparingInt(s -> s.seq);
    PriorityQueue<Source<K, A>> queue = new PriorityQueue<>(Math.max(1, sources.size()), byKey);
    for (Source<K, A> s : sources) {
      if (s.advance(order)) {
        queue.add(s);
      }
    }
    while (!queue.isEmpty()) {
      Source<K, A> s = queue.poll();
      K key = s.key;
      byte[] keyBytes = s.keyBytes(keyCoder);
      A acc = s.acc;
      boolean fromInput = s instanceof MemorySource;
      if (s.advance(order)) {
        queue.add(s);
      }
      while (!queue.isEmpty() && order.compare(queue.peek().key, key) == 0) {
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
  }

  /** A sorted stream of (key, accumulator): a run segment or a unit's in-memory keys. */
  abstract static class Source<K, A> {
    final int unit;
    final int seq;
    K key;
    A acc;

    Source(int unit, int seq) {
      this.unit = unit;
      this.seq = seq;
    }

    /** Moves to the next entry (checking the order); false at the end. */
    final boolean advance(Comparator<K> order) throws IOException {
      K before = key;
      if (!next()) {
        return false;
      }
      if (before != null && order.compare(before, key) >= 0) {
        throw new IllegalStateException(
            "spilled keys are not in the order of the job's table (give ChunkedCsv.withKeyOrder the"
                + " table's order): "
                + before
                + " before "
                + key);
      }
      return true;
    }

    abstract boolean next() throws IOException;

    abstract byte[] keyBytes(Coder<K> coder) throws IOException;

    void close() throws IOException {}
  }

  static final class RunSource<K, A> extends Source<K, A> {
    private final SortedRuns.Reader reader;
    private final MergePartitionFn<K, A, ?> fn;

    RunSource(RunSegment g, MergePartitionFn<K, A, ?> fn) throws IOException {
      super(g.unit(), g.seq());
      this.reader = new SortedRuns.Reader(g.path(), g.offset(), g.length());
      this.fn = fn;
    }

    @Override
    boolean next() throws IOException {
      if (!reader.next()) {
        return false;
      }
      CoderBytes c = fn.codec();
      key = c.decode(fn.keyCoder, reader.key());
      acc = c.decode(fn.accumulatorCoder, reader.payload());
      return true;
    }

    @Override
    byte[] keyBytes(Coder<K> coder) {
      return reader.key();
    }

    @Override
    void close() throws IOException {
      reader.close();
    }
  }

  static final class MemorySource<K, A> extends Source<K, A> {
    private final Iterator<Map.Entry<K, A>> entries;

    MemorySource(int unit, Iterator<Map.Entry<K, A>> entries) {
      super(unit, -1);
      this.entries = entries;
    }

    @Override
    boolean next() {
      if (!entries.hasNext()) {
        return false;
      }
      Map.Entry<K, A> e = entries.next();
      key = e.getKey();
      acc = e.getValue();
      return true;
    }

    @Override
    byte[] keyBytes(Coder<K> coder) throws IOException {
      return CoderUtils.encodeToByteArray(coder, key);
    }
  }
}
