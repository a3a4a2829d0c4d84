package dev.parabeam.transforms.csv;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The header of a CSV file (its first non-empty record, after an optional byte order mark when the
 * encoding is UTF-8) and where the data after it starts.
 */
public final class CsvHeader {
  private final List<String> columns;
  private final long dataStart;
  private final long dataStartLine;

  private CsvHeader(List<String> columns, long dataStart, long dataStartLine) {
    this.columns = Collections.unmodifiableList(columns);
    this.dataStart = dataStart;
    this.dataStartLine = dataStartLine;
  }

  /** Column names in file order. */
  public List<String> columns() {
    return columns;
  }

  /** Byte offset of the first byte after the header record's line terminator. */
  public long dataStart() {
    return dataStart;
  }

  /** Line number at {@link #dataStart()}. */
  public long dataStartLine() {
    return dataStartLine;
  }

  /** Index of the column named {@code name}, or -1. */
  public int indexOf(String name) {
    return columns.indexOf(name);
  }

  /**
   * Reads the header from a channel positioned at the start of a file.
   *
   * @throws IllegalArgumentException with a message fit for a user when there is no usable header
   */
  public static CsvHeader read(ReadableByteChannel channel, CsvDialect dialect, int maxRecordBytes)
      throws IOException {
    RecordReader reader = new RecordReader(channel, 0, 1, dialect, maxRecordBytes);
    if (dialect.isUtf8()) {
      reader.skipByteOrderMark();
    }
    RawRecord rec = new RawRecord();
    if (!reader.next(rec)) {
      throw new IllegalArgumentException("the file is empty (no header line)");
    }
    if (rec.isTooLong()) {
      throw new IllegalArgumentException(
          "the header is longer than the maximum record length (" + maxRecordBytes + " bytes)");
    }
    if (rec.hasUnterminatedQuote()) {
      throw new IllegalArgumentException("the header has an unterminated quoted field");
    }
    FieldSplitter splitter = new FieldSplitter(dialect);
    if (!splitter.split(rec.bytes(), rec.offset(), rec.length())) {
      throw new IllegalArgumentException("the header is malformed: " + splitter.error());
    }
    List<String> cols = new ArrayList<>(splitter.fieldCount());
    for (int i = 0; i < splitter.fieldCount(); i++) {
      String c = splitter.field(i);
      if (cols.contains(c)) {
        throw new IllegalArgumentException("the header names column '" + c + "' twice");
      }
      cols.add(c);
    }
    return new CsvHeader(cols, reader.position(), reader.line());
  }
}
