package dev.parabeam.pipelines.groupby;

import dev.parabeam.pipelines.ChunkedJobOptions;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Options of the {@code groupby} job, beyond those of every chunked job. */
public interface GroupByOptions extends ChunkedJobOptions {
  @Description(
      "Comma-separated names of the columns whose values, together, group the records (e.g. region,product).")
  @Validation.Required
  String getKeyColumns();

  void setKeyColumns(String value);

  @Description(
      "Comma-separated aggregations, each naming its column: count, sum(col), min(col), max(col), "
          + "mean(col), countDistinct(col) (exact), p50(col), p90(col), p99(col) (approximate), e.g. "
          + "count,sum(amount),mean(amount),countDistinct(customer),p90(amount).")
  @Validation.Required
  String getAggregations();

  void setAggregations(String value);
}
