package dev.parabeam.transforms.csv;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Objects;

/**
 * The bytes that structure a CSV file: a field separator and a quote character, both single ASCII
 * bytes. Records end with LF or CRLF; a quote inside a quoted field is written twice (RFC 4180).
 * The text of the fields is in one encoding: UTF-8 (the default; a byte order mark at the start of
 * a file is skipped) or a single-byte charset whose bytes 0x00-0x7F are ASCII (ISO-8859-1,
 * windows-1252, ...), so that the structure can be read byte by byte whatever the encoding.
 */
public final class CsvDialect implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final CsvDialect RFC4180 = new CsvDialect(',', '"', StandardCharsets.UTF_8.name());

  private final byte delimiter;
  private final byte quote;

  /** Canonical name of the charset (a Charset is not serializable). */
  private final String encoding;

  private transient Charset charset;

  private CsvDialect(char delimiter, char quote, String encoding) {
    this.delimiter = (byte) delimiter;
    this.quote = (byte) quote;
    this.encoding = encoding;
  }

  /**
   * A dialect with the given separator and quote.
   *
   * @throws IllegalArgumentException if either is not a single printable ASCII character other than
   *     a line break, or if they are equal.
   */
  public static CsvDialect of(String delimiter, String quote) {
    char d = single("delimiter", delimiter);
    char q = single("quote", quote);
    if (d == q) {
      throw new IllegalArgumentException(
          "--delimiter and --quote must differ, both are '"
              + CsvText.printable(String.valueOf(d))
              + "'");
    }
    return new CsvDialect(d, q, StandardCharsets.UTF_8.name());
  }

  /**
   * This dialect with fields in {@code encoding}: UTF-8, or a single-byte charset Java knows whose
   * bytes 0x00-0x7F are ASCII.
   *
   * @throws IllegalArgumentException with a message fit for a user for an unknown charset, a
   *     multi-byte one other than UTF-8 (UTF-16, Shift_JIS, ...) or one that is not ASCII-based
   *     (EBCDIC)
   */
  public CsvDialect withEncoding(String encoding) {
    return new CsvDialect((char) delimiter, (char) quote, checkEncoding(encoding).name());
  }

  /** The charset named {@code name}, if the reader can take it; see {@link #withEncoding}. */
  public static Charset checkEncoding(String name) {
    Charset c;
    try {
      c = Charset.forName(name == null ? "" : name.strip());
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new IllegalArgumentException(
          "--encoding="
              + name
              + " is not a charset this Java knows"
              + " (e.g. UTF-8, ISO-8859-1, windows-1252)");
    }
    if (c.equals(StandardCharsets.UTF_8)) {
      return c;
    }
    if (!c.canEncode() || c.newEncoder().maxBytesPerChar() != 1.0f) {
      throw new IllegalArgumentException(
          "--encoding="
              + name
              + " ("
              + c.name()
              + ") is a multi-byte charset;"
              + " only UTF-8 and single-byte charsets (ISO-8859-1, windows-1252, ...) can be read");
    }
    byte[] ascii = new byte[128];
    for (int i = 0; i < 128; i++) {
      ascii[i] = (byte) i;
    }
    String decoded;
    try {
      decoded =
          c.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(ascii))
              .toString();
    } catch (CharacterCodingException e) {
      decoded = "";
    }
    if (!decoded.equals(new String(ascii, StandardCharsets.US_ASCII))) {
      throw new IllegalArgumentException(
          "--encoding="
              + name
              + " ("
              + c.name()
              + ") does not keep ASCII"
              + " in bytes 0x00-0x7F (EBCDIC?); only ASCII-based single-byte charsets can be read");
    }
    return c;
  }

  /** The charset of the fields' text. */
  public Charset charset() {
    if (charset == null) {
      charset = Charset.forName(encoding);
    }
    return charset;
  }

  /** Whether the text is UTF-8 (the default), where a leading byte order mark is skipped. */
  public boolean isUtf8() {
    return charset().equals(StandardCharsets.UTF_8);
  }

  private static char single(String what, String s) {
    if (s == null || s.length() != 1) {
      throw new IllegalArgumentException(
          "--"
              + what
              + " must be exactly one character"
              + (what.equals("delimiter") ? " (or tab)" : "")
              + ", got '"
              + CsvText.printable(s == null ? "" : s)
              + "'");
    }
    char c = s.charAt(0);
    if (c >= 0x80 || c == '\n' || c == '\r' || (c < 0x20 && c != '\t')) {
      throw new IllegalArgumentException(
          "--"
              + what
              + " must be a printable ASCII character or tab, got U+"
              + String.format("%04X", (int) c));
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
        && ((CsvDialect) o).quote == quote
        && ((CsvDialect) o).encoding.equals(encoding);
  }

  @Override
  public int hashCode() {
    return Objects.hash(delimiter, quote, encoding);
  }

  @Override
  public String toString() {
    return "CsvDialect{delimiter='"
        + (char) delimiter
        + "', quote='"
        + (char) quote
        + "', encoding="
        + encoding
        + "}";
  }
}
