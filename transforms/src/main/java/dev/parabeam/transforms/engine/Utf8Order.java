package dev.parabeam.transforms.engine;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * Orders strings by the unsigned bytes of their UTF-8 encoding, which is code point order, without
 * encoding them: Java's {@code compareTo} compares UTF-16 units, which differs from code point
 * order only where a surrogate pair (above U+FFFF) meets a character from U+E000 to U+FFFF.
 */
public final class Utf8Order implements Comparator<String>, Serializable {
  private static final long serialVersionUID = 1L;

  public static final Utf8Order INSTANCE = new Utf8Order();

  /** Lists of strings, field by field in this order, a shorter prefix first. */
  public static final Comparator<List<String>> LISTS =
      (Comparator<List<String>> & Serializable) Utf8Order::compareLists;

  private Utf8Order() {}

  @Override
  public int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (Character.isSurrogate(x) && y >= 0xE000) {
          return 1;
        }
        if (Character.isSurrogate(y) && x >= 0xE000) {
          return -1;
        }
        return x - y;
      }
    }
    return a.length() - b.length();
  }

  static int compareLists(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = INSTANCE.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private Object readResolve() {
    return INSTANCE;
  }
}
