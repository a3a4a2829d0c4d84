package dev.parabeam.pipelines.graph;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/** One good record of the input: its region, product and amount. */
record Sale(String region, String product, BigDecimal amount) implements Serializable {
  /** Coder: region, product, amount. */
  static final class Coder extends CustomCoder<Sale> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(Sale s, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(s.region(), out);
      StringUtf8Coder.of().encode(s.product(), out);
      BigDecimalCoder.of().encode(s.amount(), out);
    }

    @Override
    public Sale decode(InputStream in) throws IOException {
      return new Sale(
          StringUtf8Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          BigDecimalCoder.of().decode(in));
    }
  }
}
