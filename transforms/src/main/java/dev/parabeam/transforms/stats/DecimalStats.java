package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Count, exact sum, minimum and maximum of a group of decimals. Mutable: {@link #add} and {@link
 * #merge} change this object, so it serves as a combiner accumulator. Merging is associative and
 * commutative, and every figure is exact, so the result does not depend on how records were split
 * into bundles or in what order they arrived.
 */
public final class DecimalStats {
  private long count;
  private BigDecimal sum = BigDecimal.ZERO;
  private BigDecimal min;
  private BigDecimal max;

  public DecimalStats() {}

  DecimalStats(long count, BigDecimal sum, BigDecimal min, BigDecimal max) {
    this.count = count;
    this.sum = sum;
    this.min = min;
    this.max = max;
  }

  public static DecimalStats of(BigDecimal... values) {
    DecimalStats s = new DecimalStats();
    for (BigDecimal v : values) {
      s.add(v);
    }
    return s;
  }

  /** Adds one value. */
  public DecimalStats add(BigDecimal v) {
    count++;
    sum = sum.add(v);
    if (min == null || v.compareTo(min) < 0) {
      min = v;
    }
    if (max == null || v.compareTo(max) > 0) {
      max = v;
    }
    return this;
  }

  /** Adds all values summarized by {@code other} (which is left unchanged). */
  public DecimalStats merge(DecimalStats other) {
    if (other.count == 0) {
      return this;
    }
    count += other.count;
    sum = sum.add(other.sum);
    if (min == null || other.min.compareTo(min) < 0) {
      min = other.min;
    }
    if (max == null || other.max.compareTo(max) > 0) {
      max = other.max;
    }
    return this;
  }

  public long count() {
    return count;
  }

  public BigDecimal sum() {
    return sum;
  }

  /** Smallest value, or null when empty. */
  public BigDecimal min() {
    return min;
  }

  /** Largest value, or null when empty. */
  public BigDecimal max() {
    return max;
  }

  /** Sum / count rounded HALF_EVEN to 6 places; null when empty. */
  public BigDecimal mean() {
    return count == 0 ? null : Decimals.mean(sum, count);
  }

  /**
   * Equality of the figures as numbers (1.0 equals 1.00), since two groups with the same values may
   * carry different scales depending on how they were summed.
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DecimalStats)) {
      return false;
    }
    DecimalStats s = (DecimalStats) o;
    return count == s.count && sum.compareTo(s.sum) == 0 && numEq(min, s.min) && numEq(max, s.max);
  }

  private static boolean numEq(BigDecimal a, BigDecimal b) {
    return a == null ? b == null : b != null && a.compareTo(b) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        count,
        sum.stripTrailingZeros(),
        min == null ? null : min.stripTrailingZeros(),
        max == null ? null : max.stripTrailingZeros());
  }

  @Override
  public String toString() {
    return "DecimalStats{count="
        + count
        + ", sum="
        + Decimals.format(sum)
        + ", min="
        + (min == null ? "-" : Decimals.format(min))
        + ", max="
        + (max == null ? "-" : Decimals.format(max))
        + "}";
  }
}
