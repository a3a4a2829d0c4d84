package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Count, exact sum, minimum and maximum of a group of decimals. Mutable: {@link #add} and {@link
 * #merge} change this object, so it serves as a combiner accumulator. Merging is associative and
 * commutative, and every figure is exact, so the result does not depend on how records were split
 * into bundles or in what order they arrived.
 *
 * <p>Compact: the sum, the minimum and the maximum are each an unscaled {@code long} and a scale
 * while they fit (every value of up to 18 significant digits, and sums of them short of {@code
 * Long.MAX_VALUE} units of the largest scale seen), so adding a value costs no allocation ({@link
 * #add(long, int)}); a figure that would overflow becomes a {@link BigDecimal} from then on, so
 * every figure stays exact. Which form a figure is in never shows: the accessors return the same
 * numbers either way.
 */
public final class DecimalStats {
  /** 10^0 .. 10^18: every power of ten a long holds. */
  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private long count;
  // each figure: unscaled long and scale while *Big is null, else *Big
  private long sum;
  private int sumScale;
  private BigDecimal sumBig;
  private long min;
  private int minScale;
  private BigDecimal minBig;
  private long max;
  private int maxScale;
  private BigDecimal maxBig;

  public DecimalStats() {}

  DecimalStats(long count, BigDecimal sum, BigDecimal min, BigDecimal max) {
    this.count = count;
    setSum(sum);
    if (count > 0) {
      setMin(min);
      setMax(max);
    }
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
    if (v.precision() <= 18) {
      return add(v.unscaledValue().longValue(), v.scale());
    }
    count++;
    sumBig = sum().add(v);
    if (count == 1 || compareToMin(v) < 0) {
      setMin(v);
    }
    if (count == 1 || compareToMax(v) > 0) {
      setMax(v);
    }
    return this;
  }

  /**
   * Adds the value {@code unscaled × 10^-scale}: the same as {@code
   * add(BigDecimal.valueOf(unscaled, scale))}, without building the BigDecimal while every figure
   * fits in a long.
   */
  public DecimalStats add(long unscaled, int scale) {
    if (count++ == 0) {
      // the sum's scale is BigDecimal.ZERO.add(value)'s: at least 0
      sum = 0;
      sumScale = 0;
      sumBig = null;
      addToSum(unscaled, scale);
      min = max = unscaled;
      minScale = maxScale = scale;
      minBig = maxBig = null;
      return this;
    }
    addToSum(unscaled, scale);
    if (minBig == null) {
      if (compare(unscaled, scale, min, minScale) < 0) {
        min = unscaled;
        minScale = scale;
      }
    } else if (minBig.compareTo(BigDecimal.valueOf(unscaled, scale)) > 0) {
      min = unscaled;
      minScale = scale;
      minBig = null;
    }
    if (maxBig == null) {
      if (compare(unscaled, scale, max, maxScale) > 0) {
        max = unscaled;
        maxScale = scale;
      }
    } else if (maxBig.compareTo(BigDecimal.valueOf(unscaled, scale)) < 0) {
      max = unscaled;
      maxScale = scale;
      maxBig = null;
    }
    return this;
  }

  private void addToSum(long unscaled, int scale) {
    if (sumBig == null) {
      if (scale == sumScale) {
        long r = sum + unscaled;
        // overflow iff both operands have the sign the result lacks
        if (((sum ^ r) & (unscaled ^ r)) >= 0) {
          sum = r;
          return;
        }
      } else if (scale > sumScale) {
        long up = scaleUp(sum, scale - sumScale);
        if (up != OVERFLOW) {
          long r = up + unscaled;
          if (((up ^ r) & (unscaled ^ r)) >= 0) {
            sum = r;
            sumScale = scale;
            return;
          }
        }
      } else {
        long up = scaleUp(unscaled, sumScale - scale);
        if (up != OVERFLOW) {
          long r = sum + up;
          if (((sum ^ r) & (up ^ r)) >= 0) {
            sum = r;
            return;
          }
        }
      }
      sumBig = BigDecimal.valueOf(sum, sumScale);
    }
    sumBig = sumBig.add(BigDecimal.valueOf(unscaled, scale));
  }

  /** A value no scaled-up long takes ({@link #scaleUp} refuses Long.MIN_VALUE as a result). */
  private static final long OVERFLOW = Long.MIN_VALUE;

  /** {@code v × 10^digits}, or {@link #OVERFLOW} when that does not fit in a long. */
  private static long scaleUp(long v, int digits) {
    if (v == 0) {
      return 0;
    }
    if (digits >= POW10.length || v == Long.MIN_VALUE) {
      return OVERFLOW;
    }
    long p = POW10[digits];
    long bound = Long.MAX_VALUE / p;
    return v > bound || v < -bound ? OVERFLOW : v * p;
  }

  /** Compares {@code a × 10^-as} with {@code b × 10^-bs} exactly. */
  static int compare(long a, int as, long b, int bs) {
    if (as == bs) {
      return Long.compare(a, b);
    }
    int sa = Long.signum(a);
    int sb = Long.signum(b);
    if (sa != sb) {
      return Integer.compare(sa, sb);
    }
    if (as < bs) {
      long up = scaleUp(a, bs - as);
      // a scaled to b's scale does not fit: its magnitude is larger than b's
      return up == OVERFLOW ? sa : Long.compare(up, b);
    }
    long up = scaleUp(b, as - bs);
    return up == OVERFLOW ? -sb : Long.compare(a, up);
  }

  /** Adds all values summarized by {@code other} (which is left unchanged). */
  public DecimalStats merge(DecimalStats other) {
    if (other.count == 0) {
      return this;
    }
    if (count == 0) {
      count = other.count;
      sum = other.sum;
      sumScale = other.sumScale;
      sumBig = other.sumBig;
      min = other.min;
      minScale = other.minScale;
      minBig = other.minBig;
      max = other.max;
      maxScale = other.maxScale;
      maxBig = other.maxBig;
      return this;
    }
    count += other.count;
    if (other.sumBig == null) {
      addToSum(other.sum, other.sumScale);
    } else {
      sumBig = sum().add(other.sumBig);
    }
    if (other.minBig == null && minBig == null) {
      if (compare(other.min, other.minScale, min, minScale) < 0) {
        min = other.min;
        minScale = other.minScale;
      }
    } else if (compareToMin(other.min()) < 0) {
      setMin(other.min());
    }
    if (other.maxBig == null && maxBig == null) {
      if (compare(other.max, other.maxScale, max, maxScale) > 0) {
        max = other.max;
        maxScale = other.maxScale;
      }
    } else if (compareToMax(other.max()) > 0) {
      setMax(other.max());
    }
    return this;
  }

  private int compareToMin(BigDecimal v) {
    return v.compareTo(min());
  }

  private int compareToMax(BigDecimal v) {
    return v.compareTo(max());
  }

  private void setSum(BigDecimal v) {
    if (v.precision() <= 18) {
      sum = v.unscaledValue().longValue();
      sumScale = v.scale();
      sumBig = null;
    } else {
      sumBig = v;
    }
  }

  private void setMin(BigDecimal v) {
    if (v.precision() <= 18) {
      min = v.unscaledValue().longValue();
      minScale = v.scale();
      minBig = null;
    } else {
      minBig = v;
    }
  }

  private void setMax(BigDecimal v) {
    if (v.precision() <= 18) {
      max = v.unscaledValue().longValue();
      maxScale = v.scale();
      maxBig = null;
    } else {
      maxBig = v;
    }
  }

  // for DecimalStatsCoder: each figure as unscaled and scale when it is compact (*Big null)

  long sumUnscaled() {
    return sum;
  }

  int sumScale() {
    return sumScale;
  }

  BigDecimal sumBig() {
    return count == 0 ? BigDecimal.ZERO : sumBig;
  }

  long minUnscaled() {
    return min;
  }

  int minScale() {
    return minScale;
  }

  BigDecimal minBig() {
    return minBig;
  }

  long maxUnscaled() {
    return max;
  }

  int maxScale() {
    return maxScale;
  }

  BigDecimal maxBig() {
    return maxBig;
  }

  /** For DecimalStatsCoder: a non-empty summary from its figures, each compact or not. */
  static DecimalStats of(
      long count,
      long sum,
      int sumScale,
      BigDecimal sumBig,
      long min,
      int minScale,
      BigDecimal minBig,
      long max,
      int maxScale,
      BigDecimal maxBig) {
    DecimalStats s = new DecimalStats();
    s.count = count;
    s.sum = sum;
    s.sumScale = sumScale;
    s.sumBig = sumBig;
    s.min = min;
    s.minScale = minScale;
    s.minBig = minBig;
    s.max = max;
    s.maxScale = maxScale;
    s.maxBig = maxBig;
    return s;
  }

  public long count() {
    return count;
  }

  public BigDecimal sum() {
    if (count == 0) {
      return BigDecimal.ZERO;
    }
    return sumBig != null ? sumBig : BigDecimal.valueOf(sum, sumScale);
  }

  /** Smallest value, or null when empty. */
  public BigDecimal min() {
    if (count == 0) {
      return null;
    }
    return minBig != null ? minBig : BigDecimal.valueOf(min, minScale);
  }

  /** Largest value, or null when empty. */
  public BigDecimal max() {
    if (count == 0) {
      return null;
    }
    return maxBig != null ? maxBig : BigDecimal.valueOf(max, maxScale);
  }

  /** {@code Decimals.format(sum())}, from the long while the sum is compact. */
  public String sumText() {
    return count > 0 && sumBig == null ? Decimals.format(sum, sumScale) : Decimals.format(sum());
  }

  /** {@code Decimals.format(min())}; throws when empty. */
  public String minText() {
    return count > 0 && minBig == null ? Decimals.format(min, minScale) : Decimals.format(min());
  }

  /** {@code Decimals.format(max())}; throws when empty. */
  public String maxText() {
    return count > 0 && maxBig == null ? Decimals.format(max, maxScale) : Decimals.format(max());
  }

  /** Sum / count rounded HALF_EVEN to 6 places; null when empty. */
  public BigDecimal mean() {
    return count == 0 ? null : Decimals.mean(sum(), count);
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
    return count == s.count
        && sum().compareTo(s.sum()) == 0
        && numEq(min(), s.min())
        && numEq(max(), s.max());
  }

  private static boolean numEq(BigDecimal a, BigDecimal b) {
    return a == null ? b == null : b != null && a.compareTo(b) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        count,
        sum().stripTrailingZeros(),
        min() == null ? null : min().stripTrailingZeros(),
        max() == null ? null : max().stripTrailingZeros());
  }

  @Override
  public String toString() {
    return "DecimalStats{count="
        + count
        + ", sum="
        + Decimals.format(sum())
        + ", min="
        + (min() == null ? "-" : Decimals.format(min()))
        + ", max="
        + (max() == null ? "-" : Decimals.format(max()))
        + "}";
  }
}
