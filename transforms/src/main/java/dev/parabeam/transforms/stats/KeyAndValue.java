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
    String text = r.get(valueColumn);
    Decimals.Parsed value = Decimals.parse(text);
    if (value.value == null) {
      out.reject(valueColumn + ": " + value.error + ": '" + text + "'");
      return;
    }
    String key = r.get(keyColumn);
    work.run(key);
    out.emit(key, value.value);
  }
}
