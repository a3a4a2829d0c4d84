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
    LONG.encode(value.count(), out);
    if (value.count() > 0) {
      encodeDecimal(value.sum(), out);
      encodeDecimal(value.min(), out);
      encodeDecimal(value.max(), out);
    }
  }

  @Override
  public DecimalStats decode(InputStream in) throws CoderException, IOException {
    long count = LONG.decode(in);
    if (count == 0) {
      return new DecimalStats();
    }
    BigDecimal sum = decodeDecimal(in);
    BigDecimal min = decodeDecimal(in);
    BigDecimal max = decodeDecimal(in);
    return new DecimalStats(count, sum, min, max);
  }

  @Override
  public void verifyDeterministic() {}

  /**
   * Scale, then the unscaled value: as a var-long when it fits (the common case), else as the bytes
   * of its two's complement. Beam's BigDecimalCoder formats an error message on every call, which
   * costs more than the encoding itself.
   */
  private static void encodeDecimal(BigDecimal v, OutputStream out) throws IOException {
    INT.encode(v.scale(), out);
    BigInteger u = v.unscaledValue();
    if (u.bitLength() < 63) {
      INT.encode(0, out);
      LONG.encode(u.longValue(), out);
    } else {
      byte[] b = u.toByteArray();
      INT.encode(b.length, out);
      out.write(b);
    }
  }

  private static BigDecimal decodeDecimal(InputStream in) throws IOException {
    int scale = INT.decode(in);
    int n = INT.decode(in);
    if (n == 0) {
      return BigDecimal.valueOf(LONG.decode(in), scale);
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new CoderException("truncated decimal: expected " + n + " bytes, got " + b.length);
    }
    return new BigDecimal(new BigInteger(b), scale);
  }
}
