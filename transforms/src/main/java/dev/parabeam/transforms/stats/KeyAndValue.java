package dev.parabeam.transforms.stats;

import dev.parabeam.transforms.engine.AccumulatingRecordFn;
import dev.parabeam.transforms.engine.CsvRecord;
import dev.parabeam.transforms.engine.KeyedAccumulators;
import dev.parabeam.transforms.engine.RecordFn;
import dev.parabeam.transforms.work.SimulatedWork;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * The per-record step of the {@code aggregate} job: the key column's text and the value column's
 * exact number; a value that is not a number makes the record a dead letter ({@code amount: not a
 * number: 'abc'}). Optional simulated work runs once per good record, after its value parsed.
 */
public final class KeyAndValue implements AccumulatingRecordFn<String, BigDecimal, DecimalStats> {
  private static final long serialVersionUID = 1L;
  private final String keyColumn;
  private final String valueColumn;
  private final SimulatedWork work;

  // what read() found: the value as unscaled and scale, or (slow path) as a BigDecimal
  private transient Decimals.Unscaled fast;
  private transient BigDecimal slow;

  public KeyAndValue(String keyColumn, String valueColumn, SimulatedWork work) {
    this.keyColumn = keyColumn;
    this.valueColumn = valueColumn;
    this.work = work;
  }

  public KeyAndValue(String keyColumn, String valueColumn) {
    this(keyColumn, valueColumn, SimulatedWork.none());
  }

  @Override
  public List<String> requiredColumns() {
    return List.of(keyColumn, valueColumn);
  }

  @Override
  public void setup() {
    work.prepare();
  }

  @Override
  public boolean accumulatesFor(CombineFn<BigDecimal, DecimalStats, ?> combineFn) {
    return combineFn instanceof StatsFns.OfValues;
  }

  @Override
  public String read(CsvRecord r, Output<String, BigDecimal> out) {
    if (fast == null) {
      fast = new Decimals.Unscaled();
    }
    int i = r.indexOf(valueColumn);
    if (i >= 0 && r.isVerbatim(i) && fast.read(r.bytes(), r.start(i), r.end(i))) {
      slow = null;
    } else {
      slow = value(r, valueColumn, out);
      if (slow == null) {
        return null;
      }
    }
    String key = key(r);
    work.run(key);
    return key;
  }

  @Override
  public boolean returnsTheViewsKey() {
    return true; // read's last step is key(), whose last step is the view's key lookup
  }

  @Override
  public DecimalStats addTo(DecimalStats acc) {
    return slow == null ? acc.add(fast.unscaled, fast.scale) : acc.add(slow);
  }

  /**
   * The statistics of many keys as {@link DecimalColumns}: count, sum, min and max of a key side by
   * side in one array while its values fit in a long.
   */
  @Override
  public KeyedAccumulators<DecimalStats> keyedAccumulators(long maxBytes) {
    return new KeyedAccumulators<>() {
      private static final int MAX_SLOTS = 1 << 16;
      private final DecimalColumns columns = new DecimalColumns(64);
      private int slots;

      @Override
      public void add(int slot) {
        if (slot >= slots) {
          slots = slot + 1;
          columns.ensure(slots);
        }
        if (slow == null) {
          columns.add(slot, fast.unscaled, fast.scale);
        } else {
          columns.add(slot, slow);
        }
      }

      @Override
      public boolean full() {
        return slots >= MAX_SLOTS || bytes() >= maxBytes;
      }

      @Override
      public long bytes() {
        return DecimalColumns.bytes(slots);
      }

      @Override
      public void drainInto(List<DecimalStats> accs, int n) {
        for (int k = 0; k < Math.min(n, slots); k++) {
          if (!columns.isEmpty(k)) {
            accs.set(k, columns.into(k, accs.get(k)));
          }
        }
        columns.clear(slots);
        slots = 0;
      }
    };
  }

  private String key(CsvRecord r) {
    int k = r.indexOf(keyColumn);
    return k < 0 ? r.get(keyColumn) : r.key(k);
  }

  @Override
  public void apply(CsvRecord r, Output<String, BigDecimal> out) {
    BigDecimal value = value(r, valueColumn, out);
    if (value == null) {
      return;
    }
    String key = key(r);
    work.run(key);
    out.emit(key, value);
  }

  /**
   * The number in {@code column}, straight from the record's bytes when it is a plain short
   * decimal, else through {@link Decimals#parse}; null (and the record rejected with the reason)
   * when it is not a number.
   */
  public static BigDecimal value(CsvRecord r, String column, RecordFn.Output<?, ?> out) {
    int i = r.indexOf(column);
    if (i >= 0 && r.isVerbatim(i)) {
      BigDecimal fast = Decimals.parseOrNull(r.bytes(), r.start(i), r.end(i));
      if (fast != null) {
        return fast;
      }
    }
    String text = r.get(column);
    Decimals.Parsed v = Decimals.parse(text);
    if (v.value == null) {
      out.reject(column + ": " + v.error + ": '" + text + "'");
    }
    return v.value;
  }
}
