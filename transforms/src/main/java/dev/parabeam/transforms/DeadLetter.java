package dev.parabeam.transforms;

import dev.parabeam.transforms.csv.CsvText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A record that could not be used: where it is, why, and its raw text. */
@DefaultCoder(DeadLetter.Coder.class)
public final class DeadLetter {
  /** Header of a dead-letter CSV file. */
  public static final String CSV_HEADER = "file,line,reason,record";

  private final String file;
  private final long line;
  private final String reason;
  private final String record;

  public DeadLetter(String file, long line, String reason, String record) {
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.record = record;
  }

  public String file() {
    return file;
  }

  /** 1-based line on which the record starts. */
  public long line() {
    return line;
  }

  public String reason() {
    return reason;
  }

  /** The raw record text, line terminator excluded (possibly cut, as the reason then says). */
  public String record() {
    return record;
  }

  /** This dead letter as one CSV row (which may span lines when the record did). */
  public String toCsvRow() {
    return CsvText.row(file, Long.toString(line), reason, record);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter d = (DeadLetter) o;
    return line == d.line
        && file.equals(d.file)
        && reason.equals(d.reason)
        && record.equals(d.record);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, line, reason, record);
  }

  @Override
  public String toString() {
    return file + ":" + line + ": " + reason;
  }

  /** Coder for {@link DeadLetter}. */
  public static final class Coder extends AtomicCoder<DeadLetter> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(DeadLetter d, OutputStream out) throws IOException {
      STRING.encode(d.file, out);
      LONG.encode(d.line, out);
      STRING.encode(d.reason, out);
      STRING.encode(d.record, out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
      return new DeadLetter(
          STRING.decode(in), LONG.decode(in), STRING.decode(in), STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
