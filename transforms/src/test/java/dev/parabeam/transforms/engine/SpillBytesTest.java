package dev.parabeam.transforms.engine;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import java.io.EOFException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The spill's own byte handling against what it replaced: {@link CoderBytes} writes and reads the
 * bytes of Beam's {@code CoderUtils}; {@link KeyOrder#fastest} sorts as {@link Utf8Order} does on
 * keys with and without characters from U+D800 up; {@link SortedRuns} reads back every record
 * written, across its buffer's boundaries and from an offset.
 */
public class SpillBytesTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final String[] PIECES = {
    "a",
    "B",
    "z",
    "é",
    "\u00ff",
    "\u0100",
    "\u07ff",
    "\u0800",
    "\ud7ff",
    "\ue000",
    "\uffff",
    "\ud83d\ude00",
    "\ud800\udc00",
    "0",
    ""
  };

  private static String text(Random r) {
    return text(r, PIECES, 6);
  }

  /** Fewer than {@code most} random pieces, joined: texts that hit the given edges. */
  static String text(Random r, String[] pieces, int most) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(most);
    for (int i = 0; i < n; i++) {
      sb.append(pieces[r.nextInt(pieces.length)]);
    }
    return sb.toString();
  }

  private static <T> void sameBytes(Coder<T> coder, T value, CoderBytes c) throws Exception {
    byte[] want = CoderUtils.encodeToByteArray(coder, value);
    assertArrayEquals(String.valueOf(value), want, c.encode(coder, value).copy());
    T back = c.decode(coder, want);
    assertArrayEquals(want, CoderUtils.encodeToByteArray(coder, back));
  }

  @Test
  public void coderBytesAreCoderUtilsBytes() throws Exception {
    CoderBytes c = new CoderBytes();
    Random r = new Random(1);
    Coder<List<String>> lists = ListCoder.of(StringUtf8Coder.of());
    for (int i = 0; i < 5_000; i++) {
      sameBytes(StringUtf8Coder.of(), text(r) + "x".repeat(r.nextInt(3) * 200), c);
      sameBytes(lists, List.of(text(r), text(r)), c);
      DecimalStats s = new DecimalStats();
      for (int k = r.nextInt(4); k > 0; k--) {
        s.add(BigDecimal.valueOf(r.nextLong(), r.nextInt(30) - 10));
      }
      sameBytes(DecimalStatsCoder.of(), s, c);
    }
  }

  @Test(expected = org.apache.beam.sdk.coders.CoderException.class)
  public void bytesLeftOverAreAnError() throws Exception {
    byte[] two = CoderUtils.encodeToByteArray(DecimalStatsCoder.of(), new DecimalStats());
    byte[] more = java.util.Arrays.copyOf(two, two.length + 1);
    new CoderBytes().decode(DecimalStatsCoder.of(), more);
  }

  @Test
  public void theFastestOrderIsUtf8Order() {
    Random r = new Random(2);
    for (int round = 0; round < 300; round++) {
      List<String> keys = new ArrayList<>();
      boolean plain = round % 2 == 0; // half the rounds without characters from U+D800 up
      for (int i = 0; i < 200; i++) {
        String t = text(r);
        if (plain) {
          t = t.replaceAll("[\ud800-\uffff]", "q");
        }
        keys.add(t);
      }
      List<String> want = new ArrayList<>(keys);
      want.sort(Utf8Order.INSTANCE);
      for (Comparator<Object> order : List.<Comparator<Object>>of(KeyOrder.DEFAULT)) {
        List<String> got = new ArrayList<>(keys);
        got.sort(KeyOrder.fastest(order, keys));
        assertEquals(want, got);
      }
      List<String> got = new ArrayList<>(keys);
      got.sort(KeyOrder.fastest(Utf8Order.INSTANCE, keys));
      assertEquals(want, got);

      List<List<String>> tuples = new ArrayList<>();
      for (int i = 0; i + 1 < keys.size(); i += 2) {
        tuples.add(List.of(keys.get(i), keys.get(i + 1)));
      }
      List<List<String>> wantTuples = new ArrayList<>(tuples);
      wantTuples.sort(Utf8Order.LISTS);
      List<List<String>> gotTuples = new ArrayList<>(tuples);
      gotTuples.sort(KeyOrder.fastest(Utf8Order.LISTS, tuples));
      assertEquals(wantTuples, gotTuples);
    }
  }

  @Test
  public void runFilesReadBackAcrossBufferBoundariesAndFromAnOffset() throws Exception {
    Path f = tmp.getRoot().toPath().resolve("r.run");
    Random r = new Random(3);
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    long[] positions = new long[2_001];
    try (SortedRuns.Writer w = new SortedRuns.Writer(f.toString())) {
      for (int i = 0; i < 2_000; i++) {
        positions[i] = w.position();
        // mostly small records, some longer than the buffer, some with long varint lengths
        int n = r.nextInt(20) == 0 ? SortedRuns.BUFFER + r.nextInt(300) : r.nextInt(200);
        byte[] k = new byte[r.nextInt(40)];
        byte[] p = new byte[n];
        r.nextBytes(k);
        r.nextBytes(p);
        keys.add(k);
        payloads.add(p);
        w.write(k, p);
      }
      positions[2_000] = w.position();
    }
    assertEquals(Files.size(f), positions[2_000]);
    int from = 777;
    try (SortedRuns.Reader rd =
        new SortedRuns.Reader(f.toString(), positions[from], positions[1500] - positions[from])) {
      for (int i = from; i < 1500; i++) {
        assertEquals(true, rd.next());
        assertArrayEquals(keys.get(i), rd.key());
        assertArrayEquals(payloads.get(i), rd.payload());
      }
      assertEquals(false, rd.next());
    }
    try (SortedRuns.Reader rd = new SortedRuns.Reader(f.toString(), 0, Long.MAX_VALUE)) {
      int n = 0;
      while (rd.next()) {
        assertArrayEquals(payloads.get(n), rd.payload());
        n++;
      }
      assertEquals(2_000, n);
    }
    // a file cut inside a record is an error, not a short read
    Path cut = tmp.getRoot().toPath().resolve("cut.run");
    Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(f), (int) positions[10] + 3));
    try (SortedRuns.Reader rd = new SortedRuns.Reader(cut.toString(), 0, Long.MAX_VALUE)) {
      for (int i = 0; i < 10; i++) {
        assertEquals(true, rd.next());
      }
      rd.next();
      throw new AssertionError("read past the cut");
    } catch (EOFException expected) {
      // the record at the cut
    }
  }
}
