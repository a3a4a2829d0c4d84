package dev.parabeam.pipelines;

import java.util.Arrays;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** The runner settings the launcher chooses for every job, and the parallelism it resolves. */
final class RunnerDefaults {
  private RunnerDefaults() {}

  /**
   * Runner settings the job chooses unless the command line gives them.
   *
   * <p>The DirectRunner's immutability and encodability checks encode and compare every element at
   * every step. They exist to catch DoFns that mutate their inputs or hold unencodable values,
   * which the transforms' tests (TestPipeline, checks on) already cover; in a job they only cost
   * time: each chunk report holds the chunk's statistics for every key, so checking one is costly
   * (the figure is in docs/performance.md). The job turns them off.
   *
   * <p>The Flink runner, unless {@code --fasterCopy} is set, deep-copies every element between
   * chained operators by encoding and decoding it with its coder (and warns about it on every run).
   * The copy only protects against DoFns that mutate their inputs or outputs, which the same tests
   * rule out, so the job sets {@code fasterCopy} (the job's elements are few: chunks and one report
   * per chunk; its measured effect on the run time is in docs/performance.md).
   */
  static void applyRunnerDefaults(PipelineOptions o, String[] args) {
    DirectOptions d = o.as(DirectOptions.class);
    if (!given(args, "enforceImmutability")) {
      d.setEnforceImmutability(false);
    }
    if (!given(args, "enforceEncodability")) {
      d.setEnforceEncodability(false);
    }
    if (!given(args, "fasterCopy")) {
      o.as(FlinkPipelineOptions.class).setFasterCopy(true);
    }
  }

  static boolean given(String[] args, String option) {
    String flag = "--" + option;
    return Arrays.stream(args).anyMatch(a -> a.equals(flag) || a.startsWith(flag + "="));
  }

  static int resolveParallelism(PipelineOptions o) {
    String runner = o.getRunner().getSimpleName();
    if (runner.startsWith("Flink")) {
      FlinkPipelineOptions f = o.as(FlinkPipelineOptions.class);
      if (f.getParallelism() == null || f.getParallelism() <= 0) {
        f.setParallelism(Runtime.getRuntime().availableProcessors());
      }
      return f.getParallelism();
    }
    if (runner.equals("DirectRunner")) {
      return o.as(DirectOptions.class).getTargetParallelism();
    }
    return Runtime.getRuntime().availableProcessors();
  }
}
