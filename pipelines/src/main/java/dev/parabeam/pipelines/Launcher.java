package dev.parabeam.pipelines;

import dev.parabeam.pipelines.cluster.ClusterSubmission;
import dev.parabeam.pipelines.cluster.FlinkMasterCheck;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs a {@link ChunkedJob} from the command line: what every job needs, once.
 *
 * <pre>
 * options ─► JobPlan (files, headers, required columns, output checks, chunks) ─► output lock
 *   ─► [launcher scan for record boundaries] ─► job.build (PlanChunks ─► ChunkedCsv ─► …)
 *   ─► WriteOutputs (merge per key: results.csv, dead-letters.csv, counts) into staging
 *   ─► counts add up, dead-letter limit ─► publish ─► summary.json
 * </pre>
 *
 * <p>Misuse (a bad option, a missing column, an output directory in the way) is one {@code error:}
 * line and exit 2 before anything is written. The pipeline writes into a staging directory inside
 * the output directory; only a run that finished and whose counts add up moves its files into
 * place, so a failed run (exit 1, {@code error: job failed: …}) leaves no partial output. For
 * inputs up to {@code --launcherScanMaxBytes} the launcher scans for record boundaries before the
 * pipeline starts ({@link ChunkLocator}); the scan is timed with the run. Runner-specific choices
 * (the DirectRunner's checks, Flink's copies and worker keys) are made here, never in a job.
 */
public final class Launcher {
  static final String RESULTS = WriteChunkedOutputs.RESULTS_FILE;
  static final String SUMMARY = "summary.json";
  static final String DEAD_LETTERS_PREFIX = "dead-letters";
  static final String COUNTS_FILE = WriteChunkedOutputs.COUNTS_FILE;
  static final String DEAD_LETTER_PARTS = "dead-letter-parts";
  static final String STAGING_PREFIX = ".parabeam-staging-";

  /** Total bytes of the dead-letter records, in counts.properties when the fan-in counts them. */
  static final String DEAD_LETTER_BYTES = "dead_letter_bytes";

  static final String UNTERMINATED_QUOTES = "unterminated_quotes";

  private Launcher() {}

  /**
   * A seam for tests: called with the staging directory after the plan and the launcher's scan,
   * just before the pipeline runs, so that a test can change the world in between (truncate or
   * remove an input file, put something in staging's way) and see the job fail as it would.
   */
  static volatile Consumer<Path> beforePipelineRun = staging -> {};

  /**
   * Adds {@code job} to {@code p} with the input of {@code plan}; the outputs go under {@code
   * staging}. The runner decides the worker keys of the chunks (Flink: keys that land on distinct
   * subtasks), not the job.
   */
  static <O extends ChunkedJobOptions> void build(
      ChunkedJob<O> job, Pipeline p, O o, JobPlan plan, String staging) {
    int[] keys =
        o.getRunner().getSimpleName().startsWith("Flink")
            ? FlinkChunkKeys.forParallelism(plan.parallelism)
            : null;
    JobInput input =
        new JobInput(
            plan.chunks,
            plan.dialect,
            o.getMaxRecordBytes(),
            plan.chunksLocated,
            staging + "/" + DEAD_LETTER_PARTS,
            keys);
    job.build(p, o, input).writeTo(staging);
  }

  /** Runs {@code job} for command-line {@code args}; returns the process exit code. */
  public static <O extends ChunkedJobOptions> int run(
      ChunkedJob<O> job, String[] args, PrintStream out, PrintStream err) {
    return execute(job, args, out, err).exitCode();
  }

