package dev.parabeam.transforms.stats;

import dev.parabeam.transforms.engine.AccumulatingRecordFn;
import dev.parabeam.transforms.engine.CsvRecord;
import dev.parabeam.transforms.engine.KeyedAccumulators;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * The per-record step of a group-by: the key tuple, and per aggregation the record's number, text
 * or nothing (the input of {@link AggregationsFn}); in the engine's fast path, straight into the
 * key's accumulators ({@link AggregationsFn#addRow}). A value that is not a number for a numeric
 * aggregation makes the record a dead letter, as in {@link KeyAndValue}.
 */
public final class KeysAndValues implements AccumulatingRecordFn<List<String>, Object[], Object[]> {
  private static final long serialVersionUID = 1L;
  private final List<String> keyColumns;
  private final List<Aggregation> aggregations;

  // sameAs[i]: the first aggregation that reads aggregation i's column the same way (number or
  // text)
  private final int[] sameAs;

  // what read() found, and the key columns' positions in the current record's file
  private transient AggregationsFn.Row row;
  private transient Decimals.Unscaled number;
  private transient int[] keyPositions;

  public KeysAndValues(List<String> keyColumns, List<Aggregation> aggregations) {
    this.keyColumns = keyColumns;
    this.aggregations = aggregations;
    this.sameAs = new int[aggregations.size()];
    for (int i = 0; i < sameAs.length; i++) {
      Aggregation a = aggregations.get(i);
      sameAs[i] = i;
      for (int j = 0; j < i && a.column() != null; j++) {
        Aggregation b = aggregations.get(j);
        if (a.column().equals(b.column()) && a.numeric() == b.numeric()) {
          sameAs[i] = j;
          break;
        }
      }
    }
  }

  @Override
  public void apply(CsvRecord r, Output<List<String>, Object[]> out) {
    Object[] values = new Object[aggregations.size()];
    for (int i = 0; i < values.length; i++) {
      Aggregation a = aggregations.get(i);
      if (a.column() == null) {
        continue;
      }
      int same = sameAs[i];
      if (same < i) {
        values[i] = values[same]; // sum(x), mean(x), p90(x): the column is parsed once per record
        continue;
      }
      if (a.numeric()) {
        BigDecimal v = KeyAndValue.value(r, a.column(), out);
        if (v == null) {
          return;
        }
        values[i] = v;
      } else {
        values[i] = r.get(a.column());
      }
    }
    out.emit(key(r), values);
  }

  @Override
  public boolean accumulatesFor(CombineFn<Object[], Object[], ?> combineFn) {
    if (combineFn instanceof AggregationsFn
        && ((AggregationsFn) combineFn).aggregations().equals(aggregations)) {
      combine = (AggregationsFn) combineFn;
      return true;
    }
    return false;
  }

  private void prepare() {
    if (row == null) {
      row = new AggregationsFn.Row(aggregations.size());
      number = new Decimals.Unscaled();
      keyPositions = new int[keyColumns.size()];
    }
  }

  @Override
  public KeyedAccumulators<Object[]> keyedAccumulators(long maxBytes) {
    prepare();
    return combine.columns(row, maxBytes);
  }

  @Override
  public List<String> read(CsvRecord r, Output<List<String>, Object[]> out) {
    prepare();
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      if (a.column() == null) {
        continue;
      }
      int same = sameAs[i];
      if (same < i) {
        row.copy(same, i);
        continue;
      }
      if (a.numeric()) {
        int at = r.indexOf(a.column());
        if (at >= 0 && r.isVerbatim(at) && number.read(r.bytes(), r.start(at), r.end(at))) {
          row.number(i, number.unscaled, number.scale);
        } else {
          BigDecimal v = KeyAndValue.value(r, a.column(), out);
          if (v == null) {
            return null;
          }
          row.number(i, v);
        }
      } else {
        row.text(i, r.get(a.column()));
      }
    }
    return key(r);
  }

  @Override
  public boolean returnsTheViewsKey() {
    return true; // read's last step is key(), whose last step is the view's key lookup
  }

  @Override
  public Object[] addTo(Object[] acc) {
    return combine.addRow(acc, row);
  }

  // the combine function accumulatesFor() accepted: the one addTo adds for
  private transient AggregationsFn combine;

  private List<String> key(CsvRecord r) {
    int[] at = keyPositions != null ? keyPositions : new int[keyColumns.size()];
    for (int i = 0; i < at.length; i++) {
      at[i] = r.indexOf(keyColumns.get(i));
      if (at[i] < 0) {
        r.get(keyColumns.get(i)); // throws: the file has no such column
      }
    }
    return r.keys(at);
  }
}
