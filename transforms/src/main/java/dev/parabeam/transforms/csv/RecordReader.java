package dev.parabeam.transforms.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Cuts a byte stream into CSV records without parsing their fields.
 *
 * <p>The one rule that defines a record boundary, everywhere in Parabeam: a record ends at an LF
 * byte that is preceded by an even number of quote bytes counted from the start of the file. A
 * quoted field can therefore hold line breaks, and an escaped quote ({@code ""}) never changes the
 * parity. Because the rule depends only on the count of quotes before a position, a chunk that
 * knows that count at its first byte (see {@link ByteCounts}) finds exactly the same boundaries as
 * a single reader going through the whole file.
 *
 * <p>Empty lines (nothing, or only CR, before the LF) are skipped and are not records. Memory is
 * bounded: at most {@code maxRecordBytes} of a record are held, the rest is counted and dropped.
 */
public final class RecordReader {
  public static final int DEFAULT_BUFFER_BYTES = 1 << 16;
  private static final byte LF = '\n';
  private static final byte CR = '\r';

  private final ReadableByteChannel channel;
  private final byte quote;
  private final int maxRecordBytes;
  private final byte[] buf;
  private int pos;
  private int lim;
  private boolean eof;
  private long bufStartOffset;
  private long line;
  private byte[] scratch = new byte[256];
  private boolean lastByteWasCr;

  /**
   * A reader whose channel is positioned at {@code fileOffset}, which must be a record boundary
   * (even quote parity, first byte of the file or just after an LF), on line {@code line}.
   */
  public RecordReader(
      ReadableByteChannel channel, long fileOffset, long line, CsvDialect dialect, int maxRecordBytes) {
    this(channel, fileOffset, line, dialect, maxRecordBytes, DEFAULT_BUFFER_BYTES);
  }

  RecordReader(
      ReadableByteChannel channel,
      long fileOffset,
      long line,
      CsvDialect dialect,
      int maxRecordBytes,
      int bufferBytes) {
    if (maxRecordBytes < 1) {
      throw new IllegalArgumentException("maxRecordBytes must be positive: " + maxRecordBytes);
    }
    this.channel = channel;
    this.quote = dialect.quote();
    this.maxRecordBytes = maxRecordBytes;
    // at least 3 bytes: skipByteOrderMark must see a whole BOM at once (a smaller buffer looped forever)
    this.buf = new byte[Math.max(3, bufferBytes)];
    this.bufStartOffset = fileOffset;
    this.line = line;
  }

  /** File offset of the next byte this reader will look at. */
  public long position() {
    return bufStartOffset + pos;
  }

  /** Line number of the next byte this reader will look at. */
  public long line() {
    return line;
  }

  /**
   * Skips a UTF-8 byte order mark if the stream starts with one. Call only at file offset 0, before
   * anything else.
   */
  public void skipByteOrderMark() {
    if (position() != 0) {
      throw new IllegalStateException("a byte order mark can only be at offset 0");
    }
    while (lim - pos < 3 && fill()) {
      // read until three bytes are buffered or the stream ends
    }
    if (lim - pos >= 3 && buf[pos] == (byte) 0xEF && buf[pos + 1] == (byte) 0xBB && buf[pos + 2] == (byte) 0xBF) {
      pos += 3;
    }
  }

  /**
   * Moves to the first record boundary at or after the current position, given whether the number
   * of quotes before the current position is odd and whether the byte just before it is an LF. Used
   * by a chunk that starts at an arbitrary byte offset.
   */
  public void skipToRecordStart(boolean oddQuotesBefore, boolean afterLineFeed) {
    if (afterLineFeed && !oddQuotesBefore) {
      return;
    }
    boolean odd = oddQuotesBefore;
    while (true) {
      if (pos == lim && !fill()) {
        return;
      }
      byte b = buf[pos++];
      if (b == quote) {
        odd = !odd;
      } else if (b == LF) {
        line++;
        if (!odd) {
          return;
        }
      }
    }
  }

  /** True when the stream has no more bytes. */
  public boolean atEnd() {
    return pos == lim && !fill();
  }

  /**
   * Reads the next non-empty record into {@code out}.
   *
   * @return false at the end of the stream
   */
  public boolean next(RawRecord out) {
    while (true) {
      if (pos == lim && !fill()) {
        return false;
      }
      if (readOne(out)) {
        return true;
      }
    }
  }

  /** Reads one line-level record; returns false if it was an empty line. */
  private boolean readOne(RawRecord out) {
    long startOffset = position();
    long startLine = line;
    lastByteWasCr = false;
    boolean odd = false;
    boolean copied = false;
    int held = 0;
    long full = 0;
    int spanStart = pos;
    byte[] a = buf;
    scan:
    while (true) {
      int p = pos;
      int l = lim;
      while (p < l) {
        byte b = a[p++];
        if (b == quote) {
          odd = !odd;
        } else if (b == LF) {
          line++;
          if (!odd) {
            int spanLen = p - 1 - spanStart;
            full += spanLen;
            pos = p;
            if (copied) {
              held = append(held, a, spanStart, spanLen);
            }
            break scan;
          }
        }
      }
      // buffer exhausted in the middle of a record: keep what we have and refill
      int spanLen = l - spanStart;
      full += spanLen;
      held = append(held, a, spanStart, spanLen);
      copied = true;
      pos = l;
      if (!fill()) {
        break;
      }
      spanStart = pos;
    }
    byte[] bytes;
    int off;
    boolean lastCr;
    if (copied) {
      bytes = scratch;
      off = 0;
      lastCr = lastByteWasCr;
    } else {
      bytes = a;
      off = spanStart;
      lastCr = full > 0 && a[spanStart + (int) full - 1] == CR;
      held = (int) Math.min(full, maxRecordBytes);
    }
    if (lastCr && !odd) {
      full--; // the CR of a CRLF terminator (or a stray CR before end of file)
      held = (int) Math.min(held, full);
    }
    if (full == 0) {
      return false; // blank line
    }
    out.bytes = bytes;
    out.offset = off;
    out.length = held;
    out.fullLength = full;
    out.fileOffset = startOffset;
    out.line = startLine;
    out.unterminatedQuote = odd;
    return true;
  }

  /** Appends to the scratch buffer, holding at most maxRecordBytes; returns the new held count. */
  private int append(int held, byte[] src, int from, int len) {
    if (len > 0) {
      lastByteWasCr = src[from + len - 1] == CR;
    }
    int room = maxRecordBytes - held;
    int n = Math.min(room, len);
    if (n <= 0) {
      return held;
    }
    if (held + n > scratch.length) {
      scratch = Arrays.copyOf(scratch, Math.min(maxRecordBytes, Math.max(held + n, scratch.length * 2)));
    }
    System.arraycopy(src, from, scratch, held, n);
    return held + n;
  }

  /** Refills the buffer; returns false at end of stream. Discards bytes before pos. */
  private boolean fill() {
    if (eof) {
      return false;
    }
    bufStartOffset += pos;
    int keep = lim - pos;
    if (keep > 0) {
      System.arraycopy(buf, pos, buf, 0, keep);
    }
    pos = 0;
    lim = keep;
    ByteBuffer bb = ByteBuffer.wrap(buf, lim, buf.length - lim);
    try {
      while (bb.hasRemaining()) {
        int n = channel.read(bb);
        if (n < 0) {
          eof = true;
          break;
        }
        if (n == 0) {
          continue;
        }
        break;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    lim = bb.position();
    return lim > pos;
  }
}
