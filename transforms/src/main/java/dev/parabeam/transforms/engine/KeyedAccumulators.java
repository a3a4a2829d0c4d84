package dev.parabeam.transforms.engine;

import java.util.List;

/**
 * The accumulators of many keys of one unit of work, held in columns indexed by a dense key slot
 * (0, 1, 2, ... in the order the unit met its keys) instead of as one object graph per key: an
 * {@link AccumulatingRecordFn}'s compact per-key state. Adding a record touches one or two array
 * cells per aggregation where an accumulator object touches its own objects, so a unit with
 * thousands of keys stays within the processor's caches; values a key must keep one by one (a
 * percentile's) go to one log in the order they came and reach their keys when the columns are
 * drained.
 *
 * <p>The engine gives each distinct key of the unit a slot, calls {@link #add} once per good
 * record, and {@link #drainInto} when {@link #full} says so and at the end of the unit; then the
 * slots start again from 0. At the first key the record view keeps no id for (a unit of more keys
 * than the view's tables hold) it drains them one last time and adds the unit's other records into
 * the map of accumulators instead. Not thread-safe; one per unit of work.
 *
 * <p>The contract: after {@code drainInto(accs, n)}, {@code accs.get(k)} is exactly the accumulator
 * that adding the records added to slot {@code k} since the last drain, one at a time in the order
 * added, with the function's {@link AccumulatingRecordFn#addTo} would have made from {@code
 * accs[k]} (a new accumulator where it was null). Results are therefore the same bytes whichever
 * path a record took.
 */
public interface KeyedAccumulators<A> {
  /**
   * Adds the record its function's {@link AccumulatingRecordFn#read} returned a key for last to
   * slot {@code slot} (at most one more than the largest slot added since the last drain).
   */
  void add(int slot);

  /** Whether it should be drained before more records are added (its rows or bytes). */
  boolean full();

  /** The bytes it holds, roughly. */
  long bytes();

  /**
   * Adds every slot below {@code slots} into {@code accs.get(slot)} (a new accumulator where null)
   * and then holds nothing; a slot no record was added to since the last drain is left as it is.
   */
  void drainInto(List<A> accs, int slots);
}
