package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.Job.ProgressCounter;
import dev.parabeam.pipelines.launcher.Timeline;
import dev.parabeam.pipelines.launcher.WriteSortedLines;
import dev.parabeam.transforms.engine.Utf8Order;
import dev.parabeam.transforms.tasks.CallCounts;
import dev.parabeam.transforms.tasks.FanOut;
import dev.parabeam.transforms.tasks.Gathered;
import dev.parabeam.transforms.tasks.ResilientCall;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * One run of {@link AnalyzeJob}: the documents read and checked, the pipeline, the checks after.
 */
final class AnalyzeRun implements Job.Run {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AnalyzeOptions o;
  private final String shownInput;
  private final AnalyzeInput input;
  private final int parallelism;
  private final List<Document> docs;
  private final List<String> deadLetters;
  private final SimulatedService.Faults faults;
  private final String runId;
  private long complete;
  private long partial;

  AnalyzeRun(
      AnalyzeOptions o,
      String shownInput,
      AnalyzeInput input,
      int parallelism,
      SimulatedService.Faults faults,
      String runId) {
    this.o = o;
    this.shownInput = shownInput;
    this.input = input;
    this.parallelism = parallelism;
    this.docs = input.docs;
    this.deadLetters = input.deadLetters;
    this.faults = faults;
    this.runId = runId;
  }

  // the run's start (epoch ms), for its timeline
  private long startEpochMillis;

  @Override
  public void beforeBuild(Path staging) throws IOException {
    startEpochMillis = System.currentTimeMillis();
    try (BufferedWriter w =
        Files.newBufferedWriter(staging.resolve(AnalyzeJob.DEAD_LETTERS), StandardCharsets.UTF_8)) {
      for (String d : deadLetters) {
        w.write(d);
        w.write('\n');
      }
    }
  }

