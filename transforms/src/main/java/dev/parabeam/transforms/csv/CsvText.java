package dev.parabeam.transforms.csv;

import java.util.List;

/**
 * Writes CSV rows with minimal RFC 4180 quoting: a field is quoted only when it holds the
 * delimiter, a quote, CR or LF, and quotes inside it are doubled. The result reads back to the same
 * values with any RFC 4180 reader (commons-csv, Python's csv module, spreadsheets).
 */
public final class CsvText {
  private CsvText() {}

  /** One field, quoted if it needs to be. */
  public static String field(String s) {
    boolean needs = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        needs = true;
        break;
      }
    }
    if (!needs) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** Fields joined by commas, without a line terminator. */
  public static String row(List<String> fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(field(fields.get(i)));
    }
    return sb.toString();
  }

  /** Fields joined by commas, without a line terminator. */
  public static String row(String... fields) {
    return row(List.of(fields));
  }
}
