package dev.parabeam.transforms.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;

/**
 * What Beam's {@code CoderUtils.encodeToByteArray} and {@code decodeFromByteArray} do (a value as
 * the bytes of its coder in the outer context, and back, every byte consumed), through streams of
 * its own that take no lock and are reused: a {@code ByteArrayOutputStream}'s {@code write(int)}
 * and a {@code ByteArrayInputStream}'s {@code read()}, which a varint calls once per byte, are
 * synchronized, and on JDK 17 every uncontended lock is an atomic operation. The reduce encodes and
 * decodes every key and accumulator of a spill this way. Not thread-safe: one per worker.
 */
final class CoderBytes {
  private final Out out = new Out();
  private final In in = new In();

  /**
   * {@code value}'s bytes, valid until the next call; {@link #length()} of them in {@link
   * #array()}.
   */
  @SuppressWarnings("deprecation") // the outer context is what CoderUtils uses, so bytes agree
  <T> CoderBytes encode(Coder<T> coder, T value) throws IOException {
    out.size = 0;
    coder.encode(value, out, Coder.Context.OUTER);
    return this;
  }

  byte[] array() {
    return out.buf;
  }

  int length() {
    return out.size;
  }

  /** A copy of the bytes {@link #encode} wrote last. */
  byte[] copy() {
    return Arrays.copyOf(out.buf, out.size);
  }

  /** Decodes {@code bytes}, which must hold exactly one value. */
  @SuppressWarnings("deprecation")
  <T> T decode(Coder<T> coder, byte[] bytes) throws IOException {
    in.b = bytes;
    in.pos = 0;
    T value = coder.decode(in, Coder.Context.OUTER);
    if (in.pos != bytes.length) {
      throw new CoderException(
          "decoding " + coder + " consumed " + in.pos + " of " + bytes.length + " bytes");
    }
    in.b = null;
    return value;
  }

  private static final class Out extends OutputStream {
    byte[] buf = new byte[256];
    int size;

    private void room(int n) {
      if (size + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
      }
    }

    @Override
    public void write(int b) {
      room(1);
      buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      room(len);
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }
  }

  private static final class In extends InputStream {
    byte[] b;
    int pos;

    @Override
    public int read() {
      return pos < b.length ? b[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] into, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, b.length - pos);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(b, pos, into, off, n);
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      int k = (int) Math.max(0, Math.min(n, b.length - pos));
      pos += k;
      return k;
    }

    @Override
    public int available() {
      return b.length - pos;
    }
  }
}
