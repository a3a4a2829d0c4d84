package dev.parabeam.transforms.engine;

import java.io.Serializable;
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

  private Object readResolve() {
    return DEFAULT;
  }
}
