package dev.parabeam.transforms.stats;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** Deterministic coder for {@link DecimalStats}: count, then sum, min and max when non-empty. */
public final class DecimalStatsCoder extends AtomicCoder<DecimalStats> {
  private static final DecimalStatsCoder INSTANCE = new DecimalStatsCoder();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final VarIntCoder INT = VarIntCoder.of();

  public static DecimalStatsCoder of() {
    return INSTANCE;
  }

  private DecimalStatsCoder() {}

  @Override
  public void encode(DecimalStats value, OutputStream out) throws CoderException, IOException {
    if (value.sumBig() == null && value.minBig() == null && value.maxBig() == null) {
      // the common case, compact figures: the same bytes as below, gathered in one array and
      // written in one call rather than a call per byte of every var-int
      byte[] b = new byte[COMPACT_MAX];
      int n = putVarLong(b, 0, value.count());
      if (value.count() > 0) {
        n = putCompact(b, n, value.sumUnscaled(), value.sumScale());
        n = putCompact(b, n, value.minUnscaled(), value.minScale());
        n = putCompact(b, n, value.maxUnscaled(), value.maxScale());
      }
      out.write(b, 0, n);
      return;
    }
    LONG.encode(value.count(), out);
    if (value.count() > 0) {
      encodeDecimal(value.sumBig(), value.sumUnscaled(), value.sumScale(), out);
      encodeDecimal(value.minBig(), value.minUnscaled(), value.minScale(), out);
      encodeDecimal(value.maxBig(), value.maxUnscaled(), value.maxScale(), out);
    }
  }

  /** A var-long count and three compact figures (a 5-byte scale, a 0, a 10-byte var-long). */
  private static final int COMPACT_MAX = 10 + 3 * (5 + 1 + 10);

  /** A compact figure as {@link #encodeDecimal} writes it: scale, 0, the unscaled var-long. */
  private static int putCompact(byte[] b, int at, long unscaled, int scale) {
    at = putVarLong(b, at, scale & 0xFFFFFFFFL); // VarIntCoder: the int's 32 bits, unsigned
    b[at++] = 0;
    return putVarLong(b, at, unscaled);
  }

  /** Beam's var-int of a long (VarLongCoder): 7 bits a byte, low first, as unsigned. */
  private static int putVarLong(byte[] b, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      b[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[at++] = (byte) v;
    return at;
  }

  @Override
  public DecimalStats decode(InputStream in) throws CoderException, IOException {
    long count = LONG.decode(in);
    if (count == 0) {
      return new DecimalStats();
    }
    // each figure compact (big null) when its unscaled value came as a var-long
    int sumScale = INT.decode(in);
    long sum = 0;
    BigDecimal sumBig = null;
    int n = INT.decode(in);
    if (n == 0) {
      sum = LONG.decode(in);
    } else {
      sumBig = decodeBig(in, n, sumScale);
    }
    int minScale = INT.decode(in);
    long min = 0;
    BigDecimal minBig = null;
    n = INT.decode(in);
    if (n == 0) {
      min = LONG.decode(in);
    } else {
      minBig = decodeBig(in, n, minScale);
    }
    int maxScale = INT.decode(in);
    long max = 0;
    BigDecimal maxBig = null;
    n = INT.decode(in);
    if (n == 0) {
      max = LONG.decode(in);
    } else {
      maxBig = decodeBig(in, n, maxScale);
    }
    return DecimalStats.of(
        count, sum, sumScale, sumBig, min, minScale, minBig, max, maxScale, maxBig);
  }

  @Override
  public void verifyDeterministic() {}

  /**
   * Scale, then the unscaled value: as a var-long when it fits (the common case), else as the bytes
   * of its two's complement. A compact figure ({@code big} null) is written from its long without a
   * BigDecimal; Beam's BigDecimalCoder formats an error message on every call, which costs more
   * than the encoding itself.
   */
  private static void encodeDecimal(BigDecimal big, long unscaled, int scale, OutputStream out)
      throws IOException {
    if (big == null) {
      INT.encode(scale, out);
      INT.encode(0, out);
      LONG.encode(unscaled, out);
      return;
    }
    INT.encode(big.scale(), out);
    BigInteger u = big.unscaledValue();
    if (u.bitLength() < 63) {
      INT.encode(0, out);
      LONG.encode(u.longValue(), out);
    } else {
      byte[] b = u.toByteArray();
      INT.encode(b.length, out);
      out.write(b);
    }
  }

  /**
   * A figure written as a var-long that is not compact here (a big one that shrank) is kept big.
   */
  private static BigDecimal decodeBig(InputStream in, int n, int scale) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new CoderException("truncated decimal: expected " + n + " bytes, got " + b.length);
    }
    return new BigDecimal(new BigInteger(b), scale);
  }
}
