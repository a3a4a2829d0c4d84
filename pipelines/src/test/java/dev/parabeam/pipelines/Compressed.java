package dev.parabeam.pipelines;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.beam.sdk.io.Compression;

/** Test files compressed on the fly from the plain testdata (no binaries in the repository). */
public final class Compressed {
  private Compressed() {}

  /** The suffix Beam's {@code Compression.detect} knows for {@code c}. */
  public static String suffix(Compression c) {
    switch (c) {
      case GZIP:
        return ".gz";
      case BZIP2:
        return ".bz2";
      case ZIP:
        return ".zip";
      case DEFLATE:
        return ".deflate";
      case ZSTD:
        return ".zst";
      default:
        throw new IllegalArgumentException(c.toString());
    }
  }

  /**
   * Writes {@code plain} compressed with {@code c} to {@code dir}/name + suffix; returns that path.
   */
  public static Path copy(Path plain, Path dir, Compression c) throws IOException {
    Path p = dir.resolve(plain.getFileName() + suffix(c));
    write(Files.readAllBytes(plain), p, c);
    return p;
  }

  /** Writes {@code text} compressed with {@code c} to {@code p}. */
  public static void write(byte[] text, Path p, Compression c) throws IOException {
    Files.createDirectories(p.getParent());
    if (c == Compression.ZIP) { // Beam reads zip files but does not write them
      try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
        z.putNextEntry(new ZipEntry(p.getFileName().toString().replaceAll("\\.zip$", "")));
        z.write(text);
        z.closeEntry();
      }
      return;
    }
    try (OutputStream out =
        Channels.newOutputStream(
            c.writeCompressed(Channels.newChannel(Files.newOutputStream(p))))) {
      out.write(text);
    }
  }
}
