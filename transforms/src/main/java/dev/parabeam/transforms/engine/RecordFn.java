package dev.parabeam.transforms.engine;

import java.io.Serializable;
import java.util.List;

/**
 * The per-record step of {@link ChunkedCsv}: from one well-formed record, zero or more {@code (key,
 * value)} pairs, or a reason to make the record a dead letter. Runs inside the chunk, on the
 * worker, once per record; it must not keep state between records (a chunk may be retried).
 *
 * <p>A record is all or nothing: if {@link Output#reject} is called, the pairs it emitted are
 * dropped and the record becomes one dead letter with that reason.
 */
@FunctionalInterface
public interface RecordFn<K, V> extends Serializable {
  void apply(CsvRecord record, Output<K, V> out);

  /**
   * The columns this function reads by name. The launcher checks, before anything runs, that every
   * input file has them, and names the missing one with the columns the file has.
   */
  default List<String> requiredColumns() {
    return List.of();
  }

  /** Called once per worker before the first record (e.g. to calibrate simulated work). */
  default void setup() {}

  /** Where a {@link RecordFn} puts its results. */
  interface Output<K, V> {
    void emit(K key, V value);

    /** Makes the record a dead letter with {@code reason}; what it emitted is dropped. */
    void reject(String reason);
  }
}
