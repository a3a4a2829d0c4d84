package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.LocalFiles;
import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code analyze}: three analyses of every document (sentiment, entities, summary), each a call to
 * a slow and flaky service through a {@code ResilientCall} (retries with backoff, a per-attempt
 * timeout, calls in flight and a rate limit per worker JVM), as three parallel branches joined per
 * document by a {@code FanOut}: {@code results.jsonl}, one line per document sorted by id, with an
 * error entry for each analysis that failed. Bad input lines are dead letters ({@code
 * dead-letters.jsonl}); a duplicate id is misuse, found before anything runs.
 */
public final class AnalyzeJob implements Job<AnalyzeOptions> {
  public static final AnalyzeJob INSTANCE = new AnalyzeJob();
  static final String DEFAULT_INPUT = "testdata/docs/docs.jsonl";
  static final String RESULTS = "results.jsonl";
  static final String DEAD_LETTERS = "dead-letters.jsonl";
  static final String ENTITIES = "entities.jsonl";
  static final List<String> ANALYSES = List.of("sentiment", "entities", "summary");

  /** Strict: text after the object, or a key twice, makes the line a dead letter. */
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

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
  public Class<AnalyzeOptions> optionsClass() {
    return AnalyzeOptions.class;
  }

  @Override
  public String usage() {
    return "analyze [--input=FILE.jsonl] --output=DIR [--latencyMillis=20] [--timeoutMillis=1000]"
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
    Path input = Paths.get(LocalFiles.orBundled(given, DEFAULT_INPUT)).toAbsolutePath().normalize();
    if (!Files.isRegularFile(input)) {
      throw new UsageException("--input=" + given + " is not a file");
    }
    if (input.toRealPath().startsWith(output.toAbsolutePath())) {
      throw new UsageException("--output=" + o.getOutput() + " holds the input file " + input);
    }
    List<Document> docs = new ArrayList<>();
    List<String> deadLetters = new ArrayList<>();
    Map<String, Integer> lineOf = new HashMap<>();
    int lines = 0;
    int lineNumber = 0;
    for (String line : Files.readAllLines(input, StandardCharsets.UTF_8)) {
      lineNumber++;
      if (lineNumber == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1); // a byte order mark, as the CSV jobs skip it
      }
      if (line.isBlank()) {
        continue;
      }
      lines++;
      String reason = null;
      Document d = null;
      try {
        JsonNode n = JSON.readTree(line);
        if (!n.isObject()) {
          reason = "not a JSON object";
        } else if (!n.path("id").isTextual()) {
          reason = "no string field id";
        } else if (n.path("id").asText().isEmpty()) {
          reason = "empty id";
        } else if (!n.path("text").isTextual()) {
          reason = "no string field text";
        } else {
          d = new Document(n.path("id").asText(), n.path("text").asText());
        }
      } catch (JsonProcessingException e) {
        reason = "malformed JSON: " + e.getOriginalMessage();
      }
      if (d == null) {
        ObjectNode dl = JSON.createObjectNode();
        dl.put("file", input.toString());
        dl.put("line", lineNumber);
        dl.put("reason", reason);
        dl.put("record", line.length() > 1024 ? line.substring(0, 1024) : line);
        deadLetters.add(dl.toString());
        continue;
      }
      Integer earlier = lineOf.putIfAbsent(d.id(), lineNumber);
      if (earlier != null) {
        throw new UsageException(
            input
                + ": id '"
                + d.id()
                + "' is on line "
                + earlier
                + " and again on line "
                + lineNumber
                + "; every document needs its own id");
      }
      docs.add(d);
    }
    SimulatedService.Faults faults =
        new SimulatedService.Faults(
            o.getSeed(),
            o.getLatencyMillis(),
            o.getTimeoutMillis(),
            o.getTransientFailureRate(),
            o.getPermanentFailureRate(),
            o.getSlowRate());
    return new AnalyzeRun(
        o, input, parallelism, lines, docs, deadLetters, faults, UUID.randomUUID().toString());
  }
}
