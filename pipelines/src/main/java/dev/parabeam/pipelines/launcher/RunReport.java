package dev.parabeam.pipelines.launcher;

import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What a finished run tells its user beyond summary.json: the dead-letter warnings, a preview. */
public final class RunReport {
  private RunReport() {}

  /**
   * The warning line when dead letters are more than 1% of the records read, or their bytes more
   * than 1% of the input bytes; null otherwise. {@code inputBytes} is the size of the input's text,
   * or -1 when it is not known (an input with a compressed file: its dead letters' bytes are bytes
   * of decompressed text, its size is the compressed one), and then only the records count.
   */
  public static String deadLetterWarning(
      long dead, long read, long deadBytes, long inputBytes, Path deadLetters) {
    boolean manyRecords = dead * 100 > read;
    boolean manyBytes = inputBytes >= 0 && deadBytes * 100 > inputBytes;
    if (!manyRecords && !manyBytes) {
      return null;
    }
    String bytes =
        manyBytes
            ? String.format(
                Locale.ROOT,
                ", %,d of %,d input bytes (%s)",
                deadBytes,
                inputBytes,
                percent(deadBytes, inputBytes))
            : "";
    return "warning: " + deadLetterShare(dead, read) + bytes + "; see " + deadLetters;
  }

  /** "1,234 of 100,000 records (1.2%) are dead letters". */
  static String deadLetterShare(long dead, long read) {
    return String.format(Locale.ROOT, "%,d of %,d", dead, read)
        + " records ("
        + percent(dead, read)
        + ") are dead letters";
  }

  /** dead / read to 6 places (0 when nothing was read), for summary.json. */
  static BigDecimal fraction(long dead, long read) {
    if (read == 0) {
      return BigDecimal.ZERO;
    }
    return BigDecimal.valueOf(dead)
        .divide(BigDecimal.valueOf(read), 6, RoundingMode.HALF_EVEN)
        .stripTrailingZeros();
  }

  /**
   * {@code part} as a percentage of {@code whole} with one decimal, or more where one would hide a
   * part that is not zero or show exactly 1% (the warning's line) for a share that is not.
   */
  static String percent(long part, long whole) {
    if (whole == 0) {
      return "0%";
    }
    BigDecimal exact =
        BigDecimal.valueOf(part)
            .multiply(BigDecimal.valueOf(100))
            .divide(BigDecimal.valueOf(whole), MathContext.DECIMAL64);
    for (int scale = 1; ; scale++) {
      BigDecimal shown = exact.setScale(scale, RoundingMode.HALF_UP);
      boolean misleading =
          (part != 0 && shown.signum() == 0)
              || (shown.compareTo(BigDecimal.ONE) == 0 && exact.compareTo(BigDecimal.ONE) != 0);
      if (!misleading || scale >= 8) {
        return shown.stripTrailingZeros().toPlainString() + "%";
      }
    }
  }

  /** How many rows of results.csv a run shows after it (the header and the first rows). */
  static final int PREVIEW_ROWS = 5;

  /**
   * A row of results.csv longer than this many bytes (its key longer than any record a job takes by
   * default) is previewed from the start of its raw text.
   */
  static final int PREVIEW_RECORD_BYTES = 64 << 20;

  /**
   * The header and first {@link #PREVIEW_ROWS} rows of {@code results}, and how many rows there
   * are: records, not lines (a key may hold a line break); each value {@linkplain
   * CsvText#printable(String) printable}, cut at 60 characters with line breaks escaped.
   */
  static void printPreview(Path results, PrintStream out) throws IOException {
    List<String> head = new ArrayList<>();
    long records = 0;
    try (FileChannel ch = FileChannel.open(results)) {
      RecordReader reader = new RecordReader(ch, 0, 1, CsvDialect.RFC4180, PREVIEW_RECORD_BYTES);
      FieldSplitter fields = new FieldSplitter(CsvDialect.RFC4180);
      RawRecord rec = new RawRecord();
      while (reader.next(rec)) {
        if (head.size() <= PREVIEW_ROWS) {
          head.add(previewRow(rec, fields));
        }
        records++;
      }
    }
    long rows = Math.max(0, records - 1);
    out.println(String.format(Locale.ROOT, "results.csv (%,d row%s):", rows, rows == 1 ? "" : "s"));
    head.forEach(l -> out.println("  " + l));
    if (rows > PREVIEW_ROWS) {
      out.println("  ...");
    }
  }

  private static String previewRow(RawRecord rec, FieldSplitter fields) {
    if (rec.isTooLong() || !fields.split(rec.bytes(), rec.offset(), rec.length())) {
      return CsvText.printable(rec.text(1 << 10, StandardCharsets.UTF_8));
    }
    List<String> shown = new ArrayList<>(fields.fieldCount());
    for (int i = 0; i < fields.fieldCount(); i++) {
      shown.add(CsvText.printable(fields.field(i)));
    }
    return CsvText.row(shown);
  }
}
