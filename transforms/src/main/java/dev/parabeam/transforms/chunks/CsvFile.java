package dev.parabeam.transforms.chunks;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One input file as the planner sees it: where it is, how big it is, where its data starts (after
 * the header), the column names of its header, and (for {@code ChunkedCsvStats}) which fields hold
 * the key and the value. Files matched by one glob may order their columns differently, so each
 * file carries its own header.
 */
public final class CsvFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final long size;
  private final long dataStart;
  private final long dataStartLine;
  private final int fieldCount;
  private final int keyIndex;
  private final int valueIndex;
  private final List<String> columns;

  public CsvFile(
      String path, long size, long dataStart, long dataStartLine, int fieldCount, int keyIndex, int valueIndex) {
    this(path, size, dataStart, dataStartLine, fieldCount, keyIndex, valueIndex, List.of());
  }

  /** A file whose header names {@code columns}. */
  public CsvFile(String path, long size, long dataStart, long dataStartLine, List<String> columns) {
    this(path, size, dataStart, dataStartLine, columns.size(), -1, -1, columns);
  }

  CsvFile(
      String path, long size, long dataStart, long dataStartLine, int fieldCount, int keyIndex, int valueIndex,
      List<String> columns) {
    this.columns = List.copyOf(columns);
    this.path = path;
    this.size = size;
    this.dataStart = dataStart;
    this.dataStartLine = dataStartLine;
    this.fieldCount = fieldCount;
    this.keyIndex = keyIndex;
    this.valueIndex = valueIndex;
  }

  public String path() {
    return path;
  }

  public long size() {
    return size;
  }

  public long dataStart() {
    return dataStart;
  }

  public long dataStartLine() {
    return dataStartLine;
  }

  public int fieldCount() {
    return fieldCount;
  }

  public int keyIndex() {
    return keyIndex;
  }

  public int valueIndex() {
    return valueIndex;
  }

  /** The header's column names in file order (empty for a file made with key and value indexes). */
  public List<String> columns() {
    return columns;
  }

  @Override
  public String toString() {
    return path + " (" + size + " bytes, data from byte " + dataStart + ")";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CsvFile)) {
      return false;
    }
    CsvFile f = (CsvFile) o;
    return size == f.size && dataStart == f.dataStart && dataStartLine == f.dataStartLine
        && fieldCount == f.fieldCount && keyIndex == f.keyIndex && valueIndex == f.valueIndex
        && path.equals(f.path) && columns.equals(f.columns);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, size, dataStart, dataStartLine, fieldCount, keyIndex, valueIndex, columns);
  }
}
