package dev.parabeam.pipelines.aggregate;

import dev.parabeam.pipelines.ChunkedJobOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Options of the {@code aggregate} job, beyond those of every chunked job. */
public interface AggregateOptions extends ChunkedJobOptions {
  @Description("Name of the column whose value groups the records.")
  @Validation.Required
  String getKeyColumn();

  void setKeyColumn(String value);

  @Description("Name of the numeric column to summarize (count, sum, min, max, mean per key).")
  @Validation.Required
  String getValueColumn();

  void setValueColumn(String value);

  @Description(
      "Simulated per-record work: none, cpu (a compute loop) or io (a blocking wait). Never changes results.")
  @Default.String("none")
  String getWork();

  void setWork(String value);

  @Description("Microseconds of simulated work per record (with --work=cpu or io).")
  @Default.Long(0)
  Long getWorkMicros();

  void setWorkMicros(Long value);
}
