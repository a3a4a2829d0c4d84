package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * The {@link DecimalStats} of many keys in one {@code long[]}: per key slot its count, sum,
 * minimum, maximum and scale side by side (40 bytes, about one cache line), while every value the
 * slot got has one scale from 0 to 18 and the sum fits in a long. A slot that gets anything else (a
 * value of another scale, a BigDecimal, a sum that would overflow) moves to a DecimalStats object
 * of its own, with the figures it had, and stays there until the next {@link #clear}, so every
 * figure stays exact and ends as {@link DecimalStats#add} would have made it. Not thread-safe.
 */
final class DecimalColumns {
  private static final int STRIDE = 5;
  private static final int COUNT = 0;
  private static final int SUM = 1;
  private static final int MIN = 2;
  private static final int MAX = 3;
  private static final int SCALE = 4;

  /** The bytes of one slot in the block, and of its place among the objects. */
  static final int SLOT_BYTES = 8 * STRIDE + 8;

  /** A count that says: this slot's figures are in {@link #objects}. */
  private static final long MOVED = -1;

  private long[] block;
  private DecimalStats[] objects;

  DecimalColumns(int slots) {
    block = new long[STRIDE * slots];
    objects = new DecimalStats[slots];
  }

  /** Room for slots below {@code slots}; new slots are empty. */
  void ensure(int slots) {
    if (slots > objects.length) {
      int n = Math.max(slots, objects.length * 2);
      block = Arrays.copyOf(block, STRIDE * n);
      objects = Arrays.copyOf(objects, n);
    }
  }

  /** {@code add(BigDecimal.valueOf(unscaled, scale))} to the slot's figures. */
  void add(int slot, long unscaled, int scale) {
    long[] k = block;
    int b = slot * STRIDE;
    long n = k[b + COUNT];
    if (n == 0 && scale >= 0 && scale <= 18) {
      k[b + COUNT] = 1;
      k[b + SUM] = unscaled;
      k[b + MIN] = unscaled;
      k[b + MAX] = unscaled;
      k[b + SCALE] = scale;
      return;
    }
    if (n > 0 && k[b + SCALE] == scale) {
      long s = k[b + SUM];
      long r = s + unscaled;
      // overflow iff both operands have the sign the result lacks
      if (((s ^ r) & (unscaled ^ r)) >= 0) {
        k[b + COUNT] = n + 1;
        k[b + SUM] = r;
        if (unscaled < k[b + MIN]) {
          k[b + MIN] = unscaled;
        } else if (unscaled > k[b + MAX]) {
          k[b + MAX] = unscaled;
        }
        return;
      }
    }
    moved(slot).add(unscaled, scale);
  }

  void add(int slot, BigDecimal v) {
    moved(slot).add(v);
  }

  /** The slot's figures as its own DecimalStats, from now until {@link #clear}. */
  private DecimalStats moved(int slot) {
    int b = slot * STRIDE;
    if (block[b + COUNT] != MOVED) {
      objects[slot] = stats(b);
      block[b + COUNT] = MOVED;
    }
    return objects[slot];
  }

  /** The figures of the slot at {@code b} in the block, exactly as DecimalStats.add makes them. */
  private DecimalStats stats(int b) {
    long n = block[b + COUNT];
    if (n == 0) {
      return new DecimalStats();
    }
    int scale = (int) block[b + SCALE];
    return DecimalStats.of(
        n, block[b + SUM], scale, null, block[b + MIN], scale, null, block[b + MAX], scale, null);
  }

  /** Whether the slot got no value since the last {@link #clear}. */
  boolean isEmpty(int slot) {
    return block[slot * STRIDE + COUNT] == 0;
  }

  /**
   * {@code into} (a new DecimalStats when null) with the slot's figures merged in: what adding the
   * slot's values to it one by one gives.
   */
  DecimalStats into(int slot, DecimalStats into) {
    int b = slot * STRIDE;
    DecimalStats mine = block[b + COUNT] == MOVED ? objects[slot] : stats(b);
    return into == null ? mine : into.merge(mine);
  }

  /** Empties slots below {@code slots}. */
  void clear(int slots) {
    Arrays.fill(block, 0, STRIDE * slots, 0L);
    Arrays.fill(objects, 0, slots, null);
  }

  /** The bytes that slots below {@code slots} take (those moved to objects not counted). */
  static long bytes(int slots) {
    return (long) SLOT_BYTES * slots;
  }
}
