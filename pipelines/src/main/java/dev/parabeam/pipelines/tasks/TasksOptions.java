package dev.parabeam.pipelines.tasks;

import dev.parabeam.pipelines.JobOptions;
import org.apache.beam.sdk.options.Description;

/** Options of the {@code tasks} job; its worker count is the launcher's {@code --workers}. */
public interface TasksOptions extends JobOptions {
  // no @Default: --input is a property of other jobs' options too, and Beam wants it marked alike
  @Description(
      "CSV file of tasks with header id,priority,kind,millis,fail (columns in any order)."
          + " Bundled: 36 tasks of every kind and failure mode.")
  String getInput();

  void setInput(String value);

  @Description(
      "Attempts per task before it is recorded as failed (1: no retry); retries wait 20 ms,"
          + " doubling up to 500 ms.")
  Integer getMaxAttempts();

  void setMaxAttempts(Integer value);
}
