package dev.parabeam.pipelines;

import dev.parabeam.pipelines.launcher.Launcher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * A job as the {@link Launcher} runs it: its name, its options, and one {@link Run} per invocation.
 * Everything every job needs around that (parsing and checking the options in the house's words,
 * the output directory's checks and lock, staging and publishing only on success, runner defaults,
 * the cluster's slot check, the dead-letter rules ({@link Run#deadLetters()}), {@code summary.json}
 * and the typed {@link JobResult}) is the launcher's, so that a new job is its pipeline and its
 * options.
 *
 * @param <O> the job's options
 */
public interface Job<O extends JobOptions> {
  /** The command name, as typed after {@code run.sh}. */
  String name();

  /** One line for the command list. */
  String summary();

  /** The job's options interface. */
  Class<O> optionsClass();

  /** The usage line of {@code --help}, without "usage: run.sh ". */
  String usage();

  /**
   * Values of options the job gives itself when the command line does not, e.g. a demo job's
   * bundled input and its columns, so that it runs with {@code --output} alone. An {@code input} is
   * the repository's path ({@code testdata/...}): found from any directory ({@link
   * LocalFiles#orBundled}). {@code --help} shows them as the options' defaults.
   */
  default Map<String, String> defaults() {
    return Map.of();
  }

  /**
   * Checks what Beam's option validation does not (a list that does not parse, a value out of
   * range); throws {@link UsageException} with a message for the user. Runs before anything is
   * read.
   */
  default void validate(O options) {}

  /**
   * Reads and checks what this run needs before anything is written (input files, their headers, a
   * plan); misuse is a {@link UsageException}. {@code output} is the checked output directory.
   */
  Run prepare(O options, int parallelism, Path output) throws IOException;

  /** One run of a job, prepared. */
  interface Run {
    /**
     * Work that belongs to the run but happens before the pipeline is built (a scan of the input,
     * say); timed with the pipeline. {@code staging} is where the run's files go.
     */
    default void beforeBuild(Path staging) throws IOException {}

    /**
     * Adds the job to {@code p}; its files go under {@code staging}. Does not look at the runner.
     */
    void build(Pipeline p, Path staging);

    /**
     * The work a run's progress counts to (the CSV jobs: their input bytes, which the counter
     * {@code bytes_parsed} counts); 0 when the job does not know it (progress then shows the
     * elapsed time).
     */
    default long progressTotal() {
      return 0;
    }

    /**
     * The Beam counter that counts {@link #progressTotal}'s work as the pipeline runs (summed over
     * its steps), and the unit the bar shows it in: the CSV jobs' input bytes by default.
     */
    default ProgressCounter progressCounter() {
      return ProgressCounter.INPUT_BYTES;
    }

    /**
     * Of {@link #progressTotal}, what is done so far as this JVM sees it while the pipeline runs
     * (the CSV jobs: bytes parsed by workers in this JVM); -1 when it cannot tell, and then
     * progress comes from the runner's metrics alone.
     */
    default long progressDone() {
      return -1;
    }

    /** The names of the files the pipeline leaves in staging, published when the run succeeded. */
    List<String> outputs();

    /**
     * Globs of files an earlier run (or an earlier version) of the job left in the output directory
     * under other names, removed when this run publishes (e.g. sharded dead-letter files).
     */
    default List<String> earlierOutputs() {
      return List.of();
    }

    /**
     * After the pipeline finished: checks what it left in {@code staging} (counts that must add up)
     * and returns the run's fields of {@code summary.json}. Throws {@link Failure} (or any
     * exception) to fail the run: nothing is published.
     */
    Map<String, Object> finish(PipelineResult result, Path staging) throws Exception;

    /** After publishing: what a user wants to see (a preview, where the dead letters are). */
    default void report(Path output, PrintStream out, PrintStream err) throws IOException {}

    /**
     * What the run read and how much of it became dead letters, asked after {@link #finish}: the
     * launcher applies every job's dead-letter rules to it ({@code --maxDeadLetterFraction} fails
     * the run before anything is published; a share above 1% is a warning after the report). Null
     * (the default) for a job without dead letters.
     */
    default DeadLetters deadLetters() {
      return null;
    }
  }

  /**
   * A counter of a run's work for its progress: Beam counter {@code name} of {@code namespace},
   * summed over the steps under {@code step} (empty: every step), shown as {@code unit} of {@code
   * perUnit} counts (" MB" of 1,000,000 bytes; " calls" of 1).
   */
  record ProgressCounter(String namespace, String name, String step, String unit, long perUnit) {
    /** The input bytes the CSV jobs' parse step counts, in MB. */
    public static final ProgressCounter INPUT_BYTES =
        new ProgressCounter(
            dev.parabeam.transforms.engine.ChunkedCsv.class.getName(),
            dev.parabeam.transforms.engine.ChunkedCsv.BYTES_PARSED,
            "",
            " MB",
            1_000_000);
  }

  /**
   * A run's dead letters for the launcher's rules: {@code dead} of the {@code read} records (a CSV
   * record, a JSON line, ...) are dead letters, in the file {@code file} of the output directory;
   * {@code deadBytes} of the {@code inputBytes} input bytes (0 and 0 when the job does not count
   * bytes).
   */
  record DeadLetters(long read, long dead, long deadBytes, long inputBytes, String file) {
    public DeadLetters {
      if (read < 0 || dead < 0 || dead > read || deadBytes < 0 || inputBytes < 0) {
        throw new IllegalArgumentException(
            "dead letters: "
                + dead
                + " of "
                + read
                + " records, "
                + deadBytes
                + " of "
                + inputBytes
                + " bytes");
      }
    }
  }

  /**
   * A run that failed for a reason its message says in full: {@code error: job failed: <message>}.
   */
  final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    public Failure(String message) {
      super(message);
    }
  }
}
