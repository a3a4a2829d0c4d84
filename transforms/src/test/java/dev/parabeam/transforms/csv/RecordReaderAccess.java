package dev.parabeam.transforms.csv;

import java.nio.channels.ReadableByteChannel;

/** Gives tests in other packages the reader's buffer-size constructor. */
public final class RecordReaderAccess {
  private RecordReaderAccess() {}

  public static RecordReader withBuffer(
      ReadableByteChannel ch, long offset, long line, CsvDialect d, int max, int buffer) {
    return new RecordReader(ch, offset, line, d, max, buffer);
  }
}
