package dev.parabeam.pipelines.graph;

import dev.parabeam.pipelines.JobOptions;
import org.apache.beam.sdk.options.Description;

/** Options of the {@code dependency-graph} job. */
public interface DependencyGraphOptions extends JobOptions {
  // no @Default: --input is a property of other jobs' options too, and Beam wants it marked alike
  @Description(
      "CSV files (a file or a glob) with columns region, product and amount, in any order."
          + " Default: testdata/groupby/*.csv.")
  String getInput();

  void setInput(String value);
}
