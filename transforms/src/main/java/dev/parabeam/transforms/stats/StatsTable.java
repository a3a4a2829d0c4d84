package dev.parabeam.transforms.stats;

import dev.parabeam.transforms.engine.ResultTable;
import dev.parabeam.transforms.engine.Utf8Order;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code aggregate} results table: {@code key,count,sum,min,max,mean}, one row per key sorted
 * by the unsigned bytes of the key's UTF-8 encoding; exact decimals printed plain, mean HALF_EVEN
 * to 6 places ({@link Decimals}).
 */
public final class StatsTable implements ResultTable<String, DecimalStats> {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> header() {
    return List.of("key", "count", "sum", "min", "max", "mean");
  }

  @Override
  public List<String> row(String key, DecimalStats s) {
    return List.of(
        key,
        Long.toString(s.count()),
        s.sumText(),
        s.minText(),
        s.maxText(),
        Decimals.format(s.mean()));
  }

  @Override
  public Comparator<String> order() {
    return Utf8Order.INSTANCE;
  }
}
