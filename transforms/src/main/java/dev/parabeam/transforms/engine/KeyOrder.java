package dev.parabeam.transforms.engine;

import java.io.Serializable;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The order a unit sorts its keys in when it spills them: the order of {@code results.csv}, so that
 * a partition's merge writes its rows in output order. Strings by their UTF-8 bytes ({@link
 * Utf8Order}), lists of strings field by field ({@link Utf8Order#LISTS}), any other {@code
 * Comparable} by its natural order; a job whose table orders its keys otherwise says so with {@code
 * ChunkedCsv.withKeyOrder} (the merge checks the order and fails, rather than writing rows out of
 * order).
 */
final class KeyOrder implements Comparator<Object>, Serializable {
  private static final long serialVersionUID = 1L;

  static final KeyOrder DEFAULT = new KeyOrder();

  private KeyOrder() {}

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public int compare(Object a, Object b) {
    if (a instanceof String x && b instanceof String y) {
      return Utf8Order.INSTANCE.compare(x, y);
    }
    if (a instanceof List && b instanceof List) {
      return Utf8Order.LISTS.compare((List<String>) a, (List<String>) b);
    }
    if (a instanceof Comparable) {
      return ((Comparable) a).compareTo(b);
    }
    throw new IllegalStateException(
        "keys of "
            + a.getClass().getName()
            + " have no default order to spill in; give ChunkedCsv.withKeyOrder the table's order");
  }

  /**
   * A comparator that orders {@code keys} as {@code order} does, and faster where it can: UTF-8
   * byte order ({@link Utf8Order}, or this default for strings and lists of strings) is {@code
   * String.compareTo}'s order for strings without a char from U+D800 up (one pass over the keys
   * checks that), and {@code compareTo} is the JDK's intrinsic. Else {@code order} itself.
   */
  @SuppressWarnings("unchecked")
  static <K> Comparator<? super K> fastest(Comparator<? super K> order, Collection<K> keys) {
    if (order != DEFAULT && order != Utf8Order.INSTANCE && order != Utf8Order.LISTS) {
      return order;
    }
    boolean strings = true;
    boolean lists = true;
    for (K k : keys) {
      if (k instanceof String s) {
        lists = false;
        if (!belowSurrogates(s)) {
          return order;
        }
      } else if (k instanceof List<?> l) {
        strings = false;
        for (Object o : l) {
          if (!(o instanceof String s) || !belowSurrogates(s)) {
            return order;
          }
        }
      } else {
        return order;
      }
      if (!strings && !lists) {
        return order;
      }
    }
    if (strings) {
      return (Comparator<? super K>) (Comparator<String>) String::compareTo;
    }
    return (Comparator<? super K>) (Comparator<List<String>>) KeyOrder::compareListsBelowSurrogates;
  }

  private static boolean belowSurrogates(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0xD800) {
        return false;
      }
    }
    return true;
  }

  private static int compareListsBelowSurrogates(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private Object readResolve() {
    return DEFAULT;
  }
}
