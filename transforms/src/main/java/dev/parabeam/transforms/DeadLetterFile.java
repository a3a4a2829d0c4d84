package dev.parabeam.transforms;

import dev.parabeam.transforms.chunks.CsvChunk;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The dead-letter rows of one chunk, written under a temporary name and renamed to a name fixed by
 * the chunk (file and index) when the chunk is done. Opened lazily: a chunk without bad records
 * writes nothing.
 */
public final class DeadLetterFile {
  private final String dir;
  private final CsvChunk chunk;
  private ResourceId temp;
  private Writer writer;

  public DeadLetterFile(String dir, CsvChunk chunk) {
    this.dir = dir;
    this.chunk = chunk;
  }

  public void write(DeadLetter d) throws IOException {
    if (writer == null) {
      temp = resource(".tmp-" + UUID.randomUUID() + ".csv");
      writer = new BufferedWriter(
          new OutputStreamWriter(Channels.newOutputStream(FileSystems.create(temp, "text/csv")), StandardCharsets.UTF_8),
          1 << 16);
    }
    writer.write(d.toCsvRow());
    writer.write('\n');
  }

  /** Closes and renames the file; returns its final path, or "" if nothing was written. */
  public String commit() throws IOException {
    if (writer == null) {
      return "";
    }
    writer.close();
    ResourceId target = resource(finalName());
    FileSystems.rename(List.of(temp), List.of(target), StandardMoveOptions.IGNORE_MISSING_FILES);
    return target.toString();
  }

  /** Drops the temporary file after a failure (best effort). */
  public void abandon() {
    try {
      if (writer != null) {
        writer.close();
        FileSystems.delete(List.of(temp), StandardMoveOptions.IGNORE_MISSING_FILES);
      }
    } catch (IOException | RuntimeException ignored) {
      // the failure that got us here is what matters
    }
  }

  private String finalName() {
    return "chunk-" + digest(chunk.file().path()) + "-" + String.format("%08d", chunk.index()) + ".csv";
  }

  private ResourceId resource(String name) {
    return FileSystems.matchNewResource(dir, true).resolve(name, org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }

  private static String digest(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        sb.append(String.format("%02x", h[i]));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
