package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.ChunkedJobOptions;
import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.LocalProgress;
import dev.parabeam.transforms.engine.SpillSettings;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * One run of a {@link ChunkedJob}: the plan (files, headers, chunks), the launcher's scan for
 * record boundaries for small inputs, the pipeline with its outputs ({@code results.csv}, {@code
 * dead-letters.csv}), the count check ({@code records_read == records_ok + dead_letters}), the
 * summary fields, the report after a run, and its dead letters for the launcher's rules.
 */
public final class ChunkedRun<O extends ChunkedJobOptions> implements Job.Run {
  private final ChunkedJob<O> job;
  private final O o;
  private JobPlan plan;
  private long launcherScanNanos;
  private long startEpochMillis;
  private String progressKey; // the run's spill directory, which names it in LocalProgress
  private long dead;
  private long read;
  private long deadBytes;
  private long unterminated;

  private final long memoryBudget;

  public ChunkedRun(ChunkedJob<O> job, O o, JobPlan plan) {
    this.job = job;
    this.o = o;
    this.plan = plan;
    this.memoryBudget = memoryBudget(o.getMemoryBudget());
  }

  /** Partitions of the keyed reduce per worker: a few, so that a slow one does not hold all up. */
  static final int PARTITIONS_PER_WORKER = 4;

  /** Where the units' run files and the partitions' files go, inside staging. */
  public static final String SPILL_DIR = "spill";