  /**
   * Runs {@code job} for command-line {@code args}, printing as {@link #run} does; returns the exit
   * code and, for a run that succeeded, its summary (what {@code summary.json} holds), typed.
   */
  public static <O extends ChunkedJobOptions> JobResult execute(
      ChunkedJob<O> job, String[] args, PrintStream out, PrintStream err) {
    long t0 = System.nanoTime();
    PipelineOptionsFactory.register(job.optionsClass());
    O o;
    JobPlan plan;
    try {
      OptionsCheck.check(job.optionsClass(), args);
      o = PipelineOptionsFactory.fromArgs(args).withValidation().as(job.optionsClass());
      FileSystems.setDefaultPipelineOptions(o);
      RunnerDefaults.applyRunnerDefaults(o, args);
      if (!RunnerDefaults.given(args, "jobName")) {
        // Beam's unique name (app-user-time-random) with the job's name in front, as a cluster
        // lists
        // it
        o.setJobName(job.name() + "-" + o.getJobName().replaceFirst("^[^-]*-", ""));
      }
      job.validate(o);
      int parallelism = RunnerDefaults.resolveParallelism(o);
      plan = JobPlan.make(o, job.requiredColumns(o), parallelism);
      // fail fast, before anything is written: no cluster, or too few free slots
      FlinkMasterCheck.requireSlots(o, parallelism);
    } catch (UsageException e) {
      err.println("error: " + Messages.firstLine(e.getMessage()));
      return JobResult.exit(2);
    } catch (IllegalArgumentException e) {
      err.println("error: " + Messages.firstLine(describeBadOption(job, args, e)));
      return JobResult.exit(2);
    }

    // From here on the run writes. First it takes the output directory's lock, so that no other
    // live run uses the directory; staging directories left there by runs that are gone are ours.
    boolean createdOutput;
    OutputLock lock;
    try {
      createdOutput = Staging.createDirectory(plan.output);
      try {
        lock = OutputLock.acquire(plan.output, o.getOutput());
      } catch (IOException | RuntimeException e) {
        if (createdOutput) {
          Staging.cleanUp(plan.output, null); // the directory this run created, and nothing else
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
        // another run may have published between the plan's check and the lock
        JobPlan.requireEmptyOrOverwrite(o, plan.output);
      } catch (UsageException e) {
        err.println("error: " + Messages.firstLine(e.getMessage()));
        return JobResult.exit(2);
      }
      Staging.removeLeftoverStaging(plan.output);
      return runLocked(job, o, plan, createdOutput, t0, out, err);
    } catch (IOException e) {
      // only closing the lock (removing its file) can get here; the results are in place
      err.println(
          "error: cannot remove "
              + plan.output.resolve(OutputLock.FILE_NAME)
              + ": "
              + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(1);
    }
  }

  /** The run itself, once this process holds the output directory's lock. */
  private static <O extends ChunkedJobOptions> JobResult runLocked(
      ChunkedJob<O> job,
      O o,
      JobPlan plan,
      boolean createdOutput,
      long t0,
      PrintStream out,
      PrintStream err) {
    Path staging = plan.output.resolve(STAGING_PREFIX + UUID.randomUUID());
    PipelineResult.State state;
    long pipelineNanos;
    try {
      Files.createDirectories(staging);
      // The record-boundary scan is part of the run's work wherever it happens, so it is timed with
      // it.
      long r0 = System.nanoTime();
      if (plan.scanOnLauncher(o)) {
        plan = plan.locatedOnLauncher(o);
      }
      long launcherScanNanos = System.nanoTime() - r0;
      Pipeline p = Pipeline.create(o);
      build(job, p, o, plan, staging.toString());
      long constructionNanos = System.nanoTime() - r0 - launcherScanNanos;
      beforePipelineRun.accept(staging);
      Optional<ClusterSubmission> onCluster = ClusterSubmission.watch(o, out);
      try {
        PipelineResult result = p.run();
        state = result.waitUntilFinish();
      } finally {
        onCluster.ifPresent(ClusterSubmission::close);
      }
      pipelineNanos = System.nanoTime() - r0 - constructionNanos;
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      Map<String, Long> counts = readCounts(staging.resolve(COUNTS_FILE));
      long read = counts.getOrDefault(ChunkedCsv.RECORDS_READ, 0L);
      long ok = counts.getOrDefault(ChunkedCsv.RECORDS_OK, 0L);
      long dead = counts.getOrDefault(ChunkedCsv.DEAD_LETTER_COUNT, 0L);
      if (read != ok + dead) {
        throw new IllegalStateException(
            "records do not add up: read " + read + " != ok " + ok + " + dead letters " + dead);
      }
      // written by the fan-in from the chunks' dead-letter sizes; absent (0) where it does not
      // count them
      long deadBytes = counts.getOrDefault(DEAD_LETTER_BYTES, 0L);
      Double limit = o.getMaxDeadLetterFraction();
      if (limit != null) {
        BigDecimal allowed = BigDecimal.valueOf(limit).multiply(BigDecimal.valueOf(read));
        if (BigDecimal.valueOf(dead).compareTo(allowed) > 0) {
          throw new DeadLetterLimitException(
              RunReport.deadLetterShare(dead, read)
                  + ", more than --maxDeadLetterFraction="
                  + BigDecimal.valueOf(limit).stripTrailingZeros().toPlainString()
                  + " allows (at most "
                  + String.format(
                      Locale.ROOT, "%,d", allowed.setScale(0, RoundingMode.FLOOR).toBigInteger())
                  + "); nothing was published");
        }
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("input", o.getInput());
      summary.put("files", plan.files.size());
      summary.put("bytes", plan.totalBytes);
      summary.put("chunks", plan.chunks.size());
      summary.put(
          "units", plan.chunks.isEmpty() ? 0 : plan.chunks.get(plan.chunks.size() - 1).unit() + 1);
      summary.put("records_read", read);
      summary.put("records_ok", ok);
      summary.put("dead_letters", dead);
      summary.put("dead_letter_fraction", RunReport.fraction(dead, read));
      summary.put("dead_letter_bytes", deadBytes);
      long unterminated = counts.getOrDefault(UNTERMINATED_QUOTES, 0L);
      summary.put("unterminated_quotes", unterminated);
      summary.put("keys", counts.getOrDefault("keys", 0L));
      summary.put("runner", o.getRunner().getSimpleName());
      summary.put("parallelism", plan.parallelism);
      summary.putAll(job.summaryFields(o));
      summary.put("record_boundaries", plan.chunksLocated ? "launcher" : "pipeline");
      summary.put("launcher_scan_seconds", seconds(launcherScanNanos));
      summary.put("pipeline_seconds", seconds(pipelineNanos));
      Staging.publish(staging, plan.output);
      summary.put("wall_seconds", seconds(System.nanoTime() - t0));
      String json = Json.object(summary);
      Files.writeString(plan.output.resolve(SUMMARY), json + "\n", StandardCharsets.UTF_8);
      out.println(json);
      out.println("output: " + plan.output);
      RunReport.printPreview(plan.output.resolve(WriteChunkedOutputs.RESULTS_FILE), out);
      if (dead > 0) {
        out.println(
            String.format(
                Locale.ROOT,
                "dead letters: %,d in %s",
                dead,
                plan.output.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE)));
      }
      String warning =
          RunReport.deadLetterWarning(
              dead,
              read,
              deadBytes,
              plan.totalBytes,
              plan.output.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE));
      if (warning != null) {
        err.println(warning);
      }
      if (unterminated > 0) {
        err.println(
            String.format(
                Locale.ROOT,
                "warning: %s never closed, so the rest of %s one dead letter; see %s",
                unterminated == 1
                    ? "1 quoted field is"
                    : String.format(Locale.ROOT, "%,d quoted fields are", unterminated),
                unterminated == 1 ? "its file is" : "each of their files is",
                plan.output.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE)));
      }
      return JobResult.done(summary);
    } catch (DeadLetterLimitException e) {
      Staging.cleanUp(staging, createdOutput ? plan.output : null);
      err.println("error: job failed: " + e.getMessage());
      return JobResult.exit(1);
    } catch (Exception e) {
      Staging.cleanUp(staging, createdOutput ? plan.output : null);
      err.println("error: job failed: " + Messages.firstLine(Messages.rootMessage(e)));
      return JobResult.exit(1);
    }
  }

  /** More dead letters than {@code --maxDeadLetterFraction} allows. */
  static final class DeadLetterLimitException extends Exception {
    private static final long serialVersionUID = 1L;

    DeadLetterLimitException(String message) {
      super(message);
    }
  }

  /**
   * Beam's message for a bad option value does not name the option; find the argument that fails.
   */
  static String describeBadOption(ChunkedJob<?> job, String[] args, IllegalArgumentException e) {
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

  private static Map<String, Long> readCounts(Path file) throws IOException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(r);
    }
    Map<String, Long> m = new LinkedHashMap<>();
    for (String k : props.stringPropertyNames()) {
      m.put(k, Long.parseLong(props.getProperty(k)));
    }
    return m;
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e6) / 1000.0;
  }
}
