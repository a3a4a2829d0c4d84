package dev.parabeam.pipelines.analyze;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parabeam.pipelines.CapturedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The analyze job end to end, in this JVM, on 60 of the bundled documents. */
public class AnalyzeJobTest {
  @ClassRule public static TemporaryFolder tmp = new TemporaryFolder();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path docs;
  private static List<String> ids;
  private static String clean;

  static CapturedRun run(String... args) {
    return CapturedRun.of(AnalyzeJob.INSTANCE, args);
  }

  static Path repo() {
    Path p = Paths.get("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("testdata/docs"))) {
      p = p.getParent();
    }
    return p;
  }

  @BeforeClass
  public static void aCleanRun() throws IOException {
    List<String> lines = Files.readAllLines(repo().resolve("testdata/docs/docs.jsonl"));
    docs = tmp.getRoot().toPath().resolve("docs.jsonl");
    Files.write(docs, lines.subList(0, 60));
    ids = new ArrayList<>();
    for (String l : lines.subList(0, 60)) {
      ids.add(JSON.readTree(l).path("id").asText());
    }
    CapturedRun r = analyze("clean");
    assertThat(r.err(), r.result().exitCode(), is(0));
    clean = Files.readString(out("clean").resolve("results.jsonl"));
    checkTimeline(out("clean"), r);
    // the DirectRunner commits its counters: only the maxima are attempted figures
    assertThat(r.result().summary().get("attempted_metrics"), is("max_in_flight,max_running"));
  }

  /**
   * The run's timeline: a row per bundle of each analysis's calls, start before end, on workers
   * that the lanes (and summary.json) count; the calls add up to one per document and analysis.
   */
  static void checkTimeline(Path out, CapturedRun r) throws IOException {
    List<String> rows = Files.readAllLines(out.resolve("timeline.csv"));
    assertThat(rows.get(0), is("task,worker,start_ms,end_ms,records,bytes"));
    Map<String, Long> callsOf = new TreeMap<>();
    Set<String> workers = new HashSet<>();
    for (String row : rows.subList(1, rows.size())) {
      org.apache.commons.csv.CSVRecord rec =
          org.apache.commons.csv.CSVFormat.RFC4180
              .parse(new java.io.StringReader(row))
              .getRecords()
              .get(0);
      assertThat(row, Long.parseLong(rec.get(2)) <= Long.parseLong(rec.get(3)), is(true));
      assertThat(row, rec.get(1).isEmpty(), is(false));
      workers.add(rec.get(1));
      callsOf.merge(rec.get(0), Long.parseLong(rec.get(4)), Long::sum);
    }
    assertThat(callsOf, equalTo(Map.of("entities", 60L, "sentiment", 60L, "summary", 60L)));
    assertThat((long) workers.size(), is(number(r, "timeline_workers")));
    assertThat(Files.size(out.resolve("timeline.png")), greaterThan(1000L));
  }

  static Path out(String name) {
    return tmp.getRoot().toPath().resolve(name);
  }

