package dev.parabeam.transforms.chunks;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Opens a file through Beam's {@link FileSystems} at a byte offset; a compressed file through its
 * decompressor ({@link Compression#readDecompressed}), at an offset in the decompressed text.
 */
public final class ChunkIO {
  private ChunkIO() {}

  /** A channel on {@code path} positioned at {@code offset}. */
  public static ReadableByteChannel openAt(String path, long offset) throws IOException {
    ResourceId id = FileSystems.matchNewResource(path, false);
    ReadableByteChannel ch = FileSystems.open(id);
    if (offset == 0) {
      return ch;
    }
    if (ch instanceof SeekableByteChannel) {
      ((SeekableByteChannel) ch).position(offset);
      return ch;
    }
    ch.close();
    throw new IOException("cannot seek in " + path + ": its file system gives no seekable channel");
  }

  /**
   * A channel on the text of {@code file} (decompressed if it is compressed) positioned at {@code
   * offset}.
   */
  public static ReadableByteChannel open(CsvFile file, long offset) throws IOException {
    return openAt(file.path(), file.compression(), offset);
  }

  /**
   * A channel on the text of {@code path} stored with {@code compression} (not {@code AUTO}),
   * positioned at {@code offset} of that text. A compressed file is decompressed from its start and
   * the bytes before {@code offset} are skipped. A read that fails inside the decompressor (a
   * corrupt or truncated file) throws an {@link IOException} that names the file and says so.
   */
  public static ReadableByteChannel openAt(String path, Compression compression, long offset)
      throws IOException {
    if (compression == Compression.UNCOMPRESSED) {
      return openAt(path, offset);
    }
    if (compression == Compression.AUTO) {
      throw new IllegalArgumentException(
          "decide the compression of " + path + " before opening it");
    }
    ReadableByteChannel raw = openAt(path, 0);
    ReadableByteChannel decompressed;
    try {
      decompressed = compression.readDecompressed(raw);
    } catch (IOException | RuntimeException | LinkageError e) {
      raw.close();
      throw damaged(path, compression, 0, e);
    }
    Decompressed ch = new Decompressed(decompressed, path, compression);
    try {
      ch.skip(offset);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  private static IOException damaged(
      String path, Compression compression, long at, Throwable cause) {
    String why =
        cause.getMessage() == null
            ? cause.getClass().getSimpleName()
            : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    IOException e =
        new IOException(
            path
                + " is corrupt or truncated: its "
                + compression
                + " data could not be decompressed after "
                + at
                + " bytes of text ("
                + why
                + ")");
    e.initCause(cause);
    return e;
  }

  /** The decompressed text; counts its bytes and names the file when the decompressor fails. */
  private static final class Decompressed implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final String path;
    private final Compression compression;
    private long position;

    Decompressed(ReadableByteChannel in, String path, Compression compression) {
      this.in = in;
      this.path = path;
      this.compression = compression;
    }

    void skip(long offset) throws IOException {
      ByteBuffer bb = ByteBuffer.allocate((int) Math.min(1 << 16, Math.max(1, offset)));
      while (position < offset) {
        bb.clear();
        bb.limit((int) Math.min(bb.capacity(), offset - position));
        if (read(bb) < 0) {
          throw new EOFException(
              path
                  + " has only "
                  + position
                  + " bytes of text, fewer than the "
                  + offset
                  + " the job planned from; the file changed after the job planned its chunks");
        }
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n;
      try {
        n = in.read(dst);
      } catch (IOException | RuntimeException e) {
        throw damaged(path, compression, position, e);
      }
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
