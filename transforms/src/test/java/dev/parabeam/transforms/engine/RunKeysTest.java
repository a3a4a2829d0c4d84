package dev.parabeam.transforms.engine;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/**
 * The run-file form of keys ({@link RunKeys}): it decodes to the key it encodes, and its unsigned
 * byte order is the job's order ({@link Utf8Order}, {@link Utf8Order#LISTS}) on keys built to hit
 * the edges: NUL characters, characters on both sides of the surrogates, empty fields, lists that
 * are prefixes of each other; the spill's sort by bytes ({@link SortedEntries.ByBytes}) agrees.
 */
public class RunKeysTest {
  private static final String[] PIECES = {
    "a",
    "b",
    "\u0000",
    "\u0001",
    "\u00ff",
    "\u07ff",
    "\u0800",
    "\ud7ff",
    "\ue000",
    "\uffff",
    "\ud83d\ude00",
    "\ud800\udc00",
    "",
    "ab"
  };

  private static String text(Random r) {
    return SpillBytesTest.text(r, PIECES, 4);
  }

  private static List<String> list(Random r) {
    List<String> l = new ArrayList<>();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      l.add(text(r));
    }
    return l;
  }

  @Test
  public void stringsAreTheirCodersBytesAndSortAsUtf8Order() throws Exception {
    RunKeys<String> keys = RunKeys.of(StringUtf8Coder.of());
    assertTrue(keys.bytesFollow(Utf8Order.INSTANCE));
    assertTrue(keys.bytesFollow(KeyOrder.DEFAULT));
    assertFalse(keys.bytesFollow(Comparator.<String>reverseOrder()));
    Random r = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      String a = text(r);
      String b = text(r);
      byte[] x = keys.encode(a);
      assertArrayEquals(CoderUtils.encodeToByteArray(StringUtf8Coder.of(), a), x);
      assertEquals(a, keys.decode(x));
      assertEquals(
          a + " vs " + b,
          Integer.signum(Utf8Order.INSTANCE.compare(a, b)),
          Integer.signum(RunKeys.compareBytes(x, keys.encode(b))));
    }
  }

  @Test
  public void listsDecodeToThemselvesAndSortAsUtf8Lists() throws Exception {
    RunKeys<List<String>> keys = RunKeys.of(ListCoder.of(StringUtf8Coder.of()));
    assertTrue(keys.bytesFollow(Utf8Order.LISTS));
    assertFalse(keys.bytesFollow(Utf8Order.INSTANCE));
    Random r = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      List<String> a = list(r);
      List<String> b = r.nextInt(4) == 0 ? prefixOf(a, r) : list(r);
      byte[] x = keys.encode(a);
      assertEquals(a, keys.decode(x));
      assertEquals(
          a + " vs " + b,
          Integer.signum(Utf8Order.LISTS.compare(a, b)),
          Integer.signum(RunKeys.compareBytes(x, keys.encode(b))));
    }
  }

  private static List<String> prefixOf(List<String> a, Random r) {
    List<String> b = new ArrayList<>(a.subList(0, r.nextInt(a.size() + 1)));
    if (r.nextBoolean()) {
      b.add(text(r));
    }
    return b;
  }

  @Test
  public void malformedListBytesAreRefused() throws Exception {
    RunKeys<List<String>> keys = RunKeys.of(ListCoder.of(StringUtf8Coder.of()));
    for (byte[] bad : new byte[][] {{'a'}, {'a', 0}, {'a', 0, 5, 0, 0}}) {
      try {
        keys.decode(bad);
        fail("decoded " + Arrays.toString(bad));
      } catch (CoderException expected) {
        // refused
      }
    }
  }

  @Test
  public void otherKeysAreTheirCodersBytesOrderedByTheComparator() throws Exception {
    RunKeys<Long> keys = RunKeys.of(VarLongCoder.of());
    assertFalse(keys.bytesFollow(KeyOrder.DEFAULT));
    assertArrayEquals(CoderUtils.encodeToByteArray(VarLongCoder.of(), 300L), keys.encode(300L));
    assertEquals(Long.valueOf(300L), keys.decode(keys.encode(300L)));
  }

  @Test
  public void theSpillsSortByBytesIsUnsignedByteOrder() throws Exception {
    RunKeys<String> keys = RunKeys.of(StringUtf8Coder.of());
    Random r = new Random(3);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      // long shared beginnings, so that many ties on the first 8 bytes go to the full compare
      texts.add(r.nextBoolean() ? "prefix-" + text(r) + text(r) : text(r));
    }
    SortedEntries.ByBytes[] items = new SortedEntries.ByBytes[texts.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = new SortedEntries.ByBytes(keys.encode(texts.get(i)), i);
    }
    Arrays.sort(items);
    List<String> bySpill = new ArrayList<>();
    for (SortedEntries.ByBytes b : items) {
      bySpill.add(texts.get(b.index));
    }
    List<String> expected = new ArrayList<>(texts);
    expected.sort(Utf8Order.INSTANCE);
    assertEquals(expected, bySpill);
  }
}
