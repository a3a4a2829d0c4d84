package dev.parabeam.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.stats.DecimalStats;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.KV;
import org.junit.Test;

public class StatsCsvTest {
  private static DecimalStats stats(String... values) {
    DecimalStats s = new DecimalStats();
    for (String v : values) {
      s.add(new BigDecimal(v));
    }
    return s;
  }

  @Test
  public void rowPrintsExactNumbers() {
    assertThat(
        StatsCsv.row("k", stats("4.50", "1E+3", "-0.50")), is("k,3,1004,-0.5,1000,334.666667"));
    assertThat(StatsCsv.row("a,\"b\"\n", stats("0.000", "0")), is("\"a,\"\"b\"\"\n\",2,0,0,0,0"));
    assertThat(StatsCsv.row("", stats("1", "2")), is(",2,3,1,2,1.5"));
    assertThat(StatsCsv.row("x", stats("1E-7")), is("x,1,0.0000001,0.0000001,0.0000001,0"));
  }

  @Test
  public void sortsByUnsignedUtf8Bytes() {
    // UTF-16 order would put U+1F600 (a surrogate pair, D83D...) before U+FFFD; UTF-8 puts EF..
    // before F0..
    String[] keys = {"😀", "b", "\uFFFD", "é", "B", "", "ü", "a", "ab", "\u007f"};
    List<KV<String, DecimalStats>> rows = new ArrayList<>();
    for (String k : keys) {
      rows.add(KV.of(k, stats("1")));
    }
    List<String> sorted = new ArrayList<>();
    for (KV<String, DecimalStats> kv : StatsCsv.sorted(rows)) {
      sorted.add(kv.getKey());
    }
    assertThat(sorted, contains("", "B", "a", "ab", "b", "\u007f", "é", "ü", "\uFFFD", "😀"));
  }

  @Test
  public void writesHeaderAndSortedRowsWithLf() throws IOException {
    Map<String, DecimalStats> m = new HashMap<>();
    m.put("z", stats("2"));
    m.put("a b", stats("1", "2", "4"));
    StringWriter w = new StringWriter();
    StatsCsv.write(m, w);
    assertThat(w.toString(), is("key,count,sum,min,max,mean\na b,3,7,1,4,2.333333\nz,1,2,2,2,2\n"));
    StringWriter empty = new StringWriter();
    StatsCsv.write(new HashMap<>(), empty);
    assertThat(empty.toString(), is("key,count,sum,min,max,mean\n"));
  }
}
