package dev.parabeam.transforms.engine;

import java.nio.charset.Charset;
import java.util.Arrays;

/**
 * Decoded texts by their bytes: a hash table keyed by a field's encoded bytes, so that a key column
 * is decoded into a {@code String} once per distinct value rather than once per record, and every
 * record with those bytes gets the same instance (whose hash code the per-key map has already
 * computed, and which it finds equal by identity). Holds at most {@link #MAX_ENTRIES} texts; past
 * that, a new value is decoded each time (a column of mostly distinct values gains nothing from a
 * cache). At most about 1.5 MB per worker for keys of ~30 bytes, outside the reduce's memory
 * budget, which is why the bound is small. Not thread-safe: one per record view.
 */
final class KeyStrings {
  static final int MAX_ENTRIES = 1 << 14;

  private final Charset charset;
  // open addressing: table[2 * slot] a text's hash, table[2 * slot + 1] its entry + 1 (0: empty)
  private int[] table = new int[2 * 64];
  // entry e (its id): its text, and its bytes arena[starts[e], starts[e + 1])
  private String[] texts = new String[32];
  private int[] starts = new int[33];
  private byte[] arena = new byte[512];
  private int size;
  private int lastId = -1;

  KeyStrings(Charset charset) {
    this.charset = charset;
  }

  /** The text of {@code a[from, to)} in this table's charset. */
  String get(byte[] a, int from, int to) {
    int h = 1;
    for (int i = from; i < to; i++) {
      h = 31 * h + a[i];
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
      if (t[2 * slot] == h && same(e, a, from, to)) {
        lastId = e;
        return texts[e];
      }
      slot = (slot + 1) & mask;
    }
    String text = new String(a, from, to - from, charset);
    if (size >= MAX_ENTRIES) {
      lastId = -1;
      return text;
    }
    if (size == texts.length) {
      texts = Arrays.copyOf(texts, size * 2);
      starts = Arrays.copyOf(starts, size * 2 + 1);
    }
    int at = starts[size];
    if (at + to - from > arena.length) {
      arena = Arrays.copyOf(arena, Math.max(at + to - from, arena.length * 2));
    }
    System.arraycopy(a, from, arena, at, to - from);
    starts[size + 1] = at + to - from;
    texts[size] = text;
    t[2 * slot] = h;
    t[2 * slot + 1] = size + 1;
    lastId = size;
    if (++size * 2 > t.length / 2) {
      grow();
    }
    return text;
  }

  /**
   * Whether entry {@code e} holds the bytes {@code a[from, to)}: a byte loop, since a key is a few
   * bytes, for which Arrays.equals' range checks and vectorized compare cost more than they save.
   */
  private boolean same(int e, byte[] a, int from, int to) {
    int at = starts[e];
    int n = starts[e + 1] - at;
    if (n != to - from) {
      return false;
    }
    byte[] b = arena;
    for (int i = 0; i < n; i++) {
      if (b[at + i] != a[from + i]) {
        return false;
      }
    }
    return true;
  }

  int size() {
    return size;
  }

  /**
   * The id of the text the last {@link #get} returned: its entry's place in the table's order of
   * insertion (0 to {@code size() - 1}), or -1 when it was not kept (the table was full). Equal ids
   * are equal texts.
   */
  int lastId() {
    return lastId;
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
}
