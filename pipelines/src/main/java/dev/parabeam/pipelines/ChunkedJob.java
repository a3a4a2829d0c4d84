package dev.parabeam.pipelines;

import dev.parabeam.pipelines.launcher.ChunkedRun;
import dev.parabeam.pipelines.launcher.JobPlan;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;

/**
 * A chunked CSV job as the {@link Launcher} runs it: its name and options, the columns it needs,
 * and its pipeline; the rest of its run is {@link ChunkedRun}. Everything else every job needs
 * (parsing and checking the options, planning and locating chunks, the output lock, staging and
 * publishing only on success, the count check, {@code summary.json}, runner defaults such as
 * Flink's worker keys) is the launcher's.
 *
 * @param <O> the job's options
 */
public interface ChunkedJob<O extends ChunkedJobOptions> extends Job<O> {
  /**
   * How many byte ranges of about equal size the job wants its input cut into, each its own unit of
   * work (small ones are not packed together); 0 (the default): the launcher chooses from the data,
   * {@code --chunkBytes} and the parallelism.
   */
  default int splitInto(O options) {
    return 0;
  }

  /** The run's plan: files, headers with the job's columns, chunks (misuse: UsageException). */
  @Override
  default Job.Run prepare(O options, int parallelism, Path output) throws IOException {
    return new ChunkedRun<>(
        this,
        options,
        JobPlan.make(options, requiredColumns(options), parallelism, output, splitInto(options)));
  }

  /**
   * Fields of the job's own for {@code summary.json} (after the counts), e.g. its simulated work.
   */
  default Map<String, Object> summaryFields(O options) {
    return Map.of();
  }

  /** Columns every input file must have; the launcher checks each file's header for them. */
  List<String> requiredColumns(O options);

  /**
   * Adds the job to {@code p}: reads the chunks {@code input} gives through a {@code ChunkedCsv}
   * ({@link JobInput#read}) and returns the per-chunk results with what merges and prints them.
   * Does not look at the runner, and writes nothing itself: the launcher writes the outputs, and a
   * test can assert on them.
   */
  JobOutputs<?, ?, ?> build(Pipeline p, O options, JobInput input);
}
