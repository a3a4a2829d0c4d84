package dev.parabeam.transforms.stats;

import dev.parabeam.transforms.engine.CsvRecord;
import dev.parabeam.transforms.engine.RecordFn;
import dev.parabeam.transforms.work.SimulatedWork;
import java.math.BigDecimal;
import java.util.List;

/**
 * The per-record step of the {@code aggregate} job: the key column's text and the value column's
 * exact number; a value that is not a number makes the record a dead letter ({@code amount: not a
 * number: 'abc'}). Optional simulated work runs once per good record, after its value parsed.
 */
public final class KeyAndValue implements RecordFn<String, BigDecimal> {
  private static final long serialVersionUID = 1L;
  private final String keyColumn;
  private final String valueColumn;
  private final SimulatedWork work;

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
  public void apply(CsvRecord r, Output<String, BigDecimal> out) {
    BigDecimal value = value(r, valueColumn, out);
    if (value == null) {
      return;
    }
    int k = r.indexOf(keyColumn);
    String key = k < 0 ? r.get(keyColumn) : r.key(k);
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
