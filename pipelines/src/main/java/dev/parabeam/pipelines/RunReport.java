package dev.parabeam.pipelines;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What a finished run tells its user beyond summary.json: the dead-letter warnings, a preview. */
final class RunReport {
  private RunReport() {}

  /**
   * The warning line when dead letters are more than 1% of the records read, or their bytes more
   * than 1% of the input bytes; null otherwise.
   */
  static String deadLetterWarning(
      long dead, long read, long deadBytes, long inputBytes, Path deadLetters) {
    boolean manyRecords = dead * 100 > read;
    boolean manyBytes = deadBytes * 100 > inputBytes;
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
   * The header and first {@link #PREVIEW_ROWS} lines of {@code results}, and how many there are.
   */
  static void printPreview(Path results, PrintStream out) throws IOException {
    List<String> head = new ArrayList<>();
    long lines = 0;
    try (BufferedReader r = Files.newBufferedReader(results, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (head.size() <= PREVIEW_ROWS) {
          head.add(line);
        }
        lines++;
      }
    }
    long rows = Math.max(0, lines - 1);
    out.println(String.format(Locale.ROOT, "results.csv (%,d row%s):", rows, rows == 1 ? "" : "s"));
    head.forEach(l -> out.println("  " + l));
    if (rows > PREVIEW_ROWS) {
      out.println("  ...");
    }
  }
}
