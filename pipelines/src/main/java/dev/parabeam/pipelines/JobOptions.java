package dev.parabeam.pipelines;

import dev.parabeam.pipelines.launcher.DeadLetterRules;
import dev.parabeam.pipelines.launcher.Launcher;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options every job the {@link Launcher} runs has: where its outputs go, how many dead letters a
 * run may have ({@link DeadLetterRules}) and how many workers run it. A job's own options extend
 * this interface (the chunked CSV jobs through {@link ChunkedJobOptions}). Runner options
 * (--runner, --targetParallelism, --parallelism, …) apply too; --workers sets the runner's own.
 */
public interface JobOptions extends PipelineOptions {
  @Description(
      "Output directory for the job's files and summary.json. Must be empty or absent (what a"
          + " killed run left there does not count). One run at a time: .parabeam.lock.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Replace results of an earlier run in a non-empty output directory. Input files can never be"
          + " inside it.")
  @Default.Boolean(false)
  Boolean getOverwrite();

  void setOverwrite(Boolean value);

  @Description(
      "Fail the job (exit 1, nothing published) when more than this fraction of the records read are "
          + "dead letters, e.g. 0.01 for 1%. Between 0 and 1; no limit unless given.")
  Double getMaxDeadLetterFraction();

  void setMaxDeadLetterFraction(Double value);

  @Description(
      "How many workers run the job, on any runner: the DirectRunner's --targetParallelism"
          + " (threads), the FlinkRunner's --parallelism (subtasks; on a cluster, the free task"
          + " slots it needs). Default: the runner's (DirectRunner max(cores, 3), Flink cores),"
          + " unless the job sets its own (then shown as the default here).")
  Integer getWorkers();

  void setWorkers(Integer value);

  @Description(
      "Write the job's pipeline graph in Graphviz DOT to this file (its directory is made if missing), with"
          + " the steps named as in the code; and, when Graphviz's dot is on the PATH, the SVG"
          + " beside it (FILE with .svg for .dot).")
  String getGraph();

  void setGraph(String value);

  @Description(
      "Progress while the job runs, on stderr: auto (a bar when stderr is a terminal, else"
          + " nothing), on (a bar on a terminal, else a plain line at most every 10 s) or off. The"
          + " DirectRunner and embedded Flink report as they go; a job on a Flink cluster shows the"
          + " elapsed time.")
  @Default.String("auto")
  String getProgress();

  void setProgress(String value);
}
