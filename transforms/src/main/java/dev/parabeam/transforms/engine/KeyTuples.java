package dev.parabeam.transforms.engine;

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
  // open addressing: table[2 * slot] a tuple's hash, table[2 * slot + 1] its entry + 1 (0: empty)
  private int[] table = new int[2 * 64];
  // entry e (its id): its tuple, and where its fields' bytes start in the arena, each field as its
  // length (one byte below 255, else 255 and four bytes) and its bytes, one after the other
  private Tuple[] tuples = new Tuple[32];
  private int[] offsets = new int[32];
  private byte[] arena = new byte[1024];
  private int arenaSize;
  private int size;
  private int lastId = -1;

  KeyTuples(KeyStrings strings) {
    this.strings = strings;
  }

  /**
   * The tuple of the {@code n} texts whose bytes are {@code a[starts[i], ends[i])}, each the bytes
   * of its text in the view's charset.
   */
  List<String> get(byte[] a, int[] starts, int[] ends, int n) {
    int h = 1;
    for (int p = 0; p < n; p++) {
      int start = starts[p];
      int end = ends[p];
      for (int i = start; i < end; i++) {
        h = 31 * h + a[i];
      }
      h = 31 * h + 0x100 + (end - start); // the boundary: ("ab","c") is not ("a","bc")
    }
    // mixed: the hashes of similar keys (P1, P2, ...; a region with each product) lie close
    // together, and linear probing would walk their runs on every look-up
    h *= 0x9E3779B9;
    h ^= h >>> 15;
    int[] t = table;
    int mask = t.length / 2 - 1;
    int slot = h & mask;
    while (true) {
      int e = t[2 * slot + 1] - 1;
      if (e < 0) {
        break;
      }
      if (t[2 * slot] == h && same(offsets[e], a, starts, ends, n)) {
        lastId = e;
        return tuples[e];
      }
      slot = (slot + 1) & mask;
    }
    String[] texts = new String[n];
    for (int i = 0; i < n; i++) {
      texts[i] = strings.get(a, starts[i], ends[i]);
    }
    Tuple tuple = new Tuple(texts);
    if (size >= KeyStrings.MAX_ENTRIES) {
      lastId = -1;
      return tuple;
    }
    if (size == tuples.length) {
      tuples = Arrays.copyOf(tuples, size * 2);
      offsets = Arrays.copyOf(offsets, size * 2);
    }
    offsets[size] = arenaSize;
    for (int p = 0; p < n; p++) {
      append(a, starts[p], ends[p]);
    }
    tuples[size] = tuple;
    t[2 * slot] = h;
    t[2 * slot + 1] = size + 1;
    lastId = size;
    if (++size * 2 > t.length / 2) {
      grow();
    }
    return tuple;
  }

  int size() {
    return size;
  }

  /** As {@link KeyStrings#lastId}: the id of the tuple the last {@link #get} returned, or -1. */
  int lastId() {
    return lastId;
  }

  private void append(byte[] a, int from, int to) {
    int n = to - from;
    if (arenaSize + n + 5 > arena.length) {
      arena = Arrays.copyOf(arena, Math.max(arenaSize + n + 5, arena.length * 2));
    }
    if (n < 255) {
      arena[arenaSize++] = (byte) n;
    } else {
      arena[arenaSize++] = (byte) 255;
      for (int shift = 24; shift >= 0; shift -= 8) {
        arena[arenaSize++] = (byte) (n >>> shift);
      }
    }
    System.arraycopy(a, from, arena, arenaSize, n);
    arenaSize += n;
  }

  /**
   * Whether the entry at {@code offset} holds fields {@code positions} of {@code f}: a byte loop,
   * since key fields are a few bytes, for which Arrays.equals' range checks and vectorized compare
   * cost more than they save.
   */
  private boolean same(int offset, byte[] a, int[] starts, int[] ends, int fields) {
    byte[] b = arena;
    int at = offset;
    for (int p = 0; p < fields; p++) {
      int n = b[at++] & 0xff;
      if (n == 255) {
        n =
            (b[at] & 0xff) << 24
                | (b[at + 1] & 0xff) << 16
                | (b[at + 2] & 0xff) << 8
                | b[at + 3] & 0xff;
        at += 4;
      }
      int start = starts[p];
      if (n != ends[p] - start) {
        return false;
      }
      for (int k = 0; k < n; k++) {
        if (b[at + k] != a[start + k]) {
          return false;
        }
      }
      at += n;
    }
    return true;
  }

  private void grow() {
    int[] old = table;
    int[] t = new int[old.length * 2];
    int mask = t.length / 2 - 1;
    for (int s = 0; s < old.length / 2; s++) {
      if (old[2 * s + 1] != 0) {
        int slot = old[2 * s] & mask;
        while (t[2 * slot + 1] != 0) {
          slot = (slot + 1) & mask;
        }
        t[2 * slot] = old[2 * s];
        t[2 * slot + 1] = old[2 * s + 1];
      }
    }
    table = t;
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
