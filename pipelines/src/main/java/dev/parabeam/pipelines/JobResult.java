package dev.parabeam.pipelines;

import dev.parabeam.pipelines.launcher.Launcher;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a {@link Launcher} run ended: its exit code and, when it succeeded, its summary, the fields
 * of {@code summary.json} in order, with typed getters for the ones benchmarks and tests read.
 */
public final class JobResult {
  private final int exitCode;
  private final Map<String, Object> summary;

  private JobResult(int exitCode, Map<String, Object> summary) {
    this.exitCode = exitCode;
    this.summary =
        summary == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(summary));
  }

  public static JobResult exit(int code) {
    return new JobResult(code, null);
  }

  public static JobResult done(Map<String, Object> summary) {
    return new JobResult(0, summary);
  }

  public int exitCode() {
    return exitCode;
  }

  /** The summary of a run that succeeded; throws for one that did not. */
  public Map<String, Object> summary() {
    if (summary == null) {
      throw new IllegalStateException(
          "the run failed with exit code " + exitCode + ": it has no summary");
    }
    return summary;
  }

  public long recordsRead() {
    return number("records_read").longValue();
  }

  public long recordsOk() {
    return number("records_ok").longValue();
  }

  public long deadLetters() {
    return number("dead_letters").longValue();
  }

  public long keys() {
    return number("keys").longValue();
  }

  public int chunks() {
    return number("chunks").intValue();
  }

  /**
   * The launcher's scan for record boundaries (when it did it) plus {@code Pipeline.run()} to
   * finish.
   */
  public double pipelineSeconds() {
    return number("pipeline_seconds").doubleValue();
  }

  public double wallSeconds() {
    return number("wall_seconds").doubleValue();
  }

  private Number number(String field) {
    Object v = summary().get(field);
    if (!(v instanceof Number)) {
      throw new IllegalStateException("the summary has no number " + field + ": " + v);
    }
    return (Number) v;
  }
}
