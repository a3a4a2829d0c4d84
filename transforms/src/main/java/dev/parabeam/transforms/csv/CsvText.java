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

  /** How many characters of a value {@link #printable(String)} shows. */
  public static final int PRINTABLE_CHARS = 60;

  /**
   * {@code s} for a message or a preview: see {@link #printable(String, int)}, at 60 characters.
   */
  public static String printable(String s) {
    return printable(s, PRINTABLE_CHARS);
  }

  /**
   * {@code s} fit for one line of a terminal: line breaks, tabs and other control characters
   * escaped ({@code \r}, {@code \n}, {@code \t}, the others as Unicode escapes) and, when it has
   * more than {@code maxChars} code points, its first {@code maxChars} and an ellipsis.
   */
  public static String printable(String s, int maxChars) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 256));
    int shown = 0;
    for (int i = 0; i < s.length(); ) {
      if (shown == maxChars) {
        return sb.append('\u2026').toString();
      }
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      shown++;
      if (cp == '\n') {
        sb.append("\\n");
      } else if (cp == '\r') {
        sb.append("\\r");
      } else if (cp == '\t') {
        sb.append("\\t");
      } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
        sb.append(String.format("\\u%04x", cp));
      } else {
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }
}
