package dev.parabeam.transforms.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
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

  /** Writes records to one file and says where each byte of it is. */
  public static final class Writer implements Closeable {
    private final OutputStream out;
    private long position;

    public Writer(String path) throws IOException {
      ResourceId id = FileSystems.matchNewResource(path, false);
      this.out =
          new BufferedOutputStream(
              Channels.newOutputStream(FileSystems.create(id, "application/octet-stream")), BUFFER);
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
      VarInt.encode(kLen, out);
      out.write(key, kOff, kLen);
      VarInt.encode(pLen, out);
      out.write(payload, pOff, pLen);
      position += VarInt.getLength(kLen) + kLen + VarInt.getLength(pLen) + pLen;
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** Reads the records of one segment, in order. */
  public static final class Reader implements Closeable {
    private final InputStream in;
    private long length;
    private long consumed;
    private byte[] key;
    private byte[] payload;

    public Reader(String path, long offset, long length) throws IOException {
      ReadableByteChannel ch = FileSystems.open(FileSystems.matchNewResource(path, false));
      try {
        if (offset > 0) {
          if (ch instanceof SeekableByteChannel s) {
            s.position(offset);
          } else {
            InputStream skip = Channels.newInputStream(ch);
            long left = offset;
            while (left > 0) {
              long n = skip.skip(left);
              if (n <= 0) {
                throw new EOFException(path + " ends before byte " + offset);
              }
              left -= n;
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      this.in = new BufferedInputStream(Channels.newInputStream(ch), BUFFER);
      this.length = length;
    }

    /**
     * Moves to the next record; false at the end of the segment (or file: {@code Long.MAX_VALUE}).
     */
    public boolean next() throws IOException {
      if (length == Long.MAX_VALUE) {
        in.mark(1);
        if (in.read() < 0) {
          length = consumed;
        } else {
          in.reset();
        }
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
      int n = VarInt.decodeInt(in);
      byte[] b = in.readNBytes(n);
      if (b.length != n) {
        throw new EOFException("a run file ends inside a record");
      }
      consumed += VarInt.getLength(n) + n;
      return b;
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
