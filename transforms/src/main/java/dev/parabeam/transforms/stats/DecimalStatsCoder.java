package dev.parabeam.transforms.stats;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.VarLongCoder;

/** Deterministic coder for {@link DecimalStats}: count, then sum, min and max when non-empty. */
public final class DecimalStatsCoder extends AtomicCoder<DecimalStats> {
  private static final DecimalStatsCoder INSTANCE = new DecimalStatsCoder();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final BigDecimalCoder DECIMAL = BigDecimalCoder.of();

  public static DecimalStatsCoder of() {
    return INSTANCE;
  }

  private DecimalStatsCoder() {}

  @Override
  public void encode(DecimalStats value, OutputStream out) throws CoderException, IOException {
    LONG.encode(value.count(), out);
    if (value.count() > 0) {
      DECIMAL.encode(value.sum(), out);
      DECIMAL.encode(value.min(), out);
      DECIMAL.encode(value.max(), out);
    }
  }

  @Override
  public DecimalStats decode(InputStream in) throws CoderException, IOException {
    long count = LONG.decode(in);
    if (count == 0) {
      return new DecimalStats();
    }
    BigDecimal sum = DECIMAL.decode(in);
    BigDecimal min = DECIMAL.decode(in);
    BigDecimal max = DECIMAL.decode(in);
    return new DecimalStats(count, sum, min, max);
  }

  @Override
  public void verifyDeterministic() {}

}
