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
  private byte[][] keys = new byte[64][];
  private String[] texts = new String[64];
  private int[] hashes = new int[64];
  private int size;

  KeyStrings(Charset charset) {
    this.charset = charset;
  }

  /** The text of {@code a[from, to)} in this table's charset. */
  String get(byte[] a, int from, int to) {
    int h = 1;
    for (int i = from; i < to; i++) {
      h = 31 * h + a[i];
    }
    h ^= h >>> 16;
    int mask = keys.length - 1;
    int slot = h & mask;
    while (true) {
      byte[] k = keys[slot];
      if (k == null) {
        break;
      }
      if (hashes[slot] == h && Arrays.equals(k, 0, k.length, a, from, to)) {
        return texts[slot];
      }
      slot = (slot + 1) & mask;
    }
    String text = new String(a, from, to - from, charset);
    if (size >= MAX_ENTRIES) {
      return text;
    }
    keys[slot] = Arrays.copyOfRange(a, from, to);
    texts[slot] = text;
    hashes[slot] = h;
    if (++size * 2 > keys.length) {
      grow();
    }
    return text;
  }

  int size() {
    return size;
  }

  private void grow() {
    byte[][] oldKeys = keys;
    String[] oldTexts = texts;
    int[] oldHashes = hashes;
    int n = oldKeys.length * 2;
    keys = new byte[n][];
    texts = new String[n];
    hashes = new int[n];
    int mask = n - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != null) {
        int slot = oldHashes[i] & mask;
        while (keys[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        texts[slot] = oldTexts[i];
        hashes[slot] = oldHashes[i];
      }
    }
  }
}
