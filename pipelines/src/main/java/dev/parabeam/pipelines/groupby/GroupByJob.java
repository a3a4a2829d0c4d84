package dev.parabeam.pipelines.groupby;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.ColumnList;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.JobOutputs;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.ResultTable;
import dev.parabeam.transforms.engine.Utf8Order;
import dev.parabeam.transforms.stats.Aggregation;
import dev.parabeam.transforms.stats.AggregationsFn;
import dev.parabeam.transforms.stats.KeysAndValues;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code groupby} job: several aggregations per distinct tuple of several key columns.
 *
 * <pre>
 * PlanChunks ─► ReadChunks (ChunkedCsv: key tuple and one value per aggregation per record,
 *                           all aggregations per key inside each chunk) ─► WriteOutputs (the launcher's)
 * </pre>
 *
 * A record whose value for any numeric aggregation is not a number is a dead letter as a whole, so
 * that every aggregation of a key counts the same records.
 */
public final class GroupByJob implements ChunkedJob<GroupByOptions> {
  public static final GroupByJob INSTANCE = new GroupByJob();

  private GroupByJob() {}

  @Override
  public String name() {
    return "groupby";
  }

  @Override
  public String summary() {
    return "aggregations (count, sum, mean, countDistinct, p90, ...) per tuple of key columns";
  }

  @Override
  public String usage() {
    return "groupby --input=<file or glob> --keyColumns=a[,b...] --aggregations=<list> --output=<dir>";
  }

  @Override
  public Class<GroupByOptions> optionsClass() {
    return GroupByOptions.class;
  }

  @Override
  public void validate(GroupByOptions o) {
    keyColumns(o);
    aggregations(o);
  }

  @Override
  public List<String> requiredColumns(GroupByOptions o) {
    LinkedHashSet<String> columns = new LinkedHashSet<>(keyColumns(o));
    for (Aggregation a : aggregations(o)) {
      if (a.column() != null) {
        columns.add(a.column());
      }
    }
    return new ArrayList<>(columns);
  }

  @Override
  public JobOutputs<List<String>, Object[], Object[]> build(
      Pipeline p, GroupByOptions o, JobInput input) {
    List<String> keys = keyColumns(o);
    AggregationsFn fn = new AggregationsFn(aggregations(o));
    PCollection<ChunkResult<List<String>, Object[]>> results =
        input.read(
            p,
            "ReadChunks",
            ChunkedCsv.of(
                new KeysAndValues(keys, fn.aggregations()),
                ListCoder.of(StringUtf8Coder.of()),
                fn.inputCoder(),
                fn));
    return new JobOutputs<>(results, fn, new Table(keys, fn));
  }

  public static List<String> keyColumns(GroupByOptions o) {
    return keyColumns(o.getKeyColumns());
  }

  /**
   * The names of {@code --keyColumns=a,b} (spaces around a name do not count), or a {@link
   * UsageException}.
   */
  public static List<String> keyColumns(String list) {
    return ColumnList.parse("keyColumns", list, "region,product");
  }

  public static List<Aggregation> aggregations(GroupByOptions o) {
    return aggregations(o.getAggregations());
  }

  /** The aggregations of {@code --aggregations=...}, or a {@link UsageException}. */
  public static List<Aggregation> aggregations(String list) {
    try {
      return Aggregation.parseList(list);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--aggregations: " + e.getMessage());
    }
  }

  /**
   * Key columns, then one column per aggregation headed as written; rows by key fields in UTF-8
   * byte order.
   */
  static final class Table implements ResultTable<List<String>, Object[]>, Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> keyColumns;
    private final AggregationsFn fn;

    Table(List<String> keyColumns, AggregationsFn fn) {
      this.keyColumns = keyColumns;
      this.fn = fn;
    }

    @Override
    public List<String> header() {
      List<String> h = new ArrayList<>(keyColumns);
      for (Aggregation a : fn.aggregations()) {
        h.add(a.toString());
      }
      return h;
    }

    @Override
    public List<String> row(List<String> key, Object[] results) {
      List<String> row = new ArrayList<>(key);
      for (int i = 0; i < fn.aggregations().size(); i++) {
        row.add(fn.format(i, results));
      }
      return row;
    }

    @Override
    public Comparator<List<String>> order() {
      return Utf8Order.LISTS;
    }
  }
}
