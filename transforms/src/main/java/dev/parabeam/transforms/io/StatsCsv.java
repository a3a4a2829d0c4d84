package dev.parabeam.transforms.io;

import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.KV;

/**
 * The results file format: header {@code key,count,sum,min,max,mean}, one row per key, rows in
 * unsigned byte order of the key's UTF-8 encoding, numbers printed exactly.
 */
public final class StatsCsv {
  public static final String HEADER = "key,count,sum,min,max,mean";

  private StatsCsv() {}

  /** One results row, without line terminator. */
  public static String row(String key, DecimalStats s) {
    return CsvText.row(
        key,
        Long.toString(s.count()),
        Decimals.format(s.sum()),
        Decimals.format(s.min()),
        Decimals.format(s.max()),
        Decimals.format(s.mean()));
  }

  /** Sorts by the unsigned bytes of the keys' UTF-8 encoding. */
  public static List<KV<String, DecimalStats>> sorted(Iterable<KV<String, DecimalStats>> rows) {
    List<Object[]> tmp = new ArrayList<>();
    for (KV<String, DecimalStats> kv : rows) {
      tmp.add(new Object[] {kv.getKey().getBytes(StandardCharsets.UTF_8), kv});
    }
    tmp.sort((a, b) -> Arrays.compareUnsigned((byte[]) a[0], (byte[]) b[0]));
    List<KV<String, DecimalStats>> out = new ArrayList<>(tmp.size());
    for (Object[] o : tmp) {
      @SuppressWarnings("unchecked")
      KV<String, DecimalStats> kv = (KV<String, DecimalStats>) o[1];
      out.add(kv);
    }
    return out;
  }

  /** Writes header and sorted rows, LF line endings. */
  public static void write(Iterable<KV<String, DecimalStats>> rows, Writer w) throws IOException {
    w.write(HEADER);
    w.write('\n');
    for (KV<String, DecimalStats> kv : sorted(rows)) {
      w.write(row(kv.getKey(), kv.getValue()));
      w.write('\n');
    }
  }

  /** Writes a map of results (any order) in the results format. */
  public static void write(Map<String, DecimalStats> results, Writer w) throws IOException {
    List<KV<String, DecimalStats>> rows = new ArrayList<>(results.size());
    results.forEach((k, v) -> rows.add(KV.of(k, v)));
    write(rows, w);
  }
}
