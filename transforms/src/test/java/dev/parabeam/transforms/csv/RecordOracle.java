package dev.parabeam.transforms.csv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An independent, deliberately naive statement of the record rule, used as the oracle for {@link
 * RecordReader}. It reads like a person would, with lookahead instead of a state table: outside
 * quotes, an LF ends the record, a delimiter starts a new field, and a quote opens a quoted field
 * only as the first byte of a field; inside a quoted field, a doubled quote is data and a single
 * quote closes it. A CR just before the end is dropped unless the record ends inside quotes; empty
 * records are skipped.
 */
public final class RecordOracle {
  private RecordOracle() {}

  /** A record as seen from outside: held bytes, start line, start offset, full length, flags. */
  public static final class Rec {
    public final byte[] held;
    public final long line;
    public final long offset;
    public final long fullLength;
    public final boolean unterminated;

    public Rec(byte[] held, long line, long offset, long fullLength, boolean unterminated) {
      this.held = held;
      this.line = line;
      this.offset = offset;
      this.fullLength = fullLength;
      this.unterminated = unterminated;
    }

    public static Rec of(String text, long line, long offset) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      return new Rec(b, line, offset, b.length, false);
    }

    public static Rec of(RawRecord r) {
      return new Rec(
          Arrays.copyOfRange(r.bytes(), r.offset(), r.offset() + r.length()),
          r.line(),
          r.fileOffset(),
          r.fullLength(),
          r.hasUnterminatedQuote());
    }

    public String text() {
      return new String(held, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Rec)) {
        return false;
      }
      Rec r = (Rec) o;
      return Arrays.equals(held, r.held)
          && line == r.line
          && offset == r.offset
          && fullLength == r.fullLength
          && unterminated == r.unterminated;
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(held), line, offset, fullLength, unterminated);
    }

    @Override
    public String toString() {
      return "line "
          + line
          + " @"
          + offset
          + " full="
          + fullLength
          + (unterminated ? " UNTERMINATED" : "")
          + " ["
          + text().replace("\r", "\\r").replace("\n", "\\n")
          + "]";
    }
  }

  /** Records of {@code d} from {@code from} (a record boundary) on line {@code line}. */
  public static List<Rec> records(byte[] d, int from, long line, int maxRecordBytes, byte quote) {
    return records(d, from, line, maxRecordBytes, (byte) ',', quote);
  }

  /** The same, for any delimiter. */
  public static List<Rec> records(
      byte[] d, int from, long line, int maxRecordBytes, byte delimiter, byte quote) {
    List<Rec> out = new ArrayList<>();
    int i = from;
    while (i < d.length) {
      int s = i;
      long startLine = line;
      boolean inQuotes = false;
      boolean fieldStart = true;
      int j = i;
      while (j < d.length) {
        byte c = d[j];
        if (c == '\n') {
          line++;
        }
        if (inQuotes) {
          if (c == quote) {
            if (j + 1 < d.length && d[j + 1] == quote) {
              j += 2; // an escaped quote
              continue;
            }
            inQuotes = false;
          }
        } else if (c == '\n') {
          break;
        } else if (c == delimiter) {
          fieldStart = true;
        } else {
          inQuotes = c == quote && fieldStart;
          fieldStart = false;
        }
        j++;
      }
      int e = j;
      if (e > s && d[e - 1] == '\r' && !inQuotes) {
        e--;
      }
      i = j < d.length ? j + 1 : j;
      if (e == s) {
        continue;
      }
      out.add(
          new Rec(
              Arrays.copyOfRange(d, s, Math.min(e, s + maxRecordBytes)),
              startLine,
              s,
              e - s,
              inQuotes));
    }
    return out;
  }

  public static List<Rec> records(byte[] d, int maxRecordBytes) {
    return records(d, 0, 1, maxRecordBytes, (byte) '"');
  }
}
