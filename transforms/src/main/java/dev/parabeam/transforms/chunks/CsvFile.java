package dev.parabeam.transforms.chunks;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.io.Compression;

/**
 * One input file as the planner sees it: where it is, how big it is, where its data starts (after
 * the header) and the column names of its header. Files matched by one glob may order their columns
 * differently, so each file carries its own header.
 *
 * <p>A compressed file ({@link #compression()} other than {@code UNCOMPRESSED}) is read through its
 * decompressor: {@link #dataStart()} and every offset of its chunks count bytes of the decompressed
 * text, while {@link #size()} is the size of the file as stored (its decompressed size is not known
 * before it has been read once). Such a file cannot be cut into byte ranges, so it is one chunk
 * that runs to the end of the decompressed text ({@link CsvChunk#TO_END}).
 */
public final class CsvFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final long size;
  private final long dataStart;
  private final long dataStartLine;
  private final List<String> columns;
  private final Compression compression;

  /** An uncompressed file whose header names {@code columns}. */
  public CsvFile(String path, long size, long dataStart, long dataStartLine, List<String> columns) {
    this(path, size, dataStart, dataStartLine, columns, Compression.UNCOMPRESSED);
  }

  /**
   * A file stored with {@code compression} (not {@code AUTO}: the caller decides, e.g. with {@code
   * Compression.detect}) whose header names {@code columns}.
   */
  public CsvFile(
      String path,
      long size,
      long dataStart,
      long dataStartLine,
      List<String> columns,
      Compression compression) {
    if (compression == null || compression == Compression.AUTO) {
      throw new IllegalArgumentException(
          "a file's compression must be decided, got " + compression);
    }
    this.compression = compression;
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

  /** How the file is stored; {@code UNCOMPRESSED} for plain text. */
  public Compression compression() {
    return compression;
  }

  /** Whether the file is read through a decompressor (and is therefore one chunk). */
  public boolean isCompressed() {
    return compression != Compression.UNCOMPRESSED;
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
    return path
        + " ("
        + size
        + " bytes"
        + (isCompressed() ? ", " + compression : "")
        + ", data from byte "
        + dataStart
        + ")";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CsvFile)) {
      return false;
    }
    CsvFile f = (CsvFile) o;
    return size == f.size
        && dataStart == f.dataStart
        && dataStartLine == f.dataStartLine
        && path.equals(f.path)
        && columns.equals(f.columns)
        && compression == f.compression;
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, size, dataStart, dataStartLine, columns, compression);
  }
}
