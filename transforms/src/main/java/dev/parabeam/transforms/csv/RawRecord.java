package dev.parabeam.transforms.csv;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * One record as it was found in a file, before its fields are split: the bytes between its first
 * byte and its line terminator (LF or CRLF, not included), where it starts, and what was wrong with
 * its framing. The byte array is borrowed from the {@link RecordReader} and is valid only until the
 * next call to {@link RecordReader#next(RawRecord)}.
 */
public final class RawRecord {
  byte[] bytes = new byte[0];
  int offset;
  int length;
  long fileOffset;
  long line;
  long fullLength;
  long endLine;
  boolean unterminatedQuote;
  long openQuoteLine;

  /** Bytes of the record; only {@link #length()} of them from {@link #offset()} are valid. */
  public byte[] bytes() {
    return bytes;
  }

  public int offset() {
    return offset;
  }

  /** Number of bytes held, never more than the reader's maximum record length. */
  public int length() {
    return length;
  }

  /** Byte offset in the file where the record starts. */
  public long fileOffset() {
    return fileOffset;
  }

  /** 1-based line number on which the record starts. */
  public long line() {
    return line;
  }

  /** Length of the whole record in the file, line terminator excluded. */
  public long fullLength() {
    return fullLength;
  }

  /** True when the record is longer than the reader's maximum and only a prefix is held. */
  public boolean isTooLong() {
    return fullLength > length;
  }

  /** Line number on which the record's last byte is. */
  public long endLine() {
    return endLine;
  }

  /** Number of lines the record covers (more than one when a quoted field holds line breaks). */
  public long lines() {
    return endLine - line + 1;
  }

  /** True when the file ended inside a quoted field. */
  public boolean hasUnterminatedQuote() {
    return unterminatedQuote;
  }

  /**
   * The line of an opening quote that explains the record's extent, or 0: for a record with an
   * {@linkplain #hasUnterminatedQuote() unterminated quote}, the line where that quoted field
   * opened; otherwise the line where the first quoted field holding a line break opened.
   */
  public long openQuoteLine() {
    return openQuoteLine;
  }

  /** The held bytes as text; invalid UTF-8 becomes U+FFFD. */
  public String text() {
    return new String(bytes, offset, length, StandardCharsets.UTF_8);
  }

  /** The held bytes decoded with {@code charset} (bytes it does not define become U+FFFD). */
  public String text(Charset charset) {
    return new String(bytes, offset, length, charset);
  }

  /** At most {@code maxBytes} of the held bytes decoded with {@code charset}. */
  public String text(int maxBytes, Charset charset) {
    return new String(bytes, offset, Math.min(length, maxBytes), charset);
  }

  /**
   * At most {@code maxBytes} of the held bytes as text (cut on a byte, so possibly mid-character).
   */
  public String text(int maxBytes) {
    return new String(bytes, offset, Math.min(length, maxBytes), StandardCharsets.UTF_8);
  }
}
