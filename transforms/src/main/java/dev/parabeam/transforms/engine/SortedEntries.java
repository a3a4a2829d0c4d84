package dev.parabeam.transforms.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A map's entries in key order, each with its key's run-file bytes ({@link RunKeys}): what a spill
 * writes and what a merge reads of a unit's in-memory keys. Sorted by the keys' bytes where that is
 * the order (small records of each key's first 8 bytes, which decide most comparisons without
 * following a pointer), else by the comparator on the keys.
 */
final class SortedEntries<K, A> {
  final byte[][] bytes;
  final Object[] keys;
  final Object[] accs;

  private SortedEntries(int n) {
    bytes = new byte[n][];
    keys = new Object[n];
    accs = new Object[n];
  }

  static <K, A> SortedEntries<K, A> of(
      Map<K, A> map, RunKeys<K> runKeys, Comparator<? super K> order) throws IOException {
    int n = map.size();
    SortedEntries<K, A> s = new SortedEntries<>(n);
    List<Map.Entry<K, A>> entries = new ArrayList<>(map.entrySet());
    if (runKeys.bytesFollow(order)) {
      ByBytes[] items = new ByBytes[n];
      for (int i = 0; i < n; i++) {
        items[i] = new ByBytes(runKeys.encode(entries.get(i).getKey()), i);
      }
      Arrays.sort(items);
      for (int j = 0; j < n; j++) {
        Map.Entry<K, A> e = entries.get(items[j].index);
        s.bytes[j] = items[j].key;
        s.keys[j] = e.getKey();
        s.accs[j] = e.getValue();
      }
      return s;
    }
    entries.sort(Map.Entry.comparingByKey(KeyOrder.fastest(order, map.keySet())));
    for (int j = 0; j < n; j++) {
      s.bytes[j] = runKeys.encode(entries.get(j).getKey());
      s.keys[j] = entries.get(j).getKey();
      s.accs[j] = entries.get(j).getValue();
    }
    return s;
  }

  int size() {
    return bytes.length;
  }

  /** A key's bytes, its first 8 as an unsigned number, and its entry. */
  static final class ByBytes implements Comparable<ByBytes> {
    final long prefix;
    final byte[] key;
    final int index;

    ByBytes(byte[] key, int index) {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | (i < key.length ? key[i] & 0xFF : 0);
      }
      this.prefix = v;
      this.key = key;
      this.index = index;
    }

    @Override
    public int compareTo(ByBytes o) {
      int c = Long.compareUnsigned(prefix, o.prefix);
      return c != 0 ? c : Arrays.compareUnsigned(key, o.key);
    }
  }
}
