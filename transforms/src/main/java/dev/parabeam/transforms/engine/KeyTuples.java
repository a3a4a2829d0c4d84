package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.csv.FieldSplitter;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * Key tuples by their bytes: {@link KeyStrings} for keys of several columns. A record's key fields
 * are hashed and compared as bytes in the record's buffer, and every record with the same bytes in
 * them gets the same {@link Tuple}, built once per distinct tuple (per chunk), whose hash the
 * per-key map finds cached and which it finds equal by identity: no {@code String}, list or hash
 * per record. Holds at most {@link KeyStrings#MAX_ENTRIES} tuples; past that a new tuple is built
 * each time. Not thread-safe: one per record view.
 */
final class KeyTuples {
  private final KeyStrings strings;
  private byte[][] bytes = new byte[64][]; // a tuple's fields' bytes, one after the other
  private int[][] ends = new int[64][]; // where each field ends in them
  private Tuple[] tuples = new Tuple[64];
  private int[] hashes = new int[64];
  private int size;

  KeyTuples(KeyStrings strings) {
    this.strings = strings;
  }

  /** The tuple of fields {@code positions} of {@code f}, every one of which is verbatim. */
  List<String> get(FieldSplitter f, int[] positions) {
    byte[] a = f.bytes();
    int h = 1;
    for (int p : positions) {
      for (int i = f.start(p); i < f.end(p); i++) {
        h = 31 * h + a[i];
      }
      h = 31 * h + 0x100 + (f.end(p) - f.start(p)); // the boundary: ("ab","c") is not ("a","bc")
    }
    h ^= h >>> 16;
    int mask = tuples.length - 1;
    int slot = h & mask;
    while (true) {
      Tuple t = tuples[slot];
      if (t == null) {
        break;
      }
      if (hashes[slot] == h && same(bytes[slot], ends[slot], f, positions)) {
        return t;
      }
      slot = (slot + 1) & mask;
    }
    String[] texts = new String[positions.length];
    int total = 0;
    for (int i = 0; i < positions.length; i++) {
      int p = positions[i];
      texts[i] = strings.get(a, f.start(p), f.end(p));
      total += f.end(p) - f.start(p);
    }
    Tuple t = new Tuple(texts);
    if (size >= KeyStrings.MAX_ENTRIES) {
      return t;
    }
    byte[] b = new byte[total];
    int[] e = new int[positions.length];
    int at = 0;
    for (int i = 0; i < positions.length; i++) {
      int p = positions[i];
      int n = f.end(p) - f.start(p);
      System.arraycopy(a, f.start(p), b, at, n);
      at += n;
      e[i] = at;
    }
    bytes[slot] = b;
    ends[slot] = e;
    tuples[slot] = t;
    hashes[slot] = h;
    if (++size * 2 > tuples.length) {
      grow();
    }
    return t;
  }

  int size() {
    return size;
  }

  private static boolean same(byte[] b, int[] e, FieldSplitter f, int[] positions) {
    int from = 0;
    for (int i = 0; i < positions.length; i++) {
      int p = positions[i];
      if (!Arrays.equals(b, from, e[i], f.bytes(), f.start(p), f.end(p))) {
        return false;
      }
      from = e[i];
    }
    return true;
  }

  private void grow() {
    byte[][] oldBytes = bytes;
    int[][] oldEnds = ends;
    Tuple[] oldTuples = tuples;
    int[] oldHashes = hashes;
    int n = oldTuples.length * 2;
    bytes = new byte[n][];
    ends = new int[n][];
    tuples = new Tuple[n];
    hashes = new int[n];
    int mask = n - 1;
    for (int i = 0; i < oldTuples.length; i++) {
      if (oldTuples[i] != null) {
        int slot = oldHashes[i] & mask;
        while (tuples[slot] != null) {
          slot = (slot + 1) & mask;
        }
        bytes[slot] = oldBytes[i];
        ends[slot] = oldEnds[i];
        tuples[slot] = oldTuples[i];
        hashes[slot] = oldHashes[i];
      }
    }
  }

  /**
   * An unmodifiable list of key texts whose hash (the {@link List#hashCode} of its texts) is
   * computed once; equal to any list of the same texts.
   */
  static final class Tuple extends AbstractList<String> implements RandomAccess {
    private final String[] texts;
    private final int hash;

    Tuple(String[] texts) {
      this.texts = texts;
      this.hash = Arrays.hashCode(texts);
    }

    @Override
    public String get(int index) {
      return texts[index];
    }

    @Override
    public int size() {
      return texts.length;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o == this || super.equals(o);
    }
  }
}
