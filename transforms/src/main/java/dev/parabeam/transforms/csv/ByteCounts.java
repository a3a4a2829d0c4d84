package dev.parabeam.transforms.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * How many quote bytes and LF bytes a byte range holds, and whether its last byte is an LF. Summing
 * the counts of the ranges before a chunk tells the chunk the quote parity and the line number at
 * its first byte, which is all it needs to find record boundaries on its own.
 */
@DefaultCoder(ByteCounts.Coder.class)
public final class ByteCounts implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long quotes;
  private final long lineFeeds;
  private final boolean endsWithLineFeed;

  public ByteCounts(long quotes, long lineFeeds, boolean endsWithLineFeed) {
    this.quotes = quotes;
    this.lineFeeds = lineFeeds;
    this.endsWithLineFeed = endsWithLineFeed;
  }

  public long quotes() {
    return quotes;
  }

  public long lineFeeds() {
    return lineFeeds;
  }

  public boolean endsWithLineFeed() {
    return endsWithLineFeed;
  }

  /**
   * Counts quotes and LFs in the next {@code length} bytes of {@code channel} (fewer if the stream
   * ends first).
   */
  public static ByteCounts count(ReadableByteChannel channel, long length, byte quote)
      throws IOException {
    ByteBuffer bb = ByteBuffer.allocate((int) Math.min(1 << 16, Math.max(1, length)));
    byte[] a = bb.array();
    long remaining = length;
    long q = 0;
    long lf = 0;
    byte last = 0;
    while (remaining > 0) {
      bb.clear();
      if (remaining < bb.capacity()) {
        bb.limit((int) remaining);
      }
      int n = channel.read(bb);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        byte b = a[i];
        if (b == quote) {
          q++;
        } else if (b == '\n') {
          lf++;
        }
      }
      if (n > 0) {
        last = a[n - 1];
      }
      remaining -= n;
    }
    return new ByteCounts(q, lf, last == '\n');
  }

  @Override
  public String toString() {
    return "ByteCounts{quotes=" + quotes + ", lineFeeds=" + lineFeeds + ", endsWithLF=" + endsWithLineFeed + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteCounts
        && ((ByteCounts) o).quotes == quotes
        && ((ByteCounts) o).lineFeeds == lineFeeds
        && ((ByteCounts) o).endsWithLineFeed == endsWithLineFeed;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(quotes * 31 + lineFeeds) * 2 + (endsWithLineFeed ? 1 : 0);
  }

  /** Deterministic coder for {@link ByteCounts}. */
  public static final class Coder extends AtomicCoder<ByteCounts> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ByteCounts c, OutputStream out) throws IOException {
      VarLongCoder.of().encode(c.quotes, out);
      VarLongCoder.of().encode(c.lineFeeds, out);
      BooleanCoder.of().encode(c.endsWithLineFeed, out);
    }

    @Override
    public ByteCounts decode(InputStream in) throws IOException {
      return new ByteCounts(VarLongCoder.of().decode(in), VarLongCoder.of().decode(in), BooleanCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
