package dev.parabeam.transforms.engine;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;

import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.stats.Aggregation;
import dev.parabeam.transforms.stats.AggregationsFn;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.stats.KeyAndValue;
import dev.parabeam.transforms.stats.KeysAndValues;
import dev.parabeam.transforms.stats.StatsFns;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /**
   * The engine's fused path ({@link AccumulatingRecordFn#read} then {@code addTo}) leaves every
   * key's statistics exactly as {@code apply} and the combine function's {@code addInput} do, and
   * rejects the same records with the same reasons.
   */
  @Test
  public void keyAndValueAddsIntoItsStatisticsAsApplyAndAddInputDo() {
    CsvDialect dialect = CsvDialect.RFC4180;
    FieldSplitter splitter = new FieldSplitter(dialect);
    List<String> columns = List.of("id", "region", "amount");
    CsvRecord view = new CsvRecord("f.csv", columns, StandardCharsets.UTF_8);
    KeyAndValue fn = new KeyAndValue("region", "amount");
    StatsFns.OfValues combine = new StatsFns.OfValues();
    assertEquals(true, fn.accumulatesFor(combine));
    Map<String, DecimalStats> fused = new HashMap<>();
    Map<String, DecimalStats> plain = new HashMap<>();
    // the engine's third way: the key's slot in per-key columns, drained now and then (a small
    // budget: often full) into accumulators kept per key
    Slots<String, DecimalStats> slots = new Slots<>(fn.keyedAccumulators(2_000));
    Random r = new Random(7);
    int added = 0;
    for (int n = 0; n < 100_000; n++) {
      String amount = r.nextInt(3) == 0 ? field(r) : number(r);
      String line = r.nextInt(100) + "," + "k" + r.nextInt(50) + "," + amount;
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      if (!splitter.split(bytes, 0, bytes.length) || splitter.fieldCount() != 3) {
        continue;
      }
      Recorder viaApply = new Recorder();
      List<Object[]> emitted = new ArrayList<>();
      fn.apply(
          view.at(splitter, n),
          new RecordFn.Output<>() {
            @Override
            public void emit(String key, BigDecimal value) {
              emitted.add(new Object[] {key, value});
              viaApply.emit(key, value);
            }

            @Override
            public void reject(String reason) {
              viaApply.reject(reason);
            }
          });
      Recorder viaRead = new Recorder();
      String key = fn.read(view.at(splitter, n), viaRead);
      if (key == null) {
        assertEquals(line, viaApply.seen, viaRead.seen);
        continue;
      }
      assertEquals(line, 1, emitted.size());
      assertEquals(line, emitted.get(0)[0], key);
      slots.add(key, r);
      fused.put(key, fn.addTo(fused.getOrDefault(key, combine.createAccumulator())));
      plain.put(
          key,
          combine.addInput(
              plain.getOrDefault(key, combine.createAccumulator()),
              (BigDecimal) emitted.get(0)[1]));
      added++;
    }
    Map<String, DecimalStats> viaColumns = slots.drained();
    assertEquals(true, added > 50_000);
    assertEquals(true, slots.drains > 10);
    assertEquals(plain, fused);
    assertEquals(plain, viaColumns);
    for (String k : plain.keySet()) {
      // the printed figures, not only numeric equality
      assertEquals(plain.get(k).toString(), fused.get(k).toString());
      assertEquals(plain.get(k).mean(), fused.get(k).mean());
      assertEquals(plain.get(k).toString(), viaColumns.get(k).toString());
      assertEquals(plain.get(k).mean(), viaColumns.get(k).mean());
    }
  }

  /**
   * The same for a group-by's {@link KeysAndValues} and {@link AggregationsFn}, every aggregation
   * at once: the printed results of every key are those of {@code apply} and {@code addInput}.
   */
  @Test
  public void keysAndValuesAddIntoEveryAggregationAsApplyAndAddInputDo() {
    FieldSplitter splitter = new FieldSplitter(CsvDialect.RFC4180);
    List<String> columns = List.of("region", "product", "customer", "amount");
    CsvRecord view = new CsvRecord("f.csv", columns, StandardCharsets.UTF_8);
    AggregationsFn combine =
        new AggregationsFn(
            Aggregation.parseList(
                "count,sum(amount),min(amount),max(amount),mean(amount),p50(amount),p90(amount),"
                    + "countDistinct(customer),countDistinct(amount)"));
    KeysAndValues fn = new KeysAndValues(List.of("region", "product"), combine.aggregations());
    assertEquals(true, fn.accumulatesFor(combine));
    assertEquals(
        false, fn.accumulatesFor(new AggregationsFn(Aggregation.parseList("count,sum(amount)"))));
    Map<List<String>, Object[]> fused = new HashMap<>();
    Map<List<String>, Object[]> plain = new HashMap<>();
    Slots<List<String>, Object[]> slots = new Slots<>(fn.keyedAccumulators(20_000));
    Random r = new Random(13);
    for (int n = 0; n < 60_000; n++) {
      String amount = r.nextInt(4) == 0 ? field(r) : number(r);
      String line =
          "r" + r.nextInt(3) + ",\"p" + r.nextInt(30) + "\",c" + r.nextInt(40) + "," + amount;
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      if (!splitter.split(bytes, 0, bytes.length) || splitter.fieldCount() != 4) {
        continue;
      }
      List<Object> emitted = new ArrayList<>();
      List<String> reasons = new ArrayList<>();
      fn.apply(
          view.at(splitter, n),
          new RecordFn.Output<>() {
            @Override
            public void emit(List<String> key, Object[] value) {
              emitted.add(key);
              emitted.add(value);
            }

            @Override
            public void reject(String reason) {
              reasons.add(reason);
            }
          });
      List<String> readReasons = new ArrayList<>();
      List<String> key =
          fn.read(
              view.at(splitter, n),
              new RecordFn.Output<>() {
                @Override
                public void emit(List<String> k, Object[] value) {
                  throw new AssertionError("read emits nothing");
                }

                @Override
                public void reject(String reason) {
                  readReasons.add(reason);
                }
              });
      assertEquals(line, reasons, readReasons);
      if (key == null) {
        continue;
      }
      assertEquals(line, emitted.get(0), key);
      slots.add(key, r);
      fused.put(key, fn.addTo(fused.getOrDefault(key, combine.createAccumulator())));
      plain.put(
          key,
          combine.addInput(
              plain.getOrDefault(key, combine.createAccumulator()), (Object[]) emitted.get(1)));
    }
    Map<List<String>, Object[]> viaColumns = slots.drained();
    assertEquals(plain.keySet(), fused.keySet());
    assertEquals(plain.keySet(), viaColumns.keySet());
    assertEquals(true, plain.size() == 90);
    assertEquals(true, slots.drains > 10);
    for (List<String> k : plain.keySet()) {
      Object[] want = combine.extractOutput(plain.get(k));
      Object[] got = combine.extractOutput(fused.get(k));
      Object[] gotColumns = combine.extractOutput(viaColumns.get(k));
      for (int i = 0; i < combine.aggregations().size(); i++) {
        assertEquals(
            k + " " + combine.aggregations().get(i),
            combine.format(i, want),
            combine.format(i, got));
        assertEquals(
            k + " " + combine.aggregations().get(i),
            combine.format(i, want),
            combine.format(i, gotColumns));
      }
    }
  }

  /**
   * What the engine does with a function's {@link KeyedAccumulators}: a slot per key from 0 in the
   * order met, drained into accumulators kept per key when full and at random points (then the
   * slots start again), and at the end.
   */
  private static final class Slots<K, A> {
    final KeyedAccumulators<A> columns;
    final Map<K, Integer> slotOf = new HashMap<>();
    final List<K> keys = new ArrayList<>();
    final Map<K, A> accumulators = new HashMap<>();
    int drains;

    Slots(KeyedAccumulators<A> columns) {
      this.columns = columns;
    }

    void add(K key, Random r) {
      Integer slot = slotOf.get(key);
      if (slot == null) {
        slot = keys.size();
        keys.add(key);
        slotOf.put(key, slot);
      }
      columns.add(slot);
      if (columns.full() || r.nextInt(3_000) == 0) {
        drain();
      }
    }

    void drain() {
      List<A> accs = new ArrayList<>();
      for (K k : keys) {
        accs.add(accumulators.get(k));
      }
      columns.drainInto(accs, keys.size());
      for (int i = 0; i < keys.size(); i++) {
        accumulators.put(keys.get(i), accs.get(i));
      }
      keys.clear();
      slotOf.clear();
      drains++;
    }

    Map<K, A> drained() {
      drain();
      return accumulators;
    }
  }

  /** A number as an export might write it: signs, zeros, scales, exponents, long digit strings. */
  private static String number(Random r) {
    if (r.nextInt(50) == 0) {
      // at the edges of a long's unscaled value: sums overflow, minima and maxima sit there
      String[] edges = {
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775806",
        "-9223372036854775807",
        "92233720368547758.07",
        "-92233720368547758.08",
        "0.000000000000000001",
        "-0"
      };
      return edges[r.nextInt(edges.length)];
    }
    StringBuilder sb = new StringBuilder();
    if (r.nextInt(4) == 0) {
      sb.append(r.nextBoolean() ? '-' : '+');
    }
    int intDigits = r.nextInt(r.nextInt(10) == 0 ? 22 : 7);
    for (int i = 0; i < intDigits; i++) {
      sb.append((char) ('0' + r.nextInt(10)));
    }
    if (r.nextBoolean() || intDigits == 0) {
      sb.append('.');
      int frac = 1 + r.nextInt(r.nextInt(10) == 0 ? 20 : 4);
      for (int i = 0; i < frac; i++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
    }
    if (r.nextInt(20) == 0) {
      sb.append('e').append(r.nextInt(41) - 20);
    }
    return sb.toString();
  }

  /**
   * Key tuples by bytes: the same tuple of texts as the fields' Strings, one instance per distinct
   * tuple, apart when only the boundary between fields differs or only non-ASCII bytes do, equal
   * (and of equal hash) to any list of the same texts; past the table's capacity still right.
   */
  @Test
  public void keyTuplesAreTheFieldsTextsFoundByTheirBytes() {
    FieldSplitter splitter = new FieldSplitter(CsvDialect.RFC4180);
    CsvRecord view = new CsvRecord("f.csv", List.of("a", "b", "c"), StandardCharsets.UTF_8);
    int[] ab = {0, 1};
    Map<List<String>, List<String>> first = new HashMap<>();
    Random r = new Random(9);
    String[] pieces = {"a", "b", "ab", "é", "\u00e8", "", "x"};
    for (int n = 0; n < 50_000; n++) {
      String a = pieces[r.nextInt(pieces.length)] + pieces[r.nextInt(pieces.length)];
      String b = pieces[r.nextInt(pieces.length)];
      String line = a + "," + b + "," + n;
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      splitter.split(bytes, 0, bytes.length);
      List<String> got = view.at(splitter, n).keys(ab);
      List<String> want = List.of(a, b);
      assertEquals(line, want, got);
      assertEquals(line, new ArrayList<>(want).hashCode(), got.hashCode());
      List<String> earlier = first.putIfAbsent(want, got);
      if (earlier != null) {
        assertSame(line, earlier, got);
      }
    }
    CsvRecord fresh = new CsvRecord("g.csv", List.of("a", "b", "c"), StandardCharsets.UTF_8);
    List<String> last = null;
    for (int i = 0; i < KeyStrings.MAX_ENTRIES + 10; i++) {
      byte[] bytes = ("k" + i + ",v," + i).getBytes(StandardCharsets.UTF_8);
      splitter.split(bytes, 0, bytes.length);
      last = fresh.at(splitter, i).keys(ab);
      assertEquals(List.of("k" + i, "v"), last);
    }
    byte[] again = ("k" + (KeyStrings.MAX_ENTRIES + 9) + ",v,0").getBytes(StandardCharsets.UTF_8);
    splitter.split(again, 0, again.length);
    assertEquals(last, fresh.at(splitter, 0).keys(ab));
  }

  /**
   * The view's key ids, by which the engine finds a key's accumulator without hashing it: equal
   * keys get equal ids and distinct keys distinct ones, small numbers from 0 (tuples dense), for
   * single keys and tuples apart; -1 for a key that is not kept (a quoted field with a doubled
   * quote, the table full), for a record whose fn made no key call, and never carried over from the
   * record before.
   */
  @Test
  public void keyIdsNameEachDistinctKeyOnceAndOnlyWhileKept() {
    FieldSplitter splitter = new FieldSplitter(CsvDialect.RFC4180);
    CsvRecord view = new CsvRecord("f.csv", List.of("a", "b", "c"), StandardCharsets.UTF_8);
    int[] ab = {0, 1};
    Map<String, Integer> idOfKey = new HashMap<>();
    Map<Integer, String> keyOfId = new HashMap<>();
    Map<List<String>, Integer> idOfTuple = new HashMap<>();
    Map<Integer, List<String>> tupleOfId = new HashMap<>();
    Random r = new Random(11);
    for (int n = 0; n < 20_000; n++) {
      String a = "k" + r.nextInt(300);
      String b = "v" + r.nextInt(7);
      byte[] bytes = (a + "," + b + "," + n).getBytes(StandardCharsets.UTF_8);
      splitter.split(bytes, 0, bytes.length);
      CsvRecord rec = view.at(splitter, n);
      assertEquals(-1, rec.keyId());
      String key = rec.key(0);
      int id = rec.keyId();
      assertEquals(true, id >= 0 && id % 2 == 0);
      assertEquals(key, a);
      assertEquals(id, (int) idOfKey.computeIfAbsent(a, x -> id));
      assertEquals(a, keyOfId.computeIfAbsent(id, x -> a));
      rec.get(2); // a field read as text: the id stays the key's
      assertEquals(id, rec.keyId());
      List<String> tuple = rec.keys(ab);
      int tid = rec.keyId();
      assertEquals(true, tid >= 0 && tid % 2 == 1);
      assertEquals(tid, (int) idOfTuple.computeIfAbsent(tuple, x -> tid));
      assertEquals(tuple, tupleOfId.computeIfAbsent(tid, x -> tuple));
    }
    // small: single keys 2 * (a text's place among the view's texts, which include the tuples'
    // fields: 300 k's and 7 v's), tuples 2 * (their place) + 1
    for (int id : keyOfId.keySet()) {
      assertEquals(true, id < 2 * (300 + 7));
    }
    for (int i = 0; i < idOfTuple.size(); i++) {
      assertEquals(true, tupleOfId.containsKey(2 * i + 1));
    }
    // a field with a doubled quote has the id of its text, whichever way the text was written
    // (k"1 unquoted holds a literal quote: the same text)
    byte[] quoted = "\"k\"\"1\",v1,0".getBytes(StandardCharsets.UTF_8);
    splitter.split(quoted, 0, quoted.length);
    CsvRecord rec = view.at(splitter, 0);
    assertEquals("k\"1", rec.key(0));
    int quotedId = rec.keyId();
    assertEquals(true, quotedId >= 0 && !keyOfId.containsKey(quotedId));
    assertEquals(List.of("k\"1", "v1"), rec.keys(ab));
    int quotedTupleId = rec.keyId();
    assertEquals(true, quotedTupleId >= 0 && !tupleOfId.containsKey(quotedTupleId));
    byte[] plain = "k\"1,v1,1".getBytes(StandardCharsets.UTF_8);
    splitter.split(plain, 0, plain.length);
    rec = view.at(splitter, 1);
    assertEquals("k\"1", rec.key(0));
    assertEquals(quotedId, rec.keyId());
    assertEquals(List.of("k\"1", "v1"), rec.keys(ab));
    assertEquals(quotedTupleId, rec.keyId());
    byte[] other = "\"k\"\"2\",v1,2".getBytes(StandardCharsets.UTF_8);
    splitter.split(other, 0, other.length);
    rec = view.at(splitter, 2);
    assertEquals(List.of("k\"2", "v1"), rec.keys(ab));
    assertEquals(true, rec.keyId() != quotedTupleId);

    CsvRecord full = new CsvRecord("g.csv", List.of("a", "b", "c"), StandardCharsets.UTF_8);
    for (int i = 0; i < KeyStrings.MAX_ENTRIES + 10; i++) {
      byte[] bytes = ("k" + i + ",v,0").getBytes(StandardCharsets.UTF_8);
      splitter.split(bytes, 0, bytes.length);
      full.at(splitter, i).key(0);
      assertEquals(i < KeyStrings.MAX_ENTRIES ? 2 * i : -1, full.keyId());
    }
  }
}