  /** {@code --memoryBudget}: bytes, or with a suffix k, m or g (powers of 1024); 0 = automatic. */
  static long memoryBudget(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
      unit = t.endsWith("k") ? 1L << 10 : t.endsWith("m") ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n < 0 || n > Long.MAX_VALUE / unit) {
        throw new NumberFormatException();
      }
      return n * unit;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--memoryBudget="
              + text
              + ": give bytes, or a number with k, m or g (e.g. 256m); 0 = 40% of the heap");
    }
  }

  @Override
  public void beforeBuild(Path staging) throws IOException {
    startEpochMillis = System.currentTimeMillis(); // the run's start, for its timeline
    Files.createDirectories(
        staging.resolve(SPILL_DIR)); // the units spill only into one that exists
    long r0 = System.nanoTime();
    if (plan.scanOnLauncher(o)) {
      plan = plan.locatedOnLauncher(o);
    }
    launcherScanNanos = System.nanoTime() - r0;
  }

  /**
   * Adds the job with the input of the plan; the outputs go under {@code staging}. The runner
   * decides the worker keys of the chunks and of the partition merges (Flink: keys that land on
   * distinct subtasks, the partitions spread evenly over the subtasks), not the job.
   */
  @Override
  public void build(Pipeline p, Path staging) {
    int[] keys =
        o.getRunner().getSimpleName().startsWith("Flink")
            ? FlinkChunkKeys.forParallelism(plan.parallelism)
            : null;
    int units = plan.chunks.isEmpty() ? 0 : plan.chunks.get(plan.chunks.size() - 1).unit() + 1;
    int partitions = PARTITIONS_PER_WORKER * plan.parallelism;
    SpillSettings spill =
        new SpillSettings(
                staging.resolve(SPILL_DIR).toString(),
                memoryBudget,
                plan.parallelism,
                units,
                partitions)
            .withShuffleKeys(
                keys == null ? null : FlinkChunkKeys.forPartitions(partitions, plan.parallelism));
    progressKey = spill.dir();
    JobInput input =
        new JobInput(
            plan.chunks,
            plan.dialect,
            o.getMaxRecordBytes(),
            plan.chunksLocated,
            staging + "/" + Launcher.DEAD_LETTER_PARTS,
            keys,
            spill);
    job.build(p, o, input).writeTo(staging.toString(), spill);
  }

  @Override
  public long progressTotal() {
    return plan.totalBytes;
  }

  @Override
  public long progressDone() {
    return progressKey == null ? -1 : LocalProgress.get(progressKey);
  }

  @Override
  public List<String> outputs() {
    return List.of(
        WriteChunkedOutputs.RESULTS_FILE,
        WriteChunkedOutputs.DEAD_LETTERS_FILE,
        Timeline.CSV,
        Timeline.PNG);
  }

  @Override
  public List<String> earlierOutputs() {
    return List.of("dead-letters-*.csv"); // the sharded dead letters of earlier versions
  }

  @Override
  public Map<String, Object> finish(PipelineResult result, Path staging) throws Exception {
    if (progressKey != null) {
      LocalProgress.forget(progressKey);
    }
    Map<String, Long> counts = readCounts(staging.resolve(WriteChunkedOutputs.COUNTS_FILE));
    read = counts.getOrDefault(ChunkedCsv.RECORDS_READ, 0L);
    long ok = counts.getOrDefault(ChunkedCsv.RECORDS_OK, 0L);
    dead = counts.getOrDefault(ChunkedCsv.DEAD_LETTER_COUNT, 0L);
    if (read != ok + dead) {
      throw new Job.Failure(
          "records do not add up: read " + read + " != ok " + ok + " + dead letters " + dead);
    }
    // every planned unit and chunk reported to the fan-in: a lost unit's records would be
    // missing from both sides of the check above
    long plannedUnits =
        plan.chunks.isEmpty() ? 0 : plan.chunks.get(plan.chunks.size() - 1).unit() + 1;
    long units = counts.getOrDefault("units", -1L);
    long chunks = counts.getOrDefault("chunks", -1L);
    if (units != plannedUnits || chunks != plan.chunks.size()) {
      throw new Job.Failure(
          "the merge saw "
              + units
              + " units of "
              + chunks
              + " chunks, the plan has "
              + plannedUnits
              + " units of "
              + plan.chunks.size()
              + " chunks: results incomplete, not published");
    }
    // the fan-in renames results.csv into place before counts.properties; its row count must be
    // the number of keys the merge wrote, or the file is not the one these counts describe (a
    // short file of an attempt that died, or the run's files mixed with another run's)
    long keys = counts.getOrDefault("keys", 0L);
    long rows = csvRecords(staging.resolve(WriteChunkedOutputs.RESULTS_FILE)) - 1;
    if (rows != keys) {
      throw new Job.Failure(
          WriteChunkedOutputs.RESULTS_FILE
              + " holds "
              + rows
              + " rows, the merge wrote "
              + keys
              + ": an incomplete results file, not published");
    }
    // written by the fan-in from the chunks' dead-letter sizes; absent (0) where it does not
    // count them
    deadBytes = counts.getOrDefault(DEAD_LETTER_BYTES, 0L);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", o.getInput());
    summary.put("files", plan.files.size());
    summary.put("bytes", plan.totalBytes);
    summary.put("chunks", plan.chunks.size());
    summary.put("units", plannedUnits);
    summary.put("records_read", read);
    summary.put("records_ok", ok);
    summary.put("dead_letters", dead);
    summary.put("dead_letter_fraction", RunReport.fraction(dead, read));
    summary.put("dead_letter_bytes", deadBytes);
    unterminated = counts.getOrDefault(UNTERMINATED_QUOTES, 0L);
    summary.put("unterminated_quotes", unterminated);
    summary.put("keys", counts.getOrDefault("keys", 0L));
    summary.put("run_files", counts.getOrDefault("run_files", 0L));
    summary.put("runner", o.getRunner().getSimpleName());
    summary.put("parallelism", plan.parallelism);
    summary.putAll(job.summaryFields(o));
    summary.put("record_boundaries", plan.chunksLocated ? "launcher" : "pipeline");
    summary.put("launcher_scan_seconds", Launcher.seconds(launcherScanNanos));
    List<Timeline.Span> spans =
        Timeline.fromUnitSpans(staging.resolve(WriteChunkedOutputs.SPANS_FILE), startEpochMillis);
    Timeline.writeRun(
        spans,
        startEpochMillis,
        job.name() + ": " + plannedUnits + " units",
        o.getRunner().getSimpleName() + ", " + plan.parallelism + " requested",
        staging,
        summary);
    return summary;
  }

  @Override
  public void report(Path output, PrintStream out, PrintStream err) throws IOException {
    Path deadLetters = output.resolve(WriteChunkedOutputs.DEAD_LETTERS_FILE);
    RunReport.printPreview(output.resolve(WriteChunkedOutputs.RESULTS_FILE), out);
    if (dead > 0) {
      out.println(String.format(Locale.ROOT, "dead letters: %,d in %s", dead, deadLetters));
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
              deadLetters));
    }
  }

  @Override
  public Job.DeadLetters deadLetters() {
    // a compressed file's text is longer than the file, by an amount known only after reading it:
    // then the warning compares records only (0 and 0: no bytes to compare)
    boolean compressed = plan.files.stream().anyMatch(f -> f.isCompressed());
    return new Job.DeadLetters(
        read,
        dead,
        compressed ? 0 : deadBytes,
        compressed ? 0 : plan.totalBytes,
        WriteChunkedOutputs.DEAD_LETTERS_FILE);
  }

  /** Total bytes of the dead-letter records, in counts.properties when the fan-in counts them. */
  static final String DEAD_LETTER_BYTES = "dead_letter_bytes";

  static final String UNTERMINATED_QUOTES = "unterminated_quotes";

  /**
   * The number of records in a CSV file as {@code CsvText} writes them (quote {@code "}, LF after
   * every record): line feeds outside quotes; a file that does not end with one has a cut record,
   * which is not counted.
   */
  static long csvRecords(Path file) throws IOException {
    long records = 0;
    boolean quoted = false;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        for (int i = 0; i < n; i++) {
          if (buf[i] == '"') {
            quoted = !quoted; // a doubled quote toggles twice
          } else if (buf[i] == '\n' && !quoted) {
            records++;
          }
        }
      }
    }
    return records;
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
}
