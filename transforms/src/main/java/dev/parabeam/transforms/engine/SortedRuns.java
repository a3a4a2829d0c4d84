package dev.parabeam.transforms.engine;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.VarInt;

/**
 * The file format of the keyed reduce: a file is a sequence of records, each two byte strings, the
 * encoded key and then its payload (an accumulator in the combine function's accumulator coder in a
 * spill's run file; a finished {@code results.csv} line in a partition's result file), each
 * preceded by its length as a varint. A file holds one or more segments (byte ranges), each sorted
 * by key in the job's output order. Written and read through Beam's {@code FileSystems}, so a run
 * file may live on any file system the workers share.
 */
public final class SortedRuns {
  static final int BUFFER = 1 << 16;

  private SortedRuns() {}

  /**
   * The partition of an encoded key: a mix of its bytes' hash, so that equal keys (equal bytes) go
   * to one partition from every unit, whatever the runner.
   */
  public static int partitionOf(byte[] key, int partitions) {
    int h = 1;
    for (byte b : key) {
      h = 31 * h + b;
    }
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Math.floorMod(h, partitions);
  }

  /**
   * Writes records to one file and says where each byte of it is. Buffers by itself, without the
   * per-call lock of a {@code BufferedOutputStream} (a varint is written a byte at a time).
   */
  public static final class Writer implements Closeable {
    private final WritableByteChannel out;
    // a plain array and index: a ByteBuffer's put is a bounds-checked call per byte, which the
    // JIT's first compiler (run.sh's choice for most inputs) does not inline
    private final byte[] buf = new byte[BUFFER];
    private int at;
    private long position;

    public Writer(String path) throws IOException {
      ResourceId id = FileSystems.matchNewResource(path, false);
      this.out = FileSystems.create(id, "application/octet-stream");
    }

    /** The number of bytes written so far: where the next record starts. */
    public long position() {
      return position;
    }

    public void write(byte[] key, byte[] payload) throws IOException {
      write(key, 0, key.length, payload, 0, payload.length);
    }

    public void write(byte[] key, int kOff, int kLen, byte[] payload, int pOff, int pLen)
        throws IOException {
      varInt(kLen);
      put(key, kOff, kLen);
      varInt(pLen);
      put(payload, pOff, pLen);
      position += VarInt.getLength(kLen) + kLen + VarInt.getLength(pLen) + pLen;
    }

    private void varInt(int v) throws IOException {
      if (BUFFER - at < 5) {
        flush();
      }
      while ((v & ~0x7f) != 0) {
        buf[at++] = (byte) ((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      buf[at++] = (byte) v;
    }

    private void put(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (at == BUFFER) {
          flush();
        }
        int n = Math.min(len, BUFFER - at);
        System.arraycopy(b, off, buf, at, n);
        at += n;
        off += n;
        len -= n;
      }
    }

    private void flush() throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, at);
      while (bb.hasRemaining()) {
        out.write(bb);
      }
      at = 0;
    }

    @Override
    public void close() throws IOException {
      try {
        flush();
      } finally {
        out.close();
      }
    }
  }

  /** Reads the records of one segment, in order; buffers by itself, as the writer does. */
  public static final class Reader implements Closeable {
    private final ReadableByteChannel in;
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    private long length;
    private long consumed;
    private byte[] key;
    private byte[] payload;

    public Reader(String path, long offset, long length) throws IOException {
      ReadableByteChannel ch = FileSystems.open(FileSystems.matchNewResource(path, false));
      this.in = ch;
      buf.limit(0);
      try {
        if (offset > 0) {
          if (ch instanceof SeekableByteChannel s) {
            s.position(offset);
          } else {
            long left = offset;
            while (left > 0) {
              if (!buf.hasRemaining() && !fill()) {
                throw new EOFException(path + " ends before byte " + offset);
              }
              int n = (int) Math.min(left, buf.remaining());
              buf.position(buf.position() + n);
              left -= n;
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      this.length = length;
    }

    /** Reads more into the buffer; false at the end of the file. */
    private boolean fill() throws IOException {
      buf.compact();
      try {
        while (buf.position() == 0) {
          if (in.read(buf) < 0) {
            return false;
          }
        }
        return true;
      } finally {
        buf.flip();
      }
    }

    /**
     * Moves to the next record; false at the end of the segment (or file: {@code Long.MAX_VALUE}).
     */
    public boolean next() throws IOException {
      if (length == Long.MAX_VALUE && !buf.hasRemaining() && !fill()) {
        length = consumed;
      }
      if (consumed >= length) {
        key = null;
        payload = null;
        return false;
      }
      key = bytes();
      payload = bytes();
      return true;
    }

    private byte[] bytes() throws IOException {
      int n = 0;
      int shift = 0;
      int width = 0;
      while (true) {
        if (!buf.hasRemaining() && !fill()) {
          throw new EOFException("a run file ends inside a record");
        }
        int b = buf.get();
        width++;
        n |= (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
        shift += 7;
        if (shift > 28) {
          throw new IOException("a run file holds a malformed length");
        }
      }
      if (n < 0) {
        throw new IOException("a run file holds a negative length");
      }
      byte[] out = new byte[n];
      int at = 0;
      while (at < n) {
        if (!buf.hasRemaining() && !fill()) {
          throw new EOFException("a run file ends inside a record");
        }
        int k = Math.min(n - at, buf.remaining());
        buf.get(out, at, k);
        at += k;
      }
      consumed += width + n;
      return out;
    }

    public byte[] key() {
      return key;
    }

    public byte[] payload() {
      return payload;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