  /** The call of one analysis, with the job's retries, timeout and limits. */
  ResilientCall<Document, String> call(String analysis, SerializableFunction<String, String> fn) {
    ResilientCall<Document, String> c =
        ResilientCall.ofAttempts(new SimulatedService(analysis, fn, runId, faults))
            .withMaxAttempts(o.getMaxAttempts())
            .withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1))
            .withRetryOn(SimulatedService.Unavailable.class)
            .withTimeout(Duration.ofMillis(o.getTimeoutMillis()))
            .withMaxInFlight(o.getMaxInFlight())
            // the three analyses share one budget per worker JVM: they call one service
            .withSharedLimits("analyze-" + runId);
    return o.getRatePerSecond() > 0 ? c.withRateLimit(o.getRatePerSecond()) : c;
  }

  @Override
  public void build(Pipeline p, Path staging) {
    PCollection<Gathered<String>> gathered =
        // Create splits the documents over the workers in large bundles: a bundle is what one
        // ResilientCall keeps in flight at once (a reshuffle here would hand it one per bundle)
        p.apply("Documents", Create.of(docs).withCoder(new Document.Coder()))
            .apply(
                "Analyze",
                FanOut.byId(Document::id, StringUtf8Coder.of())
                    .withAnalysis("sentiment", call("sentiment", Analyses::sentiment))
                    .withAnalysis("entities", call("entities", Analyses::entities))
                    .withAnalysis("summary", call("summary", Analyses::summary))
                    .withCallBundlesTo(
                        Timeline.callBundlesTo(staging.resolve(Timeline.CALL_BUNDLES))));
    if (o.getEntityDetails()) {
      EntityFollowUps.apply(
          gathered,
          call(EntityFollowUps.ENTITY_DETAILS, Analyses::entityType),
          parallelism,
          staging);
    }
    gathered
        .apply(
            "ToJsonLine",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via((Gathered<String> g) -> KV.of(g.id(), line(g))))
        .apply("WriteResults", WriteSortedLines.to(staging.resolve(AnalyzeJob.RESULTS), null));
  }

  /** One line of results.jsonl: id, the three results (null when failed), the errors. */
  static String line(Gathered<String> g) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", g.id());
    for (String a : AnalyzeJob.ANALYSES) {
      String r = g.results().get(a);
      try {
        n.set(a, r == null ? null : JSON.readTree(r));
      } catch (IOException e) {
        throw new IllegalStateException("the " + a + " analysis returned no JSON: " + r, e);
      }
    }
    ObjectNode errors = n.putObject("errors");
    g.errors().forEach(errors::put);
    return n.toString();
  }

  /** Progress: the three analyses' calls, one per document each, as the step Analyze counts. */
  @Override
  public long progressTotal() {
    return (long) AnalyzeJob.ANALYSES.size() * docs.size();
  }

  @Override
  public ProgressCounter progressCounter() {
    return new ProgressCounter(
        ResilientCall.METRICS_NAMESPACE, ResilientCall.CALLS, "Analyze", " calls", 1);
  }

  @Override
  public List<String> earlierOutputs() {
    // an earlier run with --entityDetails=true left entities.jsonl; this one replaces it or not
    return o.getEntityDetails() ? List.of() : List.of(AnalyzeJob.ENTITIES);
  }

  @Override
  public List<String> outputs() {
    return o.getEntityDetails()
        ? List.of(
            AnalyzeJob.RESULTS,
            AnalyzeJob.ENTITIES,
            AnalyzeJob.DEAD_LETTERS,
            Timeline.CSV,
            Timeline.PNG)
        : List.of(AnalyzeJob.RESULTS, AnalyzeJob.DEAD_LETTERS, Timeline.CSV, Timeline.PNG);
  }

  @Override
  public Map<String, Object> finish(PipelineResult result, Path staging) throws Exception {
    Path results = staging.resolve(AnalyzeJob.RESULTS);
    List<String> out = Files.exists(results) ? Files.readAllLines(results) : List.of();
    complete = 0;
    partial = 0;
    String previous = null;
    for (String l : out) {
      JsonNode n = JSON.readTree(l);
      String id = n.path("id").asText();
      if (previous != null && Utf8Order.INSTANCE.compare(previous, id) >= 0) {
        throw new IllegalStateException("results.jsonl: id " + id + " is out of order or twice");
      }
      previous = id;
      if (n.path("errors").size() == 0) {
        complete++;
      } else {
        partial++;
      }
    }
    if (out.size() != docs.size()) {
      throw new IllegalStateException(
          "documents do not add up: " + docs.size() + " read, " + out.size() + " written");
    }
    if (input.lines != docs.size() + deadLetters.size()) {
      throw new IllegalStateException(
          "input lines do not add up: "
              + input.lines
              + " != "
              + docs.size()
              + " documents + "
              + deadLetters.size()
              + " dead letters");
    }
    CallCounts analyses = CallCounts.of(result, "Analyze");
    Map<String, Long> calls = analyses.asMap();
    CallCounts lookups = CallCounts.of(result, "EntityDetails");
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", shownInput);
    summary.put("files", input.files.size());
    summary.put("input_lines", input.lines);
    summary.put("documents", docs.size());
    summary.put("input_dead_letters", deadLetters.size());
    summary.put("complete", complete);
    summary.put("partial", partial);
    List<String> figures =
        List.of(
            "attempts",
            "retries",
            "timeouts",
            "fallbacks",
            "dead_letters",
            "max_in_flight",
            "max_running");
    for (String k : figures) {
      summary.put(k, calls.getOrDefault(k, 0L));
    }
    // which of those the runner counted as attempted (each try of a bundle, a redone one after a
    // failover too) rather than committed (the bundles that succeeded): all on Flink. A list in
    // a string: summary.json is flat.
    List<String> attempted = new ArrayList<>(analyses.attemptedFigures());
    attempted.retainAll(figures);
    summary.put("attempted_metrics", String.join(",", attempted));
    if (o.getEntityDetails()) {
      summary.put("entities", Files.readAllLines(staging.resolve(AnalyzeJob.ENTITIES)).size());
      summary.put("entity_lookups", lookups.calls());
      summary.put("entity_lookups_failed", lookups.deadLetters());
    }
    summary.put("runner", o.getRunner().getSimpleName());
    summary.put("parallelism", parallelism);
    summary.put("max_in_flight_limit", o.getMaxInFlight());
    // a bar per bundle of each analysis's calls, a lane per worker
    List<Timeline.Span> spans =
        Timeline.fromUnitSpans(staging.resolve(Timeline.CALL_BUNDLES), startEpochMillis);
    Timeline.writeRun(
        spans,
        startEpochMillis,
        "analyze: " + spans.size() + " bundles of calls",
        o.getRunner().getSimpleName() + ", " + parallelism + " requested",
        staging,
        summary);
    return summary;
  }

  @Override
  public Job.DeadLetters deadLetters() {
    return new Job.DeadLetters(
        input.lines, deadLetters.size(), input.deadBytes, input.bytes, AnalyzeJob.DEAD_LETTERS);
  }

  @Override
  public void report(Path output, PrintStream out, PrintStream err) throws IOException {
    List<String> head = Files.readAllLines(output.resolve(AnalyzeJob.RESULTS));
    out.println(
        String.format(
            Locale.ROOT,
            "results.jsonl (%,d document%s, %,d complete, %,d with errors):",
            head.size(),
            head.size() == 1 ? "" : "s",
            complete,
            partial));
    head.stream().limit(3).forEach(l -> out.println("  " + l));
    if (head.size() > 3) {
      out.println("  ...");
    }
    if (o.getEntityDetails()) {
      out.println("entities.jsonl: " + output.resolve(AnalyzeJob.ENTITIES));
    }
    if (!deadLetters.isEmpty()) {
      out.println(
          String.format(
              Locale.ROOT,
              "dead letters: %,d input line%s in %s",
              deadLetters.size(),
              deadLetters.size() == 1 ? "" : "s",
              output.resolve(AnalyzeJob.DEAD_LETTERS)));
    }
  }
}
