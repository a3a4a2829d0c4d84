package dev.parabeam.transforms.engine;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * How the final results of a {@link ChunkedCsv} job become {@code results.csv}: the header, one row
 * per key, and the order of the rows. The order must be total and must not depend on the runner
 * (compare the keys' bytes, not their hash codes), so that every run writes the same bytes.
 */
public interface ResultTable<K, R> extends Serializable {
  List<String> header();

  List<String> row(K key, R result);

  Comparator<K> order();
}