  static CapturedRun analyze(String name, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("--input=" + docs, "--output=" + out(name), "--latencyMillis=1", "--seed=7"));
    args.addAll(List.of(more));
    return run(args.toArray(new String[0]));
  }

  static long number(CapturedRun r, String field) {
    return ((Number) r.result().summary().get(field)).longValue();
  }

  @Test
  public void everyDocumentOnceSortedByIdWithAllThreeAnalysesOfItsOwnText() throws IOException {
    Map<String, String> textOf = new TreeMap<>();
    for (String d : Files.readAllLines(docs)) {
      textOf.put(JSON.readTree(d).path("id").asText(), JSON.readTree(d).path("text").asText());
    }
    List<String> lines = clean.lines().toList();
    assertThat(lines.size(), is(60));
    List<String> got = new ArrayList<>();
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      String id = n.path("id").asText();
      got.add(id);
      assertThat(l, n.path("errors").size(), is(0));
      // each analysis as the test's own reading of the generated text has it: a document that got
      // another's result (or none) fails
      String text = textOf.get(id);
      assertThat(l, n.path("sentiment"), equalTo(ExpectedAnalyses.sentiment(text)));
      assertThat(l, n.path("entities"), equalTo(ExpectedAnalyses.entities(text)));
      assertThat(l, n.path("summary"), equalTo(ExpectedAnalyses.summary(text)));
    }
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort(null); // the bundled ids are ASCII: UTF-16 order is UTF-8 byte order
    assertThat(got, equalTo(sorted));
    // the documents differ in all three analyses, so a mix-up between documents shows
    Set<JsonNode> entities = new HashSet<>();
    Set<JsonNode> summaries = new HashSet<>();
    Set<JsonNode> sentiments = new HashSet<>();
    for (String l : lines) {
      entities.add(JSON.readTree(l).path("entities"));
      summaries.add(JSON.readTree(l).path("summary"));
      sentiments.add(JSON.readTree(l).path("sentiment"));
    }
    assertThat(entities.size(), greaterThan(40));
    assertThat(summaries.size(), is(60));
    assertThat(sentiments.size(), greaterThan(4));
  }

  @Test
  public void transientFailuresAreRetriedToTheFailureFreeBytes() throws IOException {
    CapturedRun r = analyze("transient", "--transientFailureRate=0.5", "--maxAttempts=4");
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(Files.readString(out("transient").resolve("results.jsonl")), equalTo(clean));
    // every injected failure is one retry: count them from the service's own rule
    SimulatedService.Faults f = new SimulatedService.Faults(7, 1, 1000, 0.5, 0, 0);
    long expected = 0;
    for (String a : AnalyzeJob.ANALYSES) {
      SimulatedService s = new SimulatedService(a, t -> t, "x", f);
      for (String id : ids) {
        expected += s.transientFailures(id);
      }
    }
    assertThat(expected, greaterThan(0L));
    assertThat(number(r, "retries"), is(expected));
    assertThat(number(r, "attempts"), is(3L * ids.size() + expected));
    assertThat(number(r, "dead_letters"), is(0L));
  }

  @Test
  public void permanentFailuresAreErrorEntriesWithTheirReason() throws IOException {
    CapturedRun r = analyze("permanent", "--permanentFailureRate=0.2");
    assertThat(r.err(), r.result().exitCode(), is(0));
    SimulatedService.Faults f = new SimulatedService.Faults(7, 1, 1000, 0, 0.2, 0);
    Set<String> expected = new TreeSet<>();
    for (String a : AnalyzeJob.ANALYSES) {
      SimulatedService s = new SimulatedService(a, t -> t, "x", f);
      for (String id : ids) {
        if (s.permanent(id)) {
          expected.add(id + "/" + a);
        }
      }
    }
    Set<String> got = new TreeSet<>();
    long partial = 0;
    List<String> lines = Files.readAllLines(out("permanent").resolve("results.jsonl"));
    assertThat(lines.size(), is(ids.size()));
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      String id = n.path("id").asText();
      partial += n.path("errors").size() > 0 ? 1 : 0;
      for (String a : AnalyzeJob.ANALYSES) {
        if (n.path("errors").has(a)) {
          got.add(id + "/" + a);
          assertThat(n.path("errors").path(a).asText(), containsString("rejects " + id));
          assertThat(n.path(a).isNull(), is(true));
        } else {
          assertThat(l, n.path(a).isNull(), is(false));
        }
      }
    }
    assertThat(expected.isEmpty(), is(false));
    assertThat(got, equalTo(expected));
    assertThat(number(r, "dead_letters"), is((long) expected.size()));
    assertThat(number(r, "partial"), is(partial));
    assertThat(number(r, "retries"), is(0L)); // a permanent failure is not retried
  }

  /** The service's log of the run that {@code run} makes, found by its new run id. */
  static SimulatedService.Calls logOf(Runnable run) {
    Set<String> before = SimulatedService.runIds();
    run.run();
    Set<String> added = new TreeSet<>(SimulatedService.runIds());
    added.removeAll(before);
    assertThat("one new run in this JVM", added.size(), is(1));
    return SimulatedService.calls(added.iterator().next());
  }

  @Test
  public void slowCallsAreCutOffCountedAndRetried() throws IOException {
    CapturedRun[] r = new CapturedRun[1];
    SimulatedService.Calls log =
        logOf(() -> r[0] = analyze("slow", "--slowRate=0.1", "--timeoutMillis=150"));
    assertThat(r[0].err(), r[0].result().exitCode(), is(0));
    // a slow first attempt lasts the timeout and 501 ms more: it is cut off whatever the load, and
    // retried. A call that is not slow may be cut off too on a busy machine, so the counts are
    // checked as the identities that hold either way, not as a number that depends on timing.
    SimulatedService.Faults f = new SimulatedService.Faults(7, 1, 150, 0, 0, 0.1);
    long slow = 0;
    for (String a : AnalyzeJob.ANALYSES) {
      SimulatedService s = new SimulatedService(a, t -> t, "x", f);
      for (String id : ids) {
        if (s.slow(id)) {
          slow++;
          assertThat(a + " " + id + " was tried again", log.attempts(a, id), greaterThan(1));
        }
      }
    }
    assertThat(slow, greaterThan(0L));
    long timeouts = number(r[0], "timeouts");
    long retries = number(r[0], "retries");
    long gaveUp = number(r[0], "dead_letters");
    assertThat(timeouts, greaterThanOrEqualTo(slow));
    // every failed attempt here is a timeout: it is retried, or it was the last attempt of a call
    assertThat(timeouts, is(retries + gaveUp));
    assertThat(number(r[0], "attempts"), is(3L * ids.size() + retries));
    // the documents whose calls all came back are as in the clean run
    List<String> cleanLines = clean.lines().toList();
    List<String> lines = Files.readAllLines(out("slow").resolve("results.jsonl"));
    assertThat(lines.size(), is(cleanLines.size()));
    long errors = 0;
    for (int i = 0; i < lines.size(); i++) {
      JsonNode n = JSON.readTree(lines.get(i));
      errors += n.path("errors").size();
      if (n.path("errors").size() == 0) {
        assertThat(lines.get(i), equalTo(cleanLines.get(i)));
      }
    }
    assertThat(errors, is(gaveUp));
  }

  @Test
  public void theThreeAnalysesShareOneBudgetOfCallsInFlight() {
    CapturedRun[] r = new CapturedRun[1];
    SimulatedService.Calls log =
        logOf(
            () ->
                r[0] =
                    run(
                        "--input=" + docs,
                        "--output=" + out("inflight"),
                        "--maxInFlight=3",
                        "--latencyMillis=10"));
    assertThat(r[0].err(), r[0].result().exitCode(), is(0));
    // the sum over the three analyses, as the service saw its calls, not each analysis's own
    assertThat(log.maxRunning(), lessThanOrEqualTo(3));
    assertThat(number(r[0], "max_in_flight"), lessThanOrEqualTo(3L));
    // what the transform counted as running is what the service saw, at most
    assertThat(number(r[0], "max_running"), lessThanOrEqualTo(3L));
    assertThat(number(r[0], "max_running"), greaterThan(0L));
    // not one analysis after the other: calls of different analyses were in flight together,
    // so the bound above is the shared one
    assertThat(log.maxAnalysesRunning(), greaterThan(1));
    assertThat(log.maxRunning(), greaterThan(1));
  }

  @Test
  public void callsStartNoFasterThanTheRateAllows() {
    int rate = 100;
    int maxInFlight = 4;
    CapturedRun[] r = new CapturedRun[1];
    SimulatedService.Calls log =
        logOf(
            () ->
                r[0] =
                    analyze(
                        "rate",
                        "--ratePerSecond=" + rate,
                        "--maxInFlight=" + maxInFlight,
                        "--transientFailureRate=0.2"));
    assertThat(r[0].err(), r[0].result().exitCode(), is(0));
    List<Long> starts = log.starts();
    // an attempt cut off before the service saw it is not there, so at most the attempts
    assertThat((long) starts.size(), lessThanOrEqualTo(number(r[0], "attempts")));
    // what withRateLimit promises for any window of w seconds, counted from the service's own
    // record of when each call started (retries included): at most rate * w + 1 starts, and
    // maxInFlight more for calls that started late. More calls than one window allows were
    // made, so a run without the limit (all of them within a few milliseconds) fails this.
    for (double w : List.of(0.25, 0.5, 1.0)) {
      long allowed = (long) Math.floor(rate * w) + 1 + maxInFlight;
      assertThat((long) starts.size(), greaterThan(allowed));
      long window = (long) (w * 1e9);
      int last = 0;
      for (int first = 0; first < starts.size(); first++) {
        while (last < starts.size() && starts.get(last) - starts.get(first) < window) {
          last++;
        }
        assertThat(
            "calls started in " + w + " s", (long) (last - first), lessThanOrEqualTo(allowed));
      }
    }
  }

  @Test
  public void badLinesAreDeadLettersAndTheCountsAddUp() throws IOException {
    Path in = tmp.getRoot().toPath().resolve("bad.jsonl");
    Files.writeString(
        in,
        String.join(
            "\n",
            "\uFEFF{\"id\":\"a\",\"text\":\"Paris was great.\"}",
            "{\"id\":\"b\",\"text\":",
            "[1,2]",
            "{\"text\":\"no id\"}",
            "",
            "{\"id\":\"c\",\"text\":7}",
            "{\"id\":\"d\",\"text\":\"Berlin was slow.\"}",
            "{\"id\":\"e\",\"text\":\"one\"}{\"id\":\"f\",\"text\":\"two on a line\"}",
            "{\"id\":\"g\",\"text\":\"x\",\"id\":\"g2\"}",
            "{\"id\":\"\",\"text\":\"x\"}",
            ""));
    CapturedRun r = run("--input=" + in, "--output=" + out("bad"), "--latencyMillis=0");
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(number(r, "input_lines"), is(9L));
    assertThat(number(r, "documents"), is(2L));
    assertThat(number(r, "input_dead_letters"), is(7L));
    List<String> dead = Files.readAllLines(out("bad").resolve("dead-letters.jsonl"));
    assertThat(dead.size(), is(7));
    assertThat(JSON.readTree(dead.get(0)).path("line").asInt(), is(2));
    assertThat(JSON.readTree(dead.get(0)).path("reason").asText(), startsWith("malformed JSON"));
    assertThat(JSON.readTree(dead.get(1)).path("reason").asText(), is("not a JSON object"));
    assertThat(JSON.readTree(dead.get(2)).path("reason").asText(), is("no string field id"));
    assertThat(JSON.readTree(dead.get(3)).path("line").asInt(), is(6));
    assertThat(JSON.readTree(dead.get(3)).path("reason").asText(), is("no string field text"));
    // two objects on a line, a key twice: the whole line is a dead letter, nothing silently lost
    assertThat(JSON.readTree(dead.get(4)).path("line").asInt(), is(8));
    assertThat(JSON.readTree(dead.get(4)).path("reason").asText(), startsWith("malformed JSON"));
    assertThat(JSON.readTree(dead.get(5)).path("reason").asText(), startsWith("malformed JSON"));
    assertThat(JSON.readTree(dead.get(6)).path("reason").asText(), is("empty id"));
    // the byte order mark before the first document is skipped, as the CSV jobs skip it
    List<String> results = Files.readAllLines(out("bad").resolve("results.jsonl"));
    assertThat(results.size(), is(2));
    assertThat(JSON.readTree(results.get(0)).path("id").asText(), is("a"));
    assertThat(r.out(), containsString("dead letters: 7 input lines in "));
    // 7 of 9 lines: the launcher's warning, as for every job
    assertThat(r.err(), containsString("warning: 7 of 9 records (77.8%) are dead letters"));
  }

  @Test
  public void duplicateIdsAndBadValuesAreMisuseBeforeAnythingIsWritten() throws IOException {
    Path in = tmp.getRoot().toPath().resolve("dup.jsonl");
    Files.writeString(
        in,
        "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"z\"}\n");
    CapturedRun dup = run("--input=" + in, "--output=" + out("dup"));
    assertThat(dup.result().exitCode(), is(2));
    assertThat(dup.err(), containsString("id 'a' is on line 1 and again on line 3"));
    assertThat(Files.exists(out("dup")), is(false));
    for (String bad :
        List.of(
            "--maxAttempts=0",
            "--transientFailureRate=-0.1",
            "--permanentFailureRate=1.5",
            "--ratePerSecond=-1",
            "--maxInFlight=0",
            "--timeoutMillis=0")) {
      CapturedRun r = run("--input=" + docs, "--output=" + out("never"), bad);
      assertThat(bad, r.result().exitCode(), is(2));
      String option = bad.substring(0, bad.indexOf('='));
      assertThat(r.err(), startsWith("error: " + option));
      assertThat(Files.exists(out("never")), is(false));
    }
  }

  @Test
  public void embeddedFlinkWritesTheSameBytes() throws IOException {
    CapturedRun r =
        analyze(
            "flink",
            "--runner=FlinkRunner",
            "--parallelism=2",
            "--transientFailureRate=0.3",
            "--maxAttempts=4",
            "--entityDetails=true");
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(Files.readString(out("flink").resolve("results.jsonl")), equalTo(clean));
    checkTimeline(out("flink"), r);
    assertThat(number(r, "retries"), greaterThan(0L));
    // Flink has no committed metrics: summary.json says the call figures are attempted ones
    assertThat(
        r.result().summary().get("attempted_metrics"),
        is("attempts,retries,timeouts,fallbacks,dead_letters,max_in_flight,max_running"));
    long mentions = 0;
    for (String l : clean.lines().toList()) {
      mentions += JSON.readTree(l).path("entities").size();
    }
    assertThat(number(r, "entity_lookups"), is(mentions));
    assertThat(
        (long) Files.readAllLines(out("flink").resolve("entities.jsonl")).size(),
        is(number(r, "entities")));
  }

  @Test
  public void everyEntityMentionIsAFollowUpLookupGatheredPerEntity() throws IOException {
    CapturedRun r = analyze("details", "--entityDetails=true", "--transientFailureRate=0.3");
    assertThat(r.err(), r.result().exitCode(), is(0));
    // the expected tasks: one per entity per document, from the results the first phase wrote
    Map<String, Long> mentions = new TreeMap<>();
    for (String l : clean.lines().toList()) {
      for (JsonNode e : JSON.readTree(l).path("entities")) {
        mentions.merge(e.path("name").asText(), 1L, Long::sum);
      }
    }
    List<String> lines = Files.readAllLines(out("details").resolve("entities.jsonl"));
    Map<String, Long> got = new TreeMap<>();
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      got.put(n.path("name").asText(), n.path("mentions").asLong());
      assertThat(
          l, n.path("type").asText(), equalTo(Analyses.GAZETTEER.get(n.path("name").asText())));
      assertThat(l, n.path("failed_lookups").asLong(), is(0L));
    }
    assertThat(got, equalTo(mentions));
    long tasks = mentions.values().stream().mapToLong(Long::longValue).sum();
    assertThat(number(r, "entity_lookups"), is(tasks));
    assertThat(number(r, "entities"), is((long) mentions.size()));
    // the first phase's results and counts are the same as without the follow-ups
    assertThat(Files.readString(out("details").resolve("results.jsonl")), equalTo(clean));
    assertThat(number(r, "attempts"), greaterThan(3L * ids.size() - 1));
    // a later run without the follow-ups replaces the results and removes entities.jsonl
    CapturedRun again = analyze("details", "--overwrite=true");
    assertThat(again.err(), again.result().exitCode(), is(0));
    assertThat(Files.exists(out("details").resolve("entities.jsonl")), is(false));
  }
}
