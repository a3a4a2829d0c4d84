package dev.parabeam.pipelines.speedup;

import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The COST baseline with work: what a competent programmer writes on one thread, with no
 * framework. commons-csv reads the file, and every record the job would count (right field count,
 * a valid value) gets exactly the job's per-record work ({@link SimulatedWork#run}, same kind, same
 * µs, same calibration in this JVM) before it is added to a HashMap of exact statistics. The job
 * does the same per-record work in the same place (after the value parsed, before it is added).
 */
public final class PlainJavaWork {
  private PlainJavaWork() {}

  /** Aggregates {@code input} on this thread and returns {@code results.csv} as the job writes it. */
  public static String run(Path input, String keyColumn, String valueColumn, SimulatedWork work) throws IOException {
    work.prepare();
    CsvHeader header;
    try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
      header = CsvHeader.read(ch, CsvDialect.RFC4180, 1 << 20);
    }
    int k = header.indexOf(keyColumn);
    int v = header.indexOf(valueColumn);
    if (k < 0 || v < 0) {
      throw new IllegalArgumentException(input + " has no column '" + (k < 0 ? keyColumn : valueColumn) + "'");
    }
    int n = header.columns().size();
    Map<String, DecimalStats> map = new HashMap<>();
    try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
      ch.position(header.dataStart());
      try (Reader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8), 1 << 16);
          CSVParser p = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).build().parse(r)) {
        for (CSVRecord rec : p) {
          if (rec.size() != n) {
            continue;
          }
          BigDecimal value = Decimals.parseOrNull(rec.get(v));
          if (value == null) {
            continue;
          }
          String key = rec.get(k);
          work.run(key);
          map.computeIfAbsent(key, x -> new DecimalStats()).add(value);
        }
      }
    }
    StringWriter w = new StringWriter();
    StatsCsv.write(map, w);
    return w.toString();
  }
}
