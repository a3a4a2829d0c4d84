package dev.parabeam.transforms.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Cuts a byte stream into CSV records without parsing their fields.
 *
 * <p>Where records end is decided by the automaton of {@link CsvStates}: a record ends at an LF
 * that is not inside a quoted field, and a field is quoted only when its first byte is a quote. A
 * quoted field can therefore hold line breaks, while a quote inside an unquoted field ({@code 5"
 * screen}) is an ordinary byte. Because the rule depends only on the automaton's state before a
 * position, a chunk that knows that state at its first byte (see {@link ChunkTransitions}) finds
 * exactly the same boundaries as a single reader going through the whole file.
 *
 * <p>Empty lines (nothing, or only CR, before the LF) are skipped and are not records. Memory is
 * bounded: at most {@code maxRecordBytes} of a record are held, the rest is counted and dropped.
 */
public final class RecordReader {
  public static final int DEFAULT_BUFFER_BYTES = 1 << 16;
  private static final byte LF = '\n';
  private static final byte CR = '\r';

  private final ReadableByteChannel channel;
  private final CsvStates states;
  private final byte[] table;
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
  private boolean lastByteWasLf;

  /**
   * A reader whose channel is positioned at {@code fileOffset}, which must be a record boundary
   * (the data start, or just after the LF that ended a record), on line {@code line}.
   */
  public RecordReader(
      ReadableByteChannel channel,
      long fileOffset,
      long line,
      CsvDialect dialect,
      int maxRecordBytes) {
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
    this.states = CsvStates.of(dialect);
    this.table = states.table();
    this.quote = dialect.quote();
    this.maxRecordBytes = maxRecordBytes;
    // at least 3 bytes: skipByteOrderMark must see a whole BOM at once (a smaller buffer looped
    // forever)
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
    if (lim - pos >= 3
        && buf[pos] == (byte) 0xEF
        && buf[pos + 1] == (byte) 0xBB
        && buf[pos + 2] == (byte) 0xBF) {
      pos += 3;
    }
  }

  /**
   * Moves to the first record boundary at or after the current position, given the automaton's
   * state there ({@link CsvStates}). Used by a chunk that starts at an arbitrary byte offset.
   */
  public void skipToRecordStart(int state) {
    int s = state;
    byte[] t = table;
    while (s != CsvStates.RECORD_START) {
      if (pos == lim && !fill()) {
        return;
      }
      byte b = buf[pos++];
      s = t[s << 8 | (b & 0xff)];
      if (b == LF) {
        line++;
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

  /** Reads one record; returns false if it was an empty line. */
  private boolean readOne(RawRecord out) {
    long startOffset = position();
    long startLine = line;
    lastByteWasCr = false;
    lastByteWasLf = false;
    int s = CsvStates.RECORD_START;
    long quoteLine = 0; // line of the last quote that opened a quoted field
    long quotedBreakLine =
        0; // line of the opening quote of the first quoted field that holds a line break
    boolean copied = false;
    int held = 0;
    long full = 0;
    int spanStart = pos;
    byte[] a = buf;
    byte[] t = table;
    byte q = quote;
    scan:
    while (true) {
      int p = pos;
      int l = lim;
      int last =
          p - 1; // the last quote or LF stepped; s is exact just after it (see CsvStates.afterRun)
      while (p < l) {
        p = ByteScan.indexOfEither(a, p, l, LF, q);
        if (p == l) {
          break;
        }
        byte b = a[p++];
        if (p - 2 > last) {
          s = states.afterRun(s, a[p - 2]);
        }
        last = p - 1;
        int before = s;
        s = t[s << 8 | (b & 0xff)];
        if (b == LF) {
          if (s == CsvStates.RECORD_START) {
            line++;
            int spanLen = p - 1 - spanStart;
            full += spanLen;
            pos = p;
            if (copied) {
              held = append(held, a, spanStart, spanLen);
            }
            break scan;
          }
          if (s == CsvStates.QUOTED && quotedBreakLine == 0) {
            quotedBreakLine = quoteLine;
          }
          line++;
        } else if (b == q && before != CsvStates.QUOTE_IN_QUOTED && s == CsvStates.QUOTED) {
          quoteLine = line;
        }
      }
      // buffer exhausted in the middle of a record: keep what we have and refill
      if (l - 1 > last) {
        s = states.afterRun(s, a[l - 1]);
      }
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
    boolean open = s == CsvStates.QUOTED;
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
    if (lastCr && !open) {
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
    // a record ended by its LF, or one left open by a file that ends with an LF, ends on the line
    // before
    out.endLine = s == CsvStates.RECORD_START || (open && lastByteWasLf) ? line - 1 : line;
    out.unterminatedQuote = open;
    out.openQuoteLine = open ? quoteLine : quotedBreakLine;
    return true;
  }

  /** Appends to the scratch buffer, holding at most maxRecordBytes; returns the new held count. */
  private int append(int held, byte[] src, int from, int len) {
    if (len > 0) {
      lastByteWasCr = src[from + len - 1] == CR;
      lastByteWasLf = src[from + len - 1] == LF;
    }
    int room = maxRecordBytes - held;
    int n = Math.min(room, len);
    if (n <= 0) {
      return held;
    }
    if (held + n > scratch.length) {
      scratch =
          Arrays.copyOf(scratch, Math.min(maxRecordBytes, Math.max(held + n, scratch.length * 2)));
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
