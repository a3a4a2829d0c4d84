package dev.parabeam.pipelines.analyze;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.LocalFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code analyze}: three analyses of every document (sentiment, entities, summary), each a call to
 * a slow and flaky service through a {@code ResilientCall} (retries with backoff, a per-attempt
 * timeout, calls in flight and a rate limit per worker JVM), as three parallel branches joined per
 * document by a {@code FanOut}: {@code results.jsonl}, one line per document sorted by id, with an
 * error entry for each analysis that failed. Bad input lines are dead letters ({@code
 * dead-letters.jsonl}, {@link AnalyzeInput}), under the launcher's dead-letter rules; a duplicate
 * id is misuse, found before anything runs.
 */
public final class AnalyzeJob implements Job<AnalyzeOptions> {
  public static final AnalyzeJob INSTANCE = new AnalyzeJob();
  static final String DEFAULT_INPUT = "testdata/docs/docs.jsonl";
  static final String RESULTS = "results.jsonl";
  static final String DEAD_LETTERS = "dead-letters.jsonl";
  static final String ENTITIES = "entities.jsonl";
  static final List<String> ANALYSES = List.of("sentiment", "entities", "summary");

  @Override
  public String name() {
    return "analyze";
  }

  @Override
  public String summary() {
    return "three analyses per document through a slow, flaky service (retries, timeouts, limits),"
        + " joined per document";
  }

  @Override
  public Map<String, String> defaults() {
    return Map.of("maxAttempts", "4");
  }

  @Override
  public Class<AnalyzeOptions> optionsClass() {
    return AnalyzeOptions.class;
  }

  @Override
  public String usage() {
    return "analyze [--input=FILE.jsonl|GLOB|DIR] --output=DIR [--latencyMillis=20]"
        + " [--timeoutMillis=1000]"
        + " [--maxAttempts=4] [--transientFailureRate=P] [--permanentFailureRate=P] [--slowRate=P]"
        + " [--maxInFlight=16] [--ratePerSecond=R] [--seed=42] [--entityDetails=true]";
  }

  @Override
  public void validate(AnalyzeOptions o) {
    atLeast("latencyMillis", o.getLatencyMillis(), 0);
    atLeast("timeoutMillis", o.getTimeoutMillis(), 1);
    atLeast("maxAttempts", o.getMaxAttempts(), 1);
    atLeast("maxInFlight", o.getMaxInFlight(), 1);
    share("transientFailureRate", o.getTransientFailureRate());
    share("permanentFailureRate", o.getPermanentFailureRate());
    share("slowRate", o.getSlowRate());
    if (!(o.getRatePerSecond() >= 0) || o.getRatePerSecond().isInfinite()) {
      throw new UsageException(
          "--ratePerSecond must be 0 (no limit) or a positive number, got " + o.getRatePerSecond());
    }
  }

  private static void atLeast(String name, Integer v, int min) {
    if (v == null || v < min) {
      throw new UsageException("--" + name + " must be at least " + min + ", got " + v);
    }
  }

  private static void share(String name, Double v) {
    if (v == null || !(v >= 0 && v <= 1)) {
      throw new UsageException("--" + name + " must be between 0 and 1, got " + v);
    }
  }

  @Override
  public Job.Run prepare(AnalyzeOptions o, int parallelism, Path output) throws IOException {
    String given = o.getInput() == null ? DEFAULT_INPUT : o.getInput();
    List<Path> files = new ArrayList<>();
    for (Path f : LocalFiles.match(LocalFiles.orBundled(given, DEFAULT_INPUT))) {
      files.add(f.toAbsolutePath().normalize());
      if (f.toRealPath().startsWith(output.toAbsolutePath())) {
        throw new UsageException("--output=" + o.getOutput() + " holds the input file " + f);
      }
    }
    AnalyzeInput input = AnalyzeInput.read(files);
    SimulatedService.Faults faults =
        new SimulatedService.Faults(
            o.getSeed(),
            o.getLatencyMillis(),
            o.getTimeoutMillis(),
            o.getTransientFailureRate(),
            o.getPermanentFailureRate(),
            o.getSlowRate());
    String shown = files.size() == 1 ? files.get(0).toString() : given;
    return new AnalyzeRun(o, shown, input, parallelism, faults, UUID.randomUUID().toString());
  }
}
