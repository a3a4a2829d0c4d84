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

  /**
   * Index of the column named {@code name}, or -1 when the header has none.
   *
   * @throws IllegalArgumentException with a message fit for a user when the header names it more
   *     than once (see {@link #positions}): which of them is meant cannot be told
   */
  public int indexOf(String name) {
    List<Integer> at = positions(name);
    if (at.size() > 1) {
      throw new IllegalArgumentException(ambiguity(name, at));
    }
    return at.isEmpty() ? -1 : at.get(0);
  }

  /** The 0-based positions of every column named {@code name}, in file order. */
  public List<Integer> positions(String name) {
    return positionsIn(columns, name);
  }

  /** The 0-based positions of {@code name} in {@code columns}. */
  public static List<Integer> positionsIn(List<String> columns, String name) {
    List<Integer> at = new ArrayList<>(1);
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).equals(name)) {
        at.add(i);
      }
    }
    return at;
  }

  /** "column 'x' is ambiguous: the header names it at positions 2 and 5" (1-based). */
  public static String ambiguity(String name, List<Integer> positions) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < positions.size(); i++) {
      s.append(i == 0 ? "" : i == positions.size() - 1 ? " and " : ", ")
          .append(positions.get(i) + 1);
    }
    return "column '"
        + CsvText.printable(name)
        + "' is ambiguous: the header names it at positions "
        + s;
  }

  /**
   * Reads the header from a channel positioned at the start of a file. Column names may repeat (two
   * empty names from trailing commas, say): only a reference to such a name is an error ({@link
   * #indexOf}).
   *
   * @throws IllegalArgumentException with a message fit for a user when there is no usable header
   */
  public static CsvHeader read(ReadableByteChannel channel, CsvDialect dialect, int maxRecordBytes)
      throws IOException {
    return read(channel, dialect, maxRecordBytes, true, null);
  }

  /**
   * Reads the start of a file positioned at its first byte: with {@code hasHeader}, its first
   * non-empty record is the header and the data starts after it; without, the data starts at the
   * first byte (after a byte order mark) and the columns are {@code names}, or, when null, {@code
   * column1}, {@code column2}, ... as many as the first record has fields. With a header, {@code
   * names} (when not null) replace the header's names and must be as many.
   *
   * @throws IllegalArgumentException with a message fit for a user when the start is unusable: an
   *     empty file (but a file without header whose {@code names} are given may be empty), a header
   *     (or, without header and names, a first record) that cannot be split, a line that ends with
   *     CR alone
   */
  public static CsvHeader read(
      ReadableByteChannel channel,
      CsvDialect dialect,
      int maxRecordBytes,
      boolean hasHeader,
      List<String> names)
      throws IOException {
    RecordReader reader = new RecordReader(channel, 0, 1, dialect, maxRecordBytes);
    if (dialect.isUtf8()) {
      reader.skipByteOrderMark();
    }
    long start = reader.position();
    long startLine = reader.line();
    String what = hasHeader ? "the header" : "the first record";
    RawRecord rec = new RawRecord();
    if (!reader.next(rec)) {
      if (!hasHeader && names != null) {
        return new CsvHeader(new ArrayList<>(names), start, startLine);
      }
      throw new IllegalArgumentException(
          hasHeader
              ? "the file is empty (no header line)"
              : "the file is empty (no record to count its columns from; give --columns)");
    }
    if (endsWithCrAlone(rec)) {
      throw new IllegalArgumentException(
          "its lines end with CR alone (old Mac OS line ends); records must end with LF or CRLF:"
              + " convert it first, e.g. tr '\\r' '\\n'");
    }
    if (!hasHeader && names != null) {
      return new CsvHeader(new ArrayList<>(names), start, startLine);
    }
    if (rec.isTooLong()) {
      throw new IllegalArgumentException(
          what + " is longer than the maximum record length (" + maxRecordBytes + " bytes)");
    }
    if (rec.hasUnterminatedQuote()) {
      throw new IllegalArgumentException(what + " has an unterminated quoted field");
    }
    FieldSplitter splitter = new FieldSplitter(dialect);
    if (!splitter.split(rec.bytes(), rec.offset(), rec.length())) {
      throw new IllegalArgumentException(what + " is malformed: " + splitter.error());
    }
    List<String> cols = new ArrayList<>(splitter.fieldCount());
    for (int i = 0; i < splitter.fieldCount(); i++) {
      cols.add(hasHeader ? splitter.field(i) : "column" + (i + 1));
    }
    if (!hasHeader) {
      return new CsvHeader(cols, start, startLine);
    }
    CsvHeader h = new CsvHeader(cols, reader.position(), reader.line());
    return names == null ? h : h.renamed(names);
  }

  /**
   * This header with {@code names} instead of its own, one for one (the data still starts after
   * it).
   *
   * @throws IllegalArgumentException with a message fit for a user when they are not as many
   */
  public CsvHeader renamed(List<String> names) {
    if (names.size() != columns.size()) {
      throw new IllegalArgumentException(
          "its header has "
              + columns.size()
              + " column"
              + (columns.size() == 1 ? "" : "s")
              + ", --columns names "
              + names.size());
    }
    return new CsvHeader(new ArrayList<>(names), dataStart, dataStartLine);
  }

  /** Whether the record holds a CR that no LF follows: a file whose lines end with CR alone. */
  private static boolean endsWithCrAlone(RawRecord rec) {
    byte[] b = rec.bytes();
    int end = rec.offset() + rec.length();
    for (int i = rec.offset(); i < end; i++) {
      if (b[i] == '\r' && (i + 1 == end || b[i + 1] != '\n')) {
        return i + 1 < end || !rec.isTooLong();
      }
    }
    return false;
  }
}
