package dev.parabeam.transforms.chunks;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One input file as the planner sees it: where it is, how big it is, where its data starts (after
 * the header) and the column names of its header. Files matched by one glob may order their
 * columns differently, so each file carries its own header.
 */
public final class CsvFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final long size;
  private final long dataStart;
  private final long dataStartLine;
  private final List<String> columns;

  /** A file whose header names {@code columns}. */
  public CsvFile(String path, long size, long dataStart, long dataStartLine, List<String> columns) {
    this.path = path;
    this.size = size;
    this.dataStart = dataStart;
    this.dataStartLine = dataStartLine;
    this.columns = List.copyOf(columns);
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

  /** Number of fields of a well-formed record: the header's. */
  public int fieldCount() {
    return columns.size();
  }

  /** The header's column names in file order. */
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
        && path.equals(f.path) && columns.equals(f.columns);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, size, dataStart, dataStartLine, columns);
  }
}
