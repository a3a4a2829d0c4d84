package dev.parabeam.pipelines;

import dev.parabeam.pipelines.cluster.FlinkMasterCheck;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
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
      applyRunnerDefaults(o, args);
      job.validate(o);
      int parallelism = resolveParallelism(o);
      plan = JobPlan.make(o, job.requiredColumns(o), parallelism);
      FlinkMasterCheck.requireReachable(o); // fail fast, before anything is written
    } catch (UsageException e) {
      err.println("error: " + firstLine(e.getMessage()));
      return JobResult.exit(2);
    } catch (IllegalArgumentException e) {
      err.println("error: " + firstLine(describeBadOption(job, args, e)));
      return JobResult.exit(2);
    }

    // From here on the run writes. First it takes the output directory's lock, so that no other
    // live run uses the directory; staging directories left there by runs that are gone are ours.
    boolean createdOutput;
    OutputLock lock;
    try {
      createdOutput = createDirectory(plan.output);
      try {
        lock = OutputLock.acquire(plan.output, o.getOutput());
      } catch (IOException | RuntimeException e) {
        if (createdOutput) {
          cleanUp(plan.output, null); // the directory this run created, and nothing else
        }
        throw e;
      }
    } catch (UsageException e) {
      err.println("error: " + firstLine(e.getMessage()));
      return JobResult.exit(2);
    } catch (IOException e) {
      err.println("error: cannot use --output=" + o.getOutput() + ": " + firstLine(rootMessage(e)));
      return JobResult.exit(2);
    }
    try (lock) {
      try {
        // another run may have published between the plan's check and the lock
        JobPlan.requireEmptyOrOverwrite(o, plan.output);
      } catch (UsageException e) {
        err.println("error: " + firstLine(e.getMessage()));
        return JobResult.exit(2);
      }
      removeLeftoverStaging(plan.output);
      return runLocked(job, o, plan, createdOutput, t0, out, err);
    } catch (IOException e) {
      // only closing the lock (removing its file) can get here; the results are in place
      err.println(
          "error: cannot remove "
              + plan.output.resolve(OutputLock.FILE_NAME)
              + ": "
              + firstLine(rootMessage(e)));
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
      PipelineResult result = p.run();
      state = result.waitUntilFinish();
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
              deadLetterShare(dead, read)
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
      summary.put("dead_letter_fraction", fraction(dead, read));
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
      publish(staging, plan.output);
      summary.put("wall_seconds", seconds(System.nanoTime() - t0));
      String json = Json.object(summary);
      Files.writeString(plan.output.resolve(SUMMARY), json + "\n", StandardCharsets.UTF_8);
      out.println(json);
      out.println("output: " + plan.output);
      String warning =
          deadLetterWarning(
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
      cleanUp(staging, createdOutput ? plan.output : null);
      err.println("error: job failed: " + e.getMessage());
      return JobResult.exit(1);
    } catch (Exception e) {
      cleanUp(staging, createdOutput ? plan.output : null);
      err.println("error: job failed: " + firstLine(rootMessage(e)));
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
   * The warning line when dead letters are more than 1% of the records read, or their bytes more
   * than 1% of the input bytes; null otherwise.
   */
  static String deadLetterWarning(
      long dead, long read, long deadBytes, long inputBytes, Path deadLetters) {
    boolean manyRecords = dead * 100 > read;
    boolean manyBytes = deadBytes * 100 > inputBytes;
    if (!manyRecords && !manyBytes) {
      return null;
    }
    String bytes =
        manyBytes
            ? String.format(
                Locale.ROOT,
                ", %,d of %,d input bytes (%s)",
                deadBytes,
                inputBytes,
                percent(deadBytes, inputBytes))
            : "";
    return "warning: " + deadLetterShare(dead, read) + bytes + "; see " + deadLetters;
  }

  /** "1,234 of 100,000 records (1.2%) are dead letters". */
  static String deadLetterShare(long dead, long read) {
    return String.format(Locale.ROOT, "%,d of %,d", dead, read)
        + " records ("
        + percent(dead, read)
        + ") are dead letters";
  }

  /** dead / read to 6 places (0 when nothing was read), for summary.json. */
  static BigDecimal fraction(long dead, long read) {
    if (read == 0) {
      return BigDecimal.ZERO;
    }
    return BigDecimal.valueOf(dead)
        .divide(BigDecimal.valueOf(read), 6, RoundingMode.HALF_EVEN)
        .stripTrailingZeros();
  }

  /**
   * {@code part} as a percentage of {@code whole} with one decimal, or more where one would hide a
   * part that is not zero or show exactly 1% (the warning's line) for a share that is not.
   */
  static String percent(long part, long whole) {
    if (whole == 0) {
      return "0%";
    }
    BigDecimal exact =
        BigDecimal.valueOf(part)
            .multiply(BigDecimal.valueOf(100))
            .divide(BigDecimal.valueOf(whole), MathContext.DECIMAL64);
    for (int scale = 1; ; scale++) {
      BigDecimal shown = exact.setScale(scale, RoundingMode.HALF_UP);
      boolean misleading =
          (part != 0 && shown.signum() == 0)
              || (shown.compareTo(BigDecimal.ONE) == 0 && exact.compareTo(BigDecimal.ONE) != 0);
      if (!misleading || scale >= 8) {
        return shown.stripTrailingZeros().toPlainString() + "%";
      }
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
        return a + ": " + firstLine(single.getMessage());
      }
    }
    return msg;
  }

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

  private static boolean given(String[] args, String option) {
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

  /**
   * Moves staged results into the output directory, replacing earlier results, then drops staging.
   */
  private static void publish(Path staging, Path output) throws IOException {
    // earlier results of ours go; anything else a user keeps there stays
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(output, DEAD_LETTERS_PREFIX + "*.csv")) {
      for (Path old : ds) {
        Files.delete(old);
      }
    }
    Files.deleteIfExists(output.resolve(SUMMARY));
    Files.move(
        staging.resolve(RESULTS), output.resolve(RESULTS), StandardCopyOption.REPLACE_EXISTING);
    Files.move(
        staging.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE),
        output.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE),
        StandardCopyOption.REPLACE_EXISTING);
    deleteTree(staging);
  }

  /**
   * Creates {@code dir} (and its parents); returns whether this call created {@code dir} itself.
   */
  private static boolean createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return false;
    }
    if (dir.getParent() != null) {
      Files.createDirectories(dir.getParent());
    }
    try {
      Files.createDirectory(dir);
      return true;
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(dir)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Removes the staging directories of earlier runs that did not finish (killed, or the machine
   * went down): whoever holds the lock is the only live run of this output directory. Best effort:
   * one that cannot be removed is left, and is ignored like the others.
   */
  static void removeLeftoverStaging(Path output) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(output, STAGING_PREFIX + "*")) {
      for (Path leftover : ds) {
        try {
          deleteTree(leftover);
        } catch (IOException ignored) {
          // best effort, see above
        }
      }
    } catch (IOException ignored) {
      // best effort, see above
    }
  }

  private static void cleanUp(Path staging, Path createdOutput) {
    try {
      deleteTree(staging);
      if (createdOutput != null) {
        deleteTree(createdOutput);
      }
    } catch (IOException ignored) {
      // best effort: the error about the run itself matters more
    }
  }

  /** Deletes a directory and everything under it; nothing if it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    String msg = null;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        msg = t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    return msg == null ? e.getClass().getName() : msg;
  }

  /** The first line of a message, trimmed; "unknown error" for none. */
  public static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int i = s.indexOf('\n');
    return (i < 0 ? s : s.substring(0, i)).trim();
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e6) / 1000.0;
  }
}
