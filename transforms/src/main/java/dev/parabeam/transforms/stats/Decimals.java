package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Exact decimal parsing and printing, the same on every runner. */
public final class Decimals {
  /** Numbers whose scale lies outside ±MAX_SCALE are refused, so that no sum can grow unbounded. */
  public static final int MAX_SCALE = 1000;

  /** Decimal places of a mean. */
  public static final int MEAN_SCALE = 6;

  private Decimals() {}

  /** Result of {@link #parse}: a value, or the reason there is none. */
  public static final class Parsed {
    public final BigDecimal value;
    public final String error;

    private Parsed(BigDecimal value, String error) {
      this.value = value;
      this.error = error;
    }
  }

  /**
   * Parses a number: after trimming spaces and tabs, it must match {@code
   * [+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?} with ASCII digits, and its scale must lie within
   * ±{@value #MAX_SCALE}.
   *
   * @return the value, or null when {@code s} is not such a number
   */
  public static BigDecimal parseOrNull(String s) {
    Parsed p = parse(s);
    return p.value;
  }

  /** Parses like {@link #parseOrNull} but says why a string is not a number. */
  public static Parsed parse(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isSpace(s.charAt(b))) {
      b++;
    }
    while (e > b && isSpace(s.charAt(e - 1))) {
      e--;
    }
    if (!matchesNumber(s, b, e)) {
      return new Parsed(null, "not a number");
    }
    BigDecimal v;
    try {
      v = new BigDecimal(s.substring(b, e));
    } catch (NumberFormatException | ArithmeticException ex) {
      return new Parsed(null, "number out of range");
    }
    if (v.scale() > MAX_SCALE || v.scale() < -MAX_SCALE) {
      return new Parsed(null, "number out of range (scale beyond ±" + MAX_SCALE + ")");
    }
    return new Parsed(v, null);
  }

  /**
   * The fast path of {@link #parse} for a number held as ASCII bytes {@code a[from, to)}: the same
   * value with the same scale as {@code parse(new String(a, from, to - from, UTF_8)).value}, built
   * from an unscaled {@code long} without a String or a BigInteger, or null when the bytes are not
   * a number whose significant digits fit in 18 and whose exponent and scale are small. A null says
   * nothing about validity: the caller then takes the slow path, which also gives the reason.
   */
  public static BigDecimal parseOrNull(byte[] a, int from, int to) {
    Unscaled u = new Unscaled();
    return u.read(a, from, to) ? BigDecimal.valueOf(u.unscaled, u.scale) : null;
  }

  /** 10^0 .. 10^22: the powers of ten a double holds exactly. */
  private static final double[] DOUBLE_POW10 = new double[23];

  static {
    DOUBLE_POW10[0] = 1;
    for (int i = 1; i < DOUBLE_POW10.length; i++) {
      DOUBLE_POW10[i] = DOUBLE_POW10[i - 1] * 10;
    }
  }

  /**
   * {@code BigDecimal.valueOf(unscaled, scale).doubleValue()}: the double nearest the decimal.
   * While the unscaled value and the power of ten are both exact doubles, one correctly rounded
   * division gives it without building the BigDecimal.
   */
  public static double toDouble(long unscaled, int scale) {
    if (scale >= 0 && scale < DOUBLE_POW10.length && Math.abs(unscaled) < (1L << 53)) {
      return scale == 0 ? (double) unscaled : (double) unscaled / DOUBLE_POW10[scale];
    }
    return BigDecimal.valueOf(unscaled, scale).doubleValue();
  }

  /**
   * A reusable reader of plain decimals from bytes into an unscaled {@code long} and a scale, with
   * no allocation: what {@link #parseOrNull(byte[], int, int)} builds its BigDecimal from. Not
   * thread-safe.
   */
  public static final class Unscaled {
    /** The value read last is {@code unscaled × 10^-scale}. */
    public long unscaled;

    public int scale;

    /**
     * Reads {@code a[from, to)}; true when it is a number {@link #parseOrNull(byte[], int, int)}
     * accepts (then {@link #unscaled} and {@link #scale} hold it), false when the slow path must
     * decide (the fields are then undefined).
     */
    public boolean read(byte[] a, int from, int to) {
      int b = from;
      int e = to;
      while (b < e && (a[b] == ' ' || a[b] == '\t')) {
        b++;
      }
      while (e > b && (a[e - 1] == ' ' || a[e - 1] == '\t')) {
        e--;
      }
      int i = b;
      boolean negative = false;
      if (i < e && (a[i] == '+' || a[i] == '-')) {
        negative = a[i] == '-';
        i++;
      }
      long value = 0;
      int significant = 0; // digits from the first non-zero one
      int intDigits = 0;
      while (i < e && a[i] >= '0' && a[i] <= '9') {
        int d = a[i++] - '0';
        if (significant > 0 || d != 0) {
          if (++significant > 18) {
            return false;
          }
        }
        value = value * 10 + d;
        intDigits++;
      }
      int fracDigits = 0;
      if (i < e && a[i] == '.') {
        i++;
        while (i < e && a[i] >= '0' && a[i] <= '9') {
          int d = a[i++] - '0';
          if (significant > 0 || d != 0) {
            if (++significant > 18) {
              return false;
            }
          }
          value = value * 10 + d;
          fracDigits++;
        }
      }
      if (intDigits == 0 && fracDigits == 0) {
        return false;
      }
      long exponent = 0;
      if (i < e && (a[i] == 'e' || a[i] == 'E')) {
        i++;
        boolean negExp = false;
        if (i < e && (a[i] == '+' || a[i] == '-')) {
          negExp = a[i] == '-';
          i++;
        }
        int expDigits = 0;
        while (i < e && a[i] >= '0' && a[i] <= '9') {
          exponent = exponent * 10 + (a[i++] - '0');
          if (++expDigits > 9) {
            return false;
          }
        }
        if (expDigits == 0) {
          return false;
        }
        exponent = negExp ? -exponent : exponent;
      }
      if (i != e) {
        return false;
      }
      long sc = fracDigits - exponent;
      if (sc > MAX_SCALE || sc < -MAX_SCALE) {
        return false;
      }
      unscaled = negative ? -value : value;
      scale = (int) sc;
      return true;
    }
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * A hand-written matcher for the number pattern, because java.util.regex is much slower on this
   * per-value path (see docs/performance.md).
   */
  static boolean matchesNumber(CharSequence s, int b, int e) {
    int i = b;
    if (i < e && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int intDigits = 0;
    while (i < e && isDigit(s.charAt(i))) {
      i++;
      intDigits++;
    }
    int fracDigits = 0;
    if (i < e && s.charAt(i) == '.') {
      i++;
      while (i < e && isDigit(s.charAt(i))) {
        i++;
        fracDigits++;
      }
    }
    if (intDigits == 0 && fracDigits == 0) {
      return false;
    }
    if (i < e && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < e && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int expDigits = 0;
      while (i < e && isDigit(s.charAt(i))) {
        i++;
        expDigits++;
      }
      if (expDigits == 0) {
        return false;
      }
    }
    return i == e;
  }

  /**
   * Prints {@code v} as {@code v.stripTrailingZeros().toPlainString()}: 4.50 → 4.5, 1E+3 → 1000.
   */
  public static String format(BigDecimal v) {
    return v.stripTrailingZeros().toPlainString();
  }

  /**
   * {@link #format(BigDecimal)} of {@code unscaled × 10^-scale}, without building the BigDecimal:
   * trailing zeros stripped, plain notation.
   */
  public static String format(long unscaled, int scale) {
    if (unscaled == 0) {
      return "0";
    }
    if (unscaled == Long.MIN_VALUE || scale > MAX_SCALE || scale < -MAX_SCALE) {
      return format(BigDecimal.valueOf(unscaled, scale));
    }
    while (unscaled % 10 == 0) {
      unscaled /= 10;
      scale--;
    }
    boolean negative = unscaled < 0;
    String digits = Long.toString(Math.abs(unscaled));
    StringBuilder sb = new StringBuilder(digits.length() + Math.abs(scale) + 3);
    if (negative) {
      sb.append('-');
    }
    if (scale <= 0) {
      sb.append(digits);
      for (int i = 0; i < -scale; i++) {
        sb.append('0');
      }
    } else if (digits.length() > scale) {
      sb.append(digits, 0, digits.length() - scale).append('.');
      sb.append(digits, digits.length() - scale, digits.length());
    } else {
      sb.append("0.");
      for (int i = digits.length(); i < scale; i++) {
        sb.append('0');
      }
      sb.append(digits);
    }
    return sb.toString();
  }

  /** {@code sum / count}, rounded HALF_EVEN to {@value #MEAN_SCALE} places. */
  public static BigDecimal mean(BigDecimal sum, long count) {
    return sum.divide(BigDecimal.valueOf(count), MEAN_SCALE, RoundingMode.HALF_EVEN);
  }
}
