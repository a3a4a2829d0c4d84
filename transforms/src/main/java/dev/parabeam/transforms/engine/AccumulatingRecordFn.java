package dev.parabeam.transforms.engine;

import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * A {@link RecordFn} of one key per record that can also add a record straight into that key's
 * accumulator of its own combine function: the engine's fast path, in which a record's value is
 * never built as an object (a number goes from the record's bytes into a {@code long} of the
 * accumulator). {@link ChunkedCsv} takes it when {@link #accumulatesFor} says yes for the job's
 * combine function; everywhere else (and in its tests) the function is an ordinary {@code
 * RecordFn}.
 *
 * <p>The contract: for every record, {@link #read} rejects exactly when {@link #apply} does, with
 * the same reason, returns the key {@code apply} emits, and {@link #addTo} leaves an accumulator as
 * {@code combineFn.addInput(acc, value)} would with the value {@code apply} emits. What {@code
 * read} found is kept in the function (not thread-safe, like every record view) until {@code addTo}
 * or the next {@code read}.
 */
public interface AccumulatingRecordFn<K, V, A> extends RecordFn<K, V> {
  /** Whether {@link #addTo} adds into accumulators of {@code combineFn} as its addInput would. */
  boolean accumulatesFor(CombineFn<V, A, ?> combineFn);

  /**
   * Reads {@code record}: its key, or null after {@code out.reject(reason)} (nothing is emitted).
   */
  K read(CsvRecord record, RecordFn.Output<K, V> out);

  /** Adds the record {@link #read} last returned a key for into {@code acc}; returns it. */
  A addTo(A acc);

  /**
   * Whether the key {@link #read} returns is always what its last call of {@link CsvRecord#key} or
   * {@link CsvRecord#keys} on that record returned (or it made none): then the engine finds the
   * key's accumulator by the record view's id of that key, without hashing it.
   */
  default boolean returnsTheViewsKey() {
    return false;
  }

  /**
   * A fresh set of per-key columns that adds what {@link #read} found last, as {@link #addTo}
   * would, for the combine function {@link #accumulatesFor} accepted; or null, when the function
   * has none (then the engine adds into one accumulator per key). Called after {@code
   * accumulatesFor}, once per unit of work.
   */
  default KeyedAccumulators<A> keyedAccumulators(long maxBytes) {
    return null;
  }
}
