package dev.parabeam.transforms;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The dead-letter rows of one unit of work, written under a temporary name and renamed to a name
 * fixed by the transform and the unit when the unit is done (a retried unit overwrites the same
 * file). Opened lazily: a chunk without bad records writes nothing.
 */
public final class DeadLetterFile {
  private final String dir;
  private final String owner;
  private final int unit;
  private ResourceId temp;
  private Writer writer;

  /**
   * The dead letters of unit of work {@code unit} (see {@code CsvChunk#unit}) of the transform
   * {@code owner} (an id that is part of the file's name, so that the units of two transforms
   * writing into one directory do not share a file; letters, digits and {@code -} only).
   */
  public DeadLetterFile(String dir, String owner, int unit) {
    if (owner == null || !owner.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("a dead-letter file's owner must be [A-Za-z0-9-]+");
    }
    this.dir = dir;
    this.owner = owner;
    this.unit = unit;
  }

  public void write(DeadLetter d) throws IOException {
    if (writer == null) {
      temp = resource(".tmp-" + UUID.randomUUID() + ".csv");
      writer =
          new BufferedWriter(
              new OutputStreamWriter(
                  Channels.newOutputStream(FileSystems.create(temp, "text/csv")),
                  StandardCharsets.UTF_8),
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
    return "unit-" + String.format("%08d", unit) + "-" + owner + ".csv";
  }

  private ResourceId resource(String name) {
    return FileSystems.matchNewResource(dir, true)
        .resolve(name, ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }
}
