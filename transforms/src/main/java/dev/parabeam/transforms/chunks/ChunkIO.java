package dev.parabeam.transforms.chunks;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;

/** Opens a file through Beam's {@link FileSystems} at a byte offset. */
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
}
