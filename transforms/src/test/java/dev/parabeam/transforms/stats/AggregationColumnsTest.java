package dev.parabeam.transforms.stats;

import static org.junit.Assert.assertEquals;

import dev.parabeam.transforms.engine.KeyedAccumulators;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * When a group-by's columns say they are full: what they hold grows with a percentile's values and
 * with new distinct texts, not with records that only count, so one key's huge set is drained (and
 * then spilled by the unit's map) as it was before the columns.
 */
public class AggregationColumnsTest {
  @Test
  public void newDistinctTextsAndPercentileValuesFillTheColumns() {
    AggregationsFn fn = new AggregationsFn(Aggregation.parseList("count,countDistinct(c)"));
    AggregationsFn.Row row = new AggregationsFn.Row(2);
    KeyedAccumulators<Object[]> columns = fn.columns(row, 100_000);
    int added = 0;
    while (!columns.full()) {
      row.text(1, "customer-" + added++); // all new: each adds its entry
      columns.add(0);
    }
    // about 48 bytes of entry and 2 a character for "customer-NNNN"
    assertEquals(true, added > 800 && added < 1_500);
    List<Object[]> accs = new ArrayList<>();
    accs.add(null);
    columns.drainInto(accs, 1);
    assertEquals(false, columns.full());
    assertEquals((long) added, ((long[]) accs.get(0)[0])[0]);
    assertEquals(added, ((java.util.Set<?>) accs.get(0)[1]).size());
    for (int i = 0; i < 10_000; i++) {
      row.text(1, "customer-0");
      columns.add(0);
    }
    assertEquals("repeated texts and counts fill nothing", false, columns.full());

    AggregationsFn p90 = new AggregationsFn(Aggregation.parseList("p90(v)"));
    AggregationsFn.Row values = new AggregationsFn.Row(1);
    KeyedAccumulators<Object[]> log = p90.columns(values, 120_000);
    int n = 0;
    while (!log.full()) {
      values.number(0, n++, 2);
      log.add(0);
    }
    // 4 bytes of slot and 8 of value a record
    assertEquals(true, n > 9_000 && n < 10_100);
  }
}
