package dev.parabeam.transforms.csv;

import java.io.Serializable;
import java.util.Objects;

/**
 * The bytes that structure a CSV file: a field separator and a quote character, both single ASCII
 * bytes. Records end with LF or CRLF; a quote inside a quoted field is written twice (RFC 4180).
 */
public final class CsvDialect implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final CsvDialect RFC4180 = new CsvDialect(',', '"');

  private final byte delimiter;
  private final byte quote;

  private CsvDialect(char delimiter, char quote) {
    this.delimiter = (byte) delimiter;
    this.quote = (byte) quote;
  }

  /**
   * A dialect with the given separator and quote.
   *
   * @throws IllegalArgumentException if either is not a single printable ASCII character other
   *     than a line break, or if they are equal.
   */
  public static CsvDialect of(String delimiter, String quote) {
    char d = single("delimiter", delimiter);
    char q = single("quote", quote);
    if (d == q) {
      throw new IllegalArgumentException("delimiter and quote must differ, both are '" + d + "'");
    }
    return new CsvDialect(d, q);
  }

  private static char single(String what, String s) {
    if (s == null || s.length() != 1) {
      throw new IllegalArgumentException(
          what + " must be exactly one character, got '" + (s == null ? "" : s) + "'");
    }
    char c = s.charAt(0);
    if (c >= 0x80 || c == '\n' || c == '\r' || (c < 0x20 && c != '\t')) {
      throw new IllegalArgumentException(
          what + " must be a printable ASCII character or tab, got U+" + String.format("%04X", (int) c));
    }
    return c;
  }

  public byte delimiter() {
    return delimiter;
  }

  public byte quote() {
    return quote;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CsvDialect
        && ((CsvDialect) o).delimiter == delimiter
        && ((CsvDialect) o).quote == quote;
  }

  @Override
  public int hashCode() {
    return Objects.hash(delimiter, quote);
  }

  @Override
  public String toString() {
    return "CsvDialect{delimiter='" + (char) delimiter + "', quote='" + (char) quote + "'}";
  }
}
