package dev.parabeam.transforms.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;

import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.stats.KeyAndValue;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * The per-record fast paths (keys decoded once per distinct byte string, numbers parsed from the
 * bytes) give exactly what the plain String path gives, on random records.
 */
public class FastRecordPathTest {
  /** What a RecordFn emitted or why it rejected, as text that compares scales too. */
  private static final class Recorder implements RecordFn.Output<String, BigDecimal> {
    final List<String> seen = new ArrayList<>();

    @Override
    public void emit(String key, BigDecimal value) {
      seen.add("emit " + key + " " + value.unscaledValue() + "E-" + value.scale());
    }

    @Override
    public void reject(String reason) {
      seen.add("reject " + reason);
    }
  }

  /** The path before the fast one: every field through its String. */
  private static void slow(CsvRecord r, RecordFn.Output<String, BigDecimal> out) {
    String text = r.get("amount");
    Decimals.Parsed v = Decimals.parse(text);
    if (v.value == null) {
      out.reject("amount: " + v.error + ": '" + text + "'");
      return;
    }
    out.emit(r.get("region"), v.value);
  }

  private static String field(Random r) {
    String[] pieces = {
      "1", "0", "9", ".", "-", "e", "5", " ", "é", "ü", "\u00e9", "x", "\"\"", "12.50", "€",
      "9999999"
    };
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append(pieces[r.nextInt(pieces.length)]);
    }
    String s = sb.toString();
    boolean mustQuote = s.contains("\"");
    if (mustQuote || r.nextInt(5) == 0) {
      return "\"" + s.replace("\"\"", "\"\"\"\"") + "\"";
    }
    return s;
  }

  @Test
  public void keyAndValueMatchesTheStringPath() {
    for (Charset cs : List.of(StandardCharsets.UTF_8, StandardCharsets.ISO_8859_1)) {
      CsvDialect dialect = CsvDialect.RFC4180.withEncoding(cs.name());
      FieldSplitter splitter = new FieldSplitter(dialect);
      List<String> columns = List.of("id", "region", "amount");
      CsvRecord fastView = new CsvRecord("f.csv", columns, cs);
      CsvRecord slowView = new CsvRecord("f.csv", columns, cs);
      KeyAndValue fn = new KeyAndValue("region", "amount");
      Random r = new Random(42);
      int emitted = 0;
      for (int n = 0; n < 100_000; n++) {
        String line = r.nextInt(100) + "," + field(r) + "," + field(r);
        byte[] bytes = line.getBytes(cs);
        if (!splitter.split(bytes, 0, bytes.length) || splitter.fieldCount() != 3) {
          continue;
        }
        Recorder fast = new Recorder();
        Recorder slow = new Recorder();
        fn.apply(fastView.at(splitter, n), fast);
        slow(slowView.at(splitter, n), slow);
        assertEquals(line, slow.seen, fast.seen);
        emitted += fast.seen.get(0).startsWith("emit") ? 1 : 0;
      }
      assertEquals(true, emitted > 5_000);
    }
  }

  @Test
  public void keysThatDifferOnlyInNonAsciiBytesStayApart() {
    KeyStrings keys = new KeyStrings(StandardCharsets.UTF_8);
    Random r = new Random(5);
    List<byte[]> texts = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      // "K" + two random code points from U+0080..U+07FF: two-byte sequences
      String s = "K" + (char) (0x80 + r.nextInt(0x780)) + (char) (0x80 + r.nextInt(0x780));
      texts.add(s.getBytes(StandardCharsets.UTF_8));
    }
    List<String> first = new ArrayList<>();
    for (byte[] t : texts) {
      byte[] padded = new byte[t.length + 4];
      System.arraycopy(t, 0, padded, 2, t.length);
      String got = keys.get(padded, 2, 2 + t.length);
      assertEquals(new String(t, StandardCharsets.UTF_8), got);
      first.add(got);
    }
    for (int i = 0; i < texts.size(); i++) {
      byte[] t = texts.get(i);
      // the same bytes again (in another array): the same instance
      assertSame(first.get(i), keys.get(t.clone(), 0, t.length));
    }
  }

  @Test
  public void pastItsCapacityTheTableStillDecodesEveryKey() {
    KeyStrings keys = new KeyStrings(StandardCharsets.UTF_8);
    for (int i = 0; i < KeyStrings.MAX_ENTRIES + 100; i++) {
      byte[] t = ("key" + i).getBytes(StandardCharsets.UTF_8);
      assertEquals("key" + i, keys.get(t, 0, t.length));
    }
    assertEquals(KeyStrings.MAX_ENTRIES, keys.size());
    byte[] late = ("key" + (KeyStrings.MAX_ENTRIES + 50)).getBytes(StandardCharsets.UTF_8);
    String a = keys.get(late, 0, late.length);
    assertEquals(new String(late, StandardCharsets.UTF_8), a);
    assertNotSame(a, keys.get(late, 0, late.length)); // not kept: decoded each time
    byte[] early = "key7".getBytes(StandardCharsets.UTF_8);
    assertSame(keys.get(early, 0, 4), keys.get(early.clone(), 0, 4));
  }
}
