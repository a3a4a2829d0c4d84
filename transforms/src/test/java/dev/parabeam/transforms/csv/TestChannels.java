package dev.parabeam.transforms.csv;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/** In-memory channels for tests: over a byte range, optionally returning few bytes per read. */
public final class TestChannels {
  private TestChannels() {}

  /** A channel over {@code data[from, data.length)}. */
  public static ReadableByteChannel from(byte[] data, int from) {
    return new Trickle(data, from, data.length, Integer.MAX_VALUE);
  }

  /**
   * A channel over {@code data[from, data.length)} that returns at most {@code perRead} bytes per
   * read.
   */
  public static ReadableByteChannel trickle(byte[] data, int from, int perRead) {
    return new Trickle(data, from, data.length, perRead);
  }

  /** A channel over {@code data[from, to)}. */
  public static ReadableByteChannel range(byte[] data, int from, int to) {
    return new Trickle(data, from, to, Integer.MAX_VALUE);
  }

  public static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  private static final class Trickle implements ReadableByteChannel {
    private final byte[] data;
    private final int end;
    private final int perRead;
    private int pos;
    private boolean open = true;
    private boolean zeroNext = true;

    Trickle(byte[] data, int from, int end, int perRead) {
      this.data = Arrays.copyOf(data, data.length);
      this.pos = from;
      this.end = end;
      this.perRead = perRead;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (pos >= end) {
        return -1;
      }
      if (perRead < Integer.MAX_VALUE && zeroNext) {
        // a trickling channel also returns 0 now and then, as non-blocking channels may
        zeroNext = false;
        return 0;
      }
      zeroNext = true;
      int n = Math.min(Math.min(dst.remaining(), end - pos), perRead);
      dst.put(data, pos, n);
      pos += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
