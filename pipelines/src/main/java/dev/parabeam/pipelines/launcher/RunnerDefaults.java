package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.JobOptions;
import dev.parabeam.pipelines.UsageException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** The runner settings the launcher chooses for every job, and the parallelism it resolves. */
public final class RunnerDefaults {
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
  public static void applyRunnerDefaults(PipelineOptions o, String[] args) {
    if (Direct.PRESENT) {
      Direct.applyDefaults(o, args);
    }
    if (!given(args, "fasterCopy")) {
      o.as(FlinkPipelineOptions.class).setFasterCopy(true);
    }
  }

  /** The DirectRunner's options interface, unless the DirectRunner is not on the class path. */
  static Optional<Class<? extends PipelineOptions>> directOptions() {
    return Optional.ofNullable(Direct.OPTIONS);
  }

  static boolean given(String[] args, String option) {
    String flag = "--" + option;
    return Arrays.stream(args).anyMatch(a -> a.equals(flag) || a.startsWith(flag + "="));
  }

  /**
   * The command line as Beam should parse it: {@code --flinkMaster} without {@code --runner} means
   * the FlinkRunner (a cluster, or {@code [local]}), so the runner is added; with another runner it
   * is misuse, since the run would not go where the user pointed it.
   */
  static String[] impliedRunner(String[] args) {
    if (!given(args, "flinkMaster") || given(args, "runner")) {
      return args;
    }
    String[] out = Arrays.copyOf(args, args.length + 1);
    out[args.length] = "--runner=FlinkRunner";
    return out;
  }

  /**
   * The number of workers the run uses, set on the runner's own option: {@code --workers=N} is the
   * DirectRunner's {@code targetParallelism} and the FlinkRunner's {@code parallelism}. Adds to
   * {@code warnings} a line for every option given that the chosen runner does not read.
   */
  static int resolveParallelism(PipelineOptions o, String[] args, List<String> warnings) {
    String runner = o.getRunner().getSimpleName();
    boolean flink = runner.contains("Flink");
    boolean direct = runner.equals("DirectRunner");
    if (given(args, "flinkMaster") && !flink) {
      throw new UsageException(
          "--flinkMaster is a FlinkRunner option, but --runner="
              + runner
              + "; drop --runner (--flinkMaster implies the FlinkRunner) or --flinkMaster");
    }
    Integer workers = o.as(JobOptions.class).getWorkers();
    String own = flink ? "parallelism" : direct ? "targetParallelism" : null;
    if (workers != null && own != null && given(args, own)) {
      throw new UsageException(
          "--workers and --" + own + " say the same for the " + runner + "; give one of them");
    }
    warnings.addAll(ignoredOptions(o, args, flink, direct));
    if (flink) {
      FlinkPipelineOptions f = o.as(FlinkPipelineOptions.class);
      if (workers != null) {
        f.setParallelism(workers);
      } else if (f.getParallelism() == null || f.getParallelism() <= 0) {
        f.setParallelism(Runtime.getRuntime().availableProcessors());
      }
      return f.getParallelism();
    }
    if (direct) {
      return Direct.parallelism(o, workers);
    }
    return workers != null ? workers : Runtime.getRuntime().availableProcessors();
  }

  /**
   * A warning for each option of the other runner (DirectRunner or FlinkRunner) in {@code args}.
   */
  private static List<String> ignoredOptions(
      PipelineOptions o, String[] args, boolean flink, boolean direct) {
    if ((!flink && !direct) || !Direct.PRESENT) {
      return List.of();
    }
    Set<String> others = names(flink ? Direct.OPTIONS : FlinkPipelineOptions.class);
    others.removeAll(names(flink ? FlinkPipelineOptions.class : Direct.OPTIONS));
    String thisRunner = flink ? "FlinkRunner" : "DirectRunner";
    String otherRunner = flink ? "DirectRunner" : "FlinkRunner";
    String ownWorkers = flink ? "--parallelism" : "--targetParallelism";
    List<String> out = new ArrayList<>();
    for (String name : new TreeSet<>(others)) {
      if (!given(args, name)) {
        continue;
      }
      boolean workersOption = name.equals("parallelism") || name.equals("targetParallelism");
      out.add(
          "--"
              + name
              + " is a"
              + (flink ? " DirectRunner" : " Flink")
              + " option; the "
              + thisRunner
              + (workersOption
                  ? " uses " + ownWorkers + " (or --workers)"
                  : " ignores it (it applies with --runner=" + otherRunner + ")"));
    }
    return out;
  }

  /** The option names of an options interface and the interfaces it extends. */
  private static Set<String> names(Class<?> options) {
    Set<String> out = new TreeSet<>();
    for (Method m : options.getMethods()) {
      String n = m.getName();
      int at = n.startsWith("get") ? 3 : n.startsWith("is") ? 2 : -1;
      if (at > 0 && n.length() > at && m.getParameterCount() == 0) {
        out.add(Character.toLowerCase(n.charAt(at)) + n.substring(at + 1));
      }
    }
    return out;
  }

  /**
   * The DirectRunner's options, used only when the DirectRunner is on the class path: the lean
   * cluster jar leaves it out, and a job started from that jar ({@code flink run}) must not need
   * it.
   */
  private static final class Direct {
    static final boolean PRESENT = present();
    static final Class<? extends PipelineOptions> OPTIONS = PRESENT ? DirectOptions.class : null;

    private static boolean present() {
      try {
        Class.forName(
            "org.apache.beam.runners.direct.DirectOptions", false, Direct.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }

    static void applyDefaults(PipelineOptions o, String[] args) {
      DirectOptions d = o.as(DirectOptions.class);
      if (!given(args, "enforceImmutability")) {
        d.setEnforceImmutability(false);
      }
      if (!given(args, "enforceEncodability")) {
        d.setEnforceEncodability(false);
      }
    }

    static int parallelism(PipelineOptions o, Integer workers) {
      DirectOptions d = o.as(DirectOptions.class);
      if (workers != null) {
        d.setTargetParallelism(workers);
      }
      return d.getTargetParallelism();
    }
  }
}
