package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobOptions;
import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.cluster.ClusterJar;
import dev.parabeam.pipelines.cluster.ClusterSubmission;
import dev.parabeam.pipelines.cluster.FlinkMasterCheck;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.beam.runners.direct.DirectOptions;
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
 *   with summary.json last (the completion marker, Staging.publish) ─► run.report ─► the
 *   dead-letter warning
 * </pre>
 *
 * <p>Misuse (a bad option, a missing column, an output directory in the way, too few task slots) is
 * one {@code error:} line and exit 2 before anything is written. The pipeline writes into a staging
 * directory inside the output directory; only a run that finished and whose checks pass moves its
 * files into place, so a failed run (exit 1, {@code error: job failed: …}) leaves no partial
 * output; once summary.json is in place the run is published, and nothing after it (cleaning up,
 * the report) reports it as failed. A cluster job whose client failed is cancelled before staging
 * and the lock go; one that cannot be cancelled keeps them. Runner-specific choices (the
 * DirectRunner's checks, Flink's copies, a cluster's slots and job id) are made here, never in a
 * job.
 */
public final class Launcher {
  public static final String RESULTS = WriteChunkedOutputs.RESULTS_FILE;
  static final String SUMMARY = "summary.json";
  static final String COUNTS_FILE = WriteChunkedOutputs.COUNTS_FILE;
  public static final String DEAD_LETTER_PARTS = "dead-letter-parts";
  public static final String STAGING_PREFIX = ".parabeam-staging-";

  private Launcher() {}

  /**
   * A seam for tests: called with the staging directory after the plan and the launcher's scan,
   * just before the pipeline runs, so that a test can change the world in between (truncate or
   * remove an input file, put something in staging's way) and see the job fail as it would.
   */
  public static volatile Consumer<Path> beforePipelineRun = staging -> {};

  /**
   * A seam for tests: called with the staging directory once the pipeline is done, before the run
   * checks its files ({@link Job.Run#finish}); a test changes them as a late attempt would.
   */
  public static volatile Consumer<Path> beforeFinish = staging -> {};

  /**
   * Whether this JVM's run has printed its one {@code error:} line: an out-of-memory error that
   * escapes afterwards (the pipeline's threads still hold the heap) is not reported twice.
   */
  public static volatile boolean failureReported;

  /** Whether a run of this JVM is being stopped (Ctrl-C, SIGTERM): its hook reports that. */
  public static volatile boolean shuttingDown;

  /**
   * A seam for tests: called with the output directory once it exists, just before the run takes
   * its lock, so that a test can step two runs into one new directory.
   */
  static volatile Consumer<Path> beforeLock = output -> {};

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
      PipelineGraph.validate(o.getGraph());
      ProgressReporter.mode(o.getProgress());
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
      beforeLock.accept(output);
      // A run that cannot take the lock deletes nothing, not even the directory it created:
      // another run may hold the lock and be staging there (nothing under an output directory
      // is deleted without holding its lock).
      lock = OutputLock.acquire(output, o.getOutput());
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
      return runLocked(
          o, run, output, createdOutput, lock, t0, job.name(), command(job, args), out, err);
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

  /** The command line of a run, as run.sh takes it, for its report. */
  static String command(Job<?> job, String[] args) {
    StringBuilder sb = new StringBuilder("./run.sh ").append(job.name());
    for (String a : args) {
      sb.append(' ').append(a.matches("[\\w@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }

  /** The run itself, once this process holds the output directory's lock. */
  private static JobResult runLocked(
      JobOptions o,
      Job.Run run,
      Path output,
      boolean createdOutput,
      OutputLock lock,
      long t0,
      String jobName,
      String command,
      PrintStream out,
      PrintStream err) {
    Path staging = output.resolve(STAGING_PREFIX + UUID.randomUUID());
    // Ctrl-C or SIGTERM during the run: say so, and remove what the run staged (and the output
    // directory if this run made it); a run that has published is left alone. Either way the lock
    // goes: the JVM ends before the run could close it. Publishing and stopping exclude each other,
    // so a stop never removes staging halfway through a publish (earlier results gone, new not in).
    // Exactly one of them reports how the run ended: the run (published, or its error line) or the
    // stop hook; each claims the end before it says anything, so neither waits on the other's work
    // (a stop's clean-up can outlast the cancelled pipeline's return) and nothing is said twice.
    AtomicReference<RunEnd> end = new AtomicReference<>(RunEnd.RUNNING);
    Object publishing = new Object();
    // the running pipeline, so that Ctrl-C stops its threads before staging goes (the DirectRunner
    // returns from run() at once: see below)
    AtomicReference<PipelineResult> running = new AtomicReference<>();
    boolean ended = false;
    Thread onStop =
        new Thread(
            () -> {
              shuttingDown = true;
              synchronized (publishing) {
                boolean reports = end.compareAndSet(RunEnd.RUNNING, RunEnd.STOPPED);
                if (end.get() != RunEnd.PUBLISHED) {
                  PipelineResult r = running.get();
                  if (r != null) {
                    try {
                      r.cancel();
                    } catch (IOException | RuntimeException ignored) {
                      // stopping anyway
                    }
                  }
                  // the pipeline's threads may still be finishing a write while the JVM shuts down
                  try {
                    Staging.cleanUpAfterFailure(staging, createdOutput ? output : null);
                  } catch (RuntimeException ignored) {
                    // best effort (cleanUp already ignores what it can): the line matters more
                  }
                  if (reports) {
                    err.println(
                        "stopped: the run was interrupted; nothing was published in " + output);
                  }
                }
              }
              lock.closeQuietly();
            },
            "parabeam-run-stopped");
    Runtime.getRuntime().addShutdownHook(onStop);
    ProgressReporter progress = null;
    onStopHook.accept(onStop);
    try {
      Files.createDirectories(staging);
      // work before the pipeline that belongs to the run (the launcher's scan) is timed with it
      long r0 = System.nanoTime();
      run.beforeBuild(staging);
      long c0 = System.nanoTime();
      Pipeline p = Pipeline.create(o);
      run.build(p, staging);
      long constructionNanos = System.nanoTime() - c0;
      String graph = PipelineGraph.toDot(p);
      // the page's graph (a Graphviz process, or the SVG --graph has just drawn) and the
      // timeline's drawing (Java2D and its fonts start slowly) get ready while the pipeline runs,
      // not after it: a small run's wall time
      CompletableFuture<String> svg;
      if (o.getGraph() != null) {
        Path drawn = PipelineGraph.write(graph, Path.of(o.getGraph()), err);
        svg = CompletableFuture.supplyAsync(() -> PipelineGraph.read(drawn));
      } else {
        svg = CompletableFuture.supplyAsync(() -> PipelineGraph.svg(graph));
      }
      CompletableFuture.runAsync(Timeline::warmUp);
      beforePipelineRun.accept(staging);
      PipelineResult result;
      PipelineResult.State state;
      Optional<ClusterSubmission> onCluster = ClusterSubmission.watch(o, out);
      progress =
          ProgressReporter.start(
              ProgressReporter.mode(o.getProgress()),
              jobName,
              running,
              run::progressDone,
              onCluster.orElse(null),
              run.progressTotal(),
              run.progressCounter(),
              err);
      try {
        if (o.getRunner().getSimpleName().equals("DirectRunner")) {
          // run() returns at once, so that a shutdown can cancel the pipeline (wait below)
          o.as(DirectOptions.class).setBlockOnRun(false);
        }
        result = runPipeline.apply(p);
        running.set(result);
        state = result.waitUntilFinish();
      } catch (RuntimeException e) {
        throw onCluster.isPresent() ? afterClientFailure(onCluster.get(), e, output, lock) : e;
      } finally {
        onCluster.ifPresent(ClusterSubmission::close);
      }
      long pipelineNanos = System.nanoTime() - r0 - constructionNanos;
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      if (progress != null) {
        progress.finish(true);
      }
      beforeFinish.accept(staging);
      Map<String, Object> summary = withWorkers(run.finish(result, staging));
      RunMetrics metrics = RunMetrics.of(result);
      metrics.write(staging);
      List<String> outputs = new ArrayList<>(run.outputs());
      outputs.add(RunMetrics.FILE);
      DeadLetterRules.check(o, run.deadLetters());
      summary.put("pipeline_seconds", seconds(pipelineNanos));
      List<String> warnings = new ArrayList<>();
      String deadLetterWarning = DeadLetterRules.warning(run.deadLetters(), output);
      if (deadLetterWarning != null) {
        warnings.add(deadLetterWarning);
      }
      RunPage.write(
          new RunPage.Content(
              jobName,
              command,
              output,
              summary,
              warnings,
              svg.join(),
              "Graphviz's dot is not on the PATH: install it (Debian: apt-get install graphviz)"
                  + " to see the graph here; --graph=FILE.dot writes it as DOT either way.",
              staging,
              outputs.stream().filter(f -> f.endsWith(".csv") && !f.equals(Timeline.CSV)).toList(),
              metrics));
      outputs.add(RunPage.FILE);
      summary.put(Staging.OUTPUTS, Staging.sizes(staging, outputs));
      summary.put("wall_seconds", seconds(System.nanoTime() - t0));
      String json = Json.object(summary);
      Optional<String> notRemoved;
      synchronized (publishing) {
        if (end.get() == RunEnd.STOPPED) {
          throw new Job.Failure("the run was interrupted"); // the hook has said so
        }
        // summary.json goes in last: published once it is in place (see Staging.publish)
        notRemoved = Staging.publish(staging, output, outputs, run.earlierOutputs(), json);
        end.set(RunEnd.PUBLISHED); // RUNNING until here: the hook claims only under the monitor
      }
      // the results are in place: nothing from here on reports the run as failed
      out.println(json);
      out.println("output: " + output);
      notRemoved.ifPresent(
          left ->
              err.println(
                  "warning: published, but could not remove "
                      + left
                      + " in "
                      + output
                      + "; the next run into it removes it"));
      try {
        run.report(output, out, err);
        metrics.print(out);
        DeadLetterRules.warn(run.deadLetters(), output, err);
      } catch (Exception e) {
        err.println(
            "warning: published, but the report failed: "
                + Messages.firstLine(Messages.rootMessage(e)));
      }
      ended = true;
      return JobResult.done(summary);
    } catch (ClientFailure e) {
      if (!e.mayStillRun) {
        Staging.cleanUp(staging, createdOutput ? output : null);
      } // else its job may still write into staging: staging and the lock (keepFor) stay
      if (end.compareAndSet(RunEnd.RUNNING, RunEnd.FAILED)) {
        err.println("error: job failed: " + Messages.firstLine(e.getMessage()));
      }
      ended = true;
      return JobResult.exit(1);
    } catch (Job.Failure e) {
      Staging.cleanUp(staging, createdOutput ? output : null);
      if (end.compareAndSet(RunEnd.RUNNING, RunEnd.FAILED)) {
        err.println("error: job failed: " + e.getMessage());
      }
      ended = true;
      return JobResult.exit(1);
    } catch (Exception | OutOfMemoryError e) {
      // an OutOfMemoryError is caught here only to end the run as any failure: the heap it
      // exhausted is free again once the pipeline's threads are gone
      Staging.cleanUpAfterFailure(staging, createdOutput ? output : null);
      if (!end.compareAndSet(RunEnd.RUNNING, RunEnd.FAILED)) {
        failureReported = true;
        ended = true;
        return JobResult.exit(1); // stopped (the pipeline was cancelled): the hook says so
      }
      err.println(
          "error: job failed: "
              + (Messages.outOfMemory(e)
                  ? Messages.OUT_OF_MEMORY
                  : Messages.firstLine(Messages.rootMessage(e))));
      // only once the line is out: printing it can itself run out of heap while the pipeline's
      // threads still hold it, and then Main says it instead
      failureReported = true;
      ended = true;
      return JobResult.exit(1);
    } finally {
      if (progress != null) {
        progress.close(); // a failed run's bar stops where it was (done: already complete)
      }
      // an error that escapes (out of memory while failing) is Main's to report, not the hook's
      end.compareAndSet(RunEnd.RUNNING, RunEnd.FAILED);
      if (ended) {
        try {
          Runtime.getRuntime().removeShutdownHook(onStop);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs and leaves a published run alone
        }
      } // else an error (out of memory while failing) escapes: the hook removes staging at exit
    }
  }

  /** How a run ended, as far as reporting it goes: see {@code runLocked}. */
  private enum RunEnd {
    RUNNING,
    PUBLISHED,
    FAILED,
    STOPPED
  }

  /**
   * A seam for tests: given the run's stop hook once it is registered, so that a test can run it as
   * the JVM would on SIGTERM, at a moment it picks.
   */
  public static volatile Consumer<Thread> onStopHook = hook -> {};

  /** How long a run waits for a Flink job it cancelled after losing contact to end. */
  static final Duration CANCEL_WAIT = Duration.ofSeconds(60);

  /**
   * A seam for tests: runs the pipeline ({@code Pipeline::run}); a test makes it throw as a client
   * that lost contact with its cluster does.
   */
  public static volatile Function<Pipeline, PipelineResult> runPipeline = Pipeline::run;

  /**
   * The client of a cluster job failed; the message says what became of the job. {@code
   * mayStillRun}: it could not be seen ended, so it may still write into staging.
   */
  private static final class ClientFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final boolean mayStillRun;

    ClientFailure(String message, boolean mayStillRun, Throwable cause) {
      super(message, cause);
      this.mayStillRun = mayStillRun;
    }
  }

  /**
   * The client of a job on a cluster threw (a REST timeout, a JobManager failover): the job may
   * still run. Cancels it and waits for it to end ({@link ClusterSubmission#endAfterClientFailure})
   * before the run's staging is removed and its lock released; if it cannot be seen ended, the lock
   * stays ({@link OutputLock#keepFor}) and so does staging.
   */
  private static RuntimeException afterClientFailure(
      ClusterSubmission job, RuntimeException e, Path output, OutputLock lock) {
    ClusterSubmission.Ending end = job.endAfterClientFailure(CANCEL_WAIT);
    String cause = Messages.firstLine(Messages.rootMessage(e));
    if (end.ended()) {
      return end.said().isEmpty() ? e : new ClientFailure(cause + "; " + end.said(), false, e);
    }
    String kept;
    try {
      lock.keepFor(job.master(), job.name(), end.id());
      kept = "its staging and the lock of " + output + " stay until it has ended";
    } catch (IOException | RuntimeException io) {
      kept = "and the lock of " + output + " could not be kept: " + io.getMessage();
    }
    String which = end.id() != null ? "Flink job " + end.id() : "the Flink job " + job.name();
    return new ClientFailure(
        cause
            + "; "
            + which
            + " may still be running and could not be cancelled ("
            + end.said()
            + "); "
            + kept
            + " (./run.sh cluster cancel "
            + (end.id() != null ? end.id() : "<id>")
            + ")",
        true,
        e);
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
              // a default worker count yields to a runner's own option the user gave
              boolean runnersOwn =
                  name.equals("workers")
                      && (RunnerDefaults.given(args, "targetParallelism")
                          || RunnerDefaults.given(args, "parallelism"));
              if (!RunnerDefaults.given(args, name) && !runnersOwn) {
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
