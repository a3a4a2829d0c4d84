package dev.parabeam.pipelines;

import dev.parabeam.pipelines.cluster.ClusterJar;
import dev.parabeam.pipelines.cluster.ClusterSubmission;
import dev.parabeam.pipelines.cluster.FlinkMasterCheck;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs a {@link Job} from the command line: what every job needs, once.
 *
 * <pre>
 * options (OptionsCheck, Beam's validation, the job's) ─► --output checked ─► job.prepare
 *   (a chunked job: files, headers, columns, chunks) ─► [free slots on a Flink cluster]
 *   ─► output lock ─► staging ─► run.beforeBuild (the launcher's scan) ─► run.build ─► run
 *   ─► run.finish (counts add up) ─► the dead-letter limit (DeadLetterRules) ─► publish run.outputs
 *   ─► summary.json ─► run.report ─► the dead-letter warning
 * </pre>
 *
 * <p>Misuse (a bad option, a missing column, an output directory in the way, too few task slots) is
 * one {@code error:} line and exit 2 before anything is written. The pipeline writes into a staging
 * directory inside the output directory; only a run that finished and whose checks pass moves its
 * files into place, so a failed run (exit 1, {@code error: job failed: …}) leaves no partial
 * output. Runner-specific choices (the DirectRunner's checks, Flink's copies, a cluster's slots and
 * job id) are made here, never in a job.
 */
public final class Launcher {
  static final String RESULTS = WriteChunkedOutputs.RESULTS_FILE;
  static final String SUMMARY = "summary.json";
  static final String COUNTS_FILE = WriteChunkedOutputs.COUNTS_FILE;
  static final String DEAD_LETTER_PARTS = "dead-letter-parts";
  static final String STAGING_PREFIX = ".parabeam-staging-";

  private Launcher() {}

  /**
   * A seam for tests: called with the staging directory after the plan and the launcher's scan,
   * just before the pipeline runs, so that a test can change the world in between (truncate or
   * remove an input file, put something in staging's way) and see the job fail as it would.
   */
  static volatile Consumer<Path> beforePipelineRun = staging -> {};

  /** Runs {@code job} for command-line {@code args}; returns the process exit code. */
  public static <O extends JobOptions> int run(
      Job<O> job, String[] args, PrintStream out, PrintStream err) {
    return execute(job, args, out, err).exitCode();
  }

  /**
   * Runs {@code job} for command-line {@code args}, printing as {@link #run} does; returns the exit
   * code and, for a run that succeeded, its summary (what {@code summary.json} holds), typed.
   */
  public static <O extends JobOptions> JobResult execute(
      Job<O> job, String[] args, PrintStream out, PrintStream err) {
    long t0 = System.nanoTime();
    PipelineOptionsFactory.register(job.optionsClass());
    O o;
    Path output;
    Job.Run run;
    int parallelism;
    List<String> warnings = new ArrayList<>();
    try {
      args = withDefaults(job, args);
      OptionsCheck.check(job.optionsClass(), args);
      args = RunnerDefaults.impliedRunner(args);
      o = PipelineOptionsFactory.fromArgs(args).withValidation().as(job.optionsClass());
      FileSystems.setDefaultPipelineOptions(o);
      RunnerDefaults.applyRunnerDefaults(o, args);
      if (!RunnerDefaults.given(args, "jobName")) {
        // Beam's unique name (app-user-time-random) with the job's name in front, as a cluster
        // lists it
        o.setJobName(job.name() + "-" + o.getJobName().replaceFirst("^[^-]*-", ""));
      }
      DeadLetterRules.validate(o);
      job.validate(o);
      parallelism = RunnerDefaults.resolveParallelism(o, args, warnings);
      output = OutputDir.check(o);
      run = job.prepare(o, parallelism, output);
      // fail fast, before anything is written: no cluster, or too few free slots
      FlinkMasterCheck.requireSlots(o, parallelism);
      // a cluster gets the lean job jar, not the bundled one with Flink inside
      ClusterJar.stageFor(o, RunnerDefaults.given(args, "filesToStage"));
    } catch (UsageException e) {
      err.println("error: " + Messages.firstLine(e.getMessage()));
      return JobResult.exit(2);
    } catch (IllegalArgumentException e) {
      err.println("error: " + Messages.firstLine(describeBadOption(job, args, e)));
      return JobResult.exit(2);
    } catch (IOException e) {
      err.println("error: " + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(2);
    }
    warnings.forEach(w -> err.println("warning: " + w));

    // From here on the run writes. First it takes the output directory's lock, so that no other
    // live run uses the directory; staging directories left there by runs that are gone are ours.
    boolean createdOutput;
    OutputLock lock;
    try {
      createdOutput = Staging.createDirectory(output);
      try {
        lock = OutputLock.acquire(output, o.getOutput());
      } catch (IOException | RuntimeException e) {
        if (createdOutput) {
          Staging.cleanUp(output, null); // the directory this run created, and nothing else
        }
        throw e;
      }
    } catch (UsageException e) {
      err.println("error: " + Messages.firstLine(e.getMessage()));
      return JobResult.exit(2);
    } catch (IOException e) {
      err.println(
          "error: cannot use --output="
              + o.getOutput()
              + ": "
              + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(2);
    }
    try (lock) {
      try {
        // another run may have published between the first check and the lock
        OutputDir.requireEmptyOrOverwrite(o, output);
      } catch (UsageException e) {
        err.println("error: " + Messages.firstLine(e.getMessage()));
        return JobResult.exit(2);
      }
      Staging.removeLeftoverStaging(output);
      return runLocked(o, run, output, createdOutput, lock, t0, out, err);
    } catch (IOException e) {
      // only closing the lock (removing its file) can get here; the results are in place
      err.println(
          "error: cannot remove "
              + output.resolve(OutputLock.FILE_NAME)
              + ": "
              + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(1);
    }
  }

  /** The run itself, once this process holds the output directory's lock. */
  private static JobResult runLocked(
      JobOptions o,
      Job.Run run,
      Path output,
      boolean createdOutput,
      OutputLock lock,
      long t0,
      PrintStream out,
      PrintStream err) {
    Path staging = output.resolve(STAGING_PREFIX + UUID.randomUUID());
    // Ctrl-C or SIGTERM during the run: say so, and remove what the run staged (and the output
    // directory if this run made it); a run that has published is left alone. Either way the lock
    // goes: the JVM ends before the run could close it. Publishing and stopping exclude each other,
    // so a stop never removes staging halfway through a publish (earlier results gone, new not in).
    AtomicBoolean published = new AtomicBoolean();
    AtomicBoolean stopped = new AtomicBoolean();
    Object publishing = new Object();
    Thread onStop =
        new Thread(
            () -> {
              synchronized (publishing) {
                stopped.set(true);
                if (!published.get()) {
                  Staging.cleanUp(staging, createdOutput ? output : null);
                  err.println(
                      "stopped: the run was interrupted; nothing was published in " + output);
                }
              }
              lock.closeQuietly();
            },
            "parabeam-run-stopped");
    Runtime.getRuntime().addShutdownHook(onStop);
    try {
      Files.createDirectories(staging);
      // work before the pipeline that belongs to the run (the launcher's scan) is timed with it
      long r0 = System.nanoTime();
      run.beforeBuild(staging);
      long c0 = System.nanoTime();
      Pipeline p = Pipeline.create(o);
      run.build(p, staging);
      long constructionNanos = System.nanoTime() - c0;
      beforePipelineRun.accept(staging);
      PipelineResult result;
      PipelineResult.State state;
      Optional<ClusterSubmission> onCluster = ClusterSubmission.watch(o, out);
      try {
        result = p.run();
        state = result.waitUntilFinish();
      } finally {
        onCluster.ifPresent(ClusterSubmission::close);
      }
      long pipelineNanos = System.nanoTime() - r0 - constructionNanos;
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      Map<String, Object> summary = withWorkers(run.finish(result, staging));
      DeadLetterRules.check(o, run.deadLetters());
      summary.put("pipeline_seconds", seconds(pipelineNanos));
      synchronized (publishing) {
        if (stopped.get()) {
          throw new Job.Failure("the run was interrupted");
        }
        Staging.publish(staging, output, run.outputs(), run.earlierOutputs());
        published.set(true);
      }
      summary.put("wall_seconds", seconds(System.nanoTime() - t0));
      String json = Json.object(summary);
      Files.writeString(output.resolve(SUMMARY), json + "\n", StandardCharsets.UTF_8);
      out.println(json);
      out.println("output: " + output);
      run.report(output, out, err);
      DeadLetterRules.warn(run.deadLetters(), output, err);
      return JobResult.done(summary);
    } catch (Job.Failure e) {
      Staging.cleanUp(staging, createdOutput ? output : null);
      err.println("error: job failed: " + e.getMessage());
      return JobResult.exit(1);
    } catch (Exception e) {
      Staging.cleanUp(staging, createdOutput ? output : null);
      err.println("error: job failed: " + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(1);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onStop);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs and decides by `published`
      }
    }
  }

  /**
   * Beam's message for a bad option value does not name the option; find the argument that fails.
   */
  static String describeBadOption(Job<?> job, String[] args, IllegalArgumentException e) {
    String msg = e.getMessage();
    if (msg != null && msg.contains("--")) {
      return msg;
    }
    for (String a : args) {
      try {
        PipelineOptionsFactory.fromArgs(a).as(job.optionsClass());
      } catch (IllegalArgumentException single) {
        return a + ": " + Messages.firstLine(single.getMessage());
      }
    }
    return msg;
  }

  /** {@code args} and, after them, the job's {@link Job#defaults} of the options not in them. */
  static String[] withDefaults(Job<?> job, String[] args) {
    List<String> all = new ArrayList<>(List.of(args));
    job.defaults()
        .forEach(
            (name, value) -> {
              if (!RunnerDefaults.given(args, name)) {
                all.add(
                    "--"
                        + name
                        + "="
                        + (name.equals("input") ? LocalFiles.orBundled(value, value) : value));
              }
            });
    return all.toArray(new String[0]);
  }

  /** The summary with the run's workers ({@code --workers} or the runner's own) after them. */
  private static Map<String, Object> withWorkers(Map<String, Object> finished) {
    Map<String, Object> summary = new LinkedHashMap<>();
    finished.forEach(
        (k, v) -> {
          summary.put(k, v);
          if (k.equals("parallelism")) {
            summary.put("workers", v);
          }
        });
    return summary;
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e6) / 1000.0;
  }
}
