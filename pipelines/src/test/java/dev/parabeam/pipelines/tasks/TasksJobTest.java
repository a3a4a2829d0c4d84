package dev.parabeam.pipelines.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.CapturedRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The {@code tasks} job through the launcher, on the DirectRunner and embedded Flink. */
public class TasksJobTest {
  @ClassRule public static TemporaryFolder tmp = new TemporaryFolder();

  static CapturedRun run(String... args) {
    return CapturedRun.of(TasksJob.INSTANCE, args);
  }

  static Path testdata() {
    Path p = Paths.get("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("testdata"))) {
      p = p.getParent();
    }
    return p.resolve("testdata");
  }

  static List<CSVRecord> rows(Path f) throws IOException {
    try (CSVParser p =
        CSVParser.parse(
            f,
            StandardCharsets.UTF_8,
            CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())) {
      return p.getRecords();
    }
  }

  /** An input task as the test reads it from the file, independently of the job. */
  record Spec(String id, int priority, String fail) {}

  static Map<String, Spec> specs(Path input) throws IOException {
    Map<String, Spec> m = new TreeMap<>();
    for (CSVRecord r : rows(input)) {
      m.put(r.get("id"), new Spec(r.get("id"), Integer.parseInt(r.get("priority")), r.get("fail")));
    }
    return m;
  }

  /**
   * What must hold of a run's files: every task once, sorted by id, with the attempts its failure
   * mode asks for; attempts.csv agrees with tasks.csv; on each worker, attempts in priority order
   * with a task's retries together.
   */
  static void checkOutputs(Path out, Map<String, Spec> input, int workers, int maxAttempts)
      throws IOException {
    List<CSVRecord> tasks = rows(out.resolve("tasks.csv"));
    assertThat(
        Files.readAllLines(out.resolve("tasks.csv")).get(0),
        is("id,priority,worker,attempts,start_ms,end_ms,outcome,error"));
    List<String> ids = tasks.stream().map(r -> r.get("id")).toList();
    List<String> sorted = new ArrayList<>(input.keySet());
    sorted.sort(
        (a, b) ->
            a.matches("[0-9]+") && b.matches("[0-9]+")
                ? Long.compare(Long.parseLong(a), Long.parseLong(b))
                : a.compareTo(b));
    assertThat("each task once, by id", ids, equalTo(sorted));
    Map<String, CSVRecord> byId = new HashMap<>();
    for (CSVRecord r : tasks) {
      byId.put(r.get("id"), r);
      Spec s = input.get(r.get("id"));
      int n = Integer.parseInt(r.get("attempts"));
      assertThat(Integer.parseInt(r.get("priority")), is(s.priority()));
      assertThat(Integer.parseInt(r.get("worker")), lessThan(workers));
      String fail = s.fail();
      String outcome = r.get("outcome");
      if (fail.equals("none")) {
        assertThat(s.id(), n, is(1));
        assertThat(outcome, is("succeeded"));
        assertThat(r.get("error"), is(""));
      } else if (fail.startsWith("transient:")) {
        int k = Integer.parseInt(fail.substring(10));
        assertThat(s.id(), n, is(Math.min(k + 1, maxAttempts)));
        assertThat(outcome, is(k < maxAttempts ? "succeeded" : "failed"));
      } else {
        assertThat(s.id(), n, is(maxAttempts));
        assertThat(outcome, is("failed"));
        assertThat(
            r.get("error"),
            is(
                fail.equals("permanent")
                    ? "IllegalStateException: permanent failure"
                    : "TaskCrash: the task crashed"));
      }
    }
    Map<Integer, List<CSVRecord>> byWorker = new TreeMap<>();
    List<CSVRecord> attempts = rows(out.resolve("attempts.csv"));
    for (CSVRecord a : attempts) {
      byWorker.computeIfAbsent(Integer.parseInt(a.get("worker")), w -> new ArrayList<>()).add(a);
    }
    Map<String, Integer> attemptsOf = new HashMap<>();
    for (List<CSVRecord> log : byWorker.values()) {
      for (int i = 0; i < log.size(); i++) {
        CSVRecord a = log.get(i);
        assertThat("attempts.csv by worker, then seq", Integer.parseInt(a.get("seq")), is(i));
        CSVRecord task = byId.get(a.get("id"));
        assertThat(a.get("worker"), is(task.get("worker")));
        attemptsOf.merge(a.get("id"), 1, Integer::sum);
        assertThat(Integer.parseInt(a.get("attempt")), is(attemptsOf.get(a.get("id"))));
        if (i > 0) {
          CSVRecord b = log.get(i - 1);
          assertThat(
              "priority order on worker " + a.get("worker"),
              input.get(a.get("id")).priority(),
              greaterThanOrEqualTo(input.get(b.get("id")).priority()));
          assertThat(
              Long.parseLong(a.get("start_ms")),
              greaterThanOrEqualTo(Long.parseLong(b.get("end_ms"))));
          if (!a.get("id").equals(b.get("id"))) {
            assertThat(
                "retries before the next task",
                attemptsOf.get(b.get("id")),
                is(Integer.parseInt(byId.get(b.get("id")).get("attempts"))));
          }
        }
      }
    }
    for (CSVRecord t : tasks) {
      assertThat(attemptsOf.get(t.get("id")), is(Integer.parseInt(t.get("attempts"))));
    }
    // the timeline: a bar per attempt, on its worker's lane, from its start to its end
    List<CSVRecord> bars = rows(out.resolve("timeline.csv"));
    assertThat(bars.size(), is(attempts.size()));
    java.util.Set<String> lanes = new java.util.HashSet<>();
    for (CSVRecord b : bars) {
      lanes.add(b.get("worker"));
    }
    java.util.Set<String> want = new java.util.HashSet<>();
    for (CSVRecord a : attempts) {
      want.add("worker " + a.get("worker"));
      assertThat(
          a.toString(),
          bars.stream()
              .anyMatch(
                  b ->
                      b.get("task").equals("task " + a.get("id") + " attempt " + a.get("attempt"))
                          && b.get("worker").equals("worker " + a.get("worker"))
                          && b.get("start_ms").equals(a.get("start_ms"))
                          && b.get("end_ms").equals(a.get("end_ms"))),
          is(true));
    }
    assertThat(lanes, equalTo(want));
    assertThat(number(summary(out), "timeline_workers").intValue(), is(lanes.size()));
    assertThat(Files.size(out.resolve("timeline.png")), greaterThan(1000L));
  }

  /** The number a summary.json gives for {@code name}. */
  static java.math.BigDecimal number(String summary, String name) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"" + name + "\": (-?[0-9.]+)").matcher(summary);
    assertThat(name + " in " + summary, m.find(), is(true));
    return new java.math.BigDecimal(m.group(1));
  }

  static String summary(Path out) throws IOException {
    return Files.readString(out.resolve("summary.json"));
  }

  @Test
  public void theBundledTasksOnTheDirectRunnerAndEmbeddedFlink() throws Exception {
    Path input = testdata().resolve("tasks/tasks.csv");
    Map<String, Spec> specs = specs(input);
    for (String runner : List.of("DirectRunner", "FlinkRunner")) {
      Path out = tmp.getRoot().toPath().resolve("bundled-" + runner);
      CapturedRun r = run("--output=" + out, "--runner=" + runner);
      assertThat(r.err(), r.result().exitCode(), is(0));
      checkOutputs(out, specs, 4, 3);
      String s = summary(out);
      assertThat(s, containsString("\"tasks\": 36,"));
      assertThat(s, containsString("\"runner\": \"" + runner + "\""));
      assertThat(s, containsString("\"workers\": 4,"));
      // fails: 18 (permanent), 24 (error), 12 (transient:3 with 3 attempts)
      assertThat(s, containsString("\"failed\": 3,"));
      assertThat(s, containsString("\"succeeded\": 33,"));
      assertThat(s, containsString("\"wait_ms_mean_p1\": "));
      assertThat(s, containsString("\"wait_ms_max_p3\": "));
      // the waits after the first task's start are the waits less first_start_ms
      java.math.BigDecimal first = number(s, "first_start_ms");
      for (int p = 1; p <= 3; p++) {
        assertThat(
            number(s, "wait_after_first_start_ms_mean_p" + p),
            is(number(s, "wait_ms_mean_p" + p).subtract(first)));
        assertThat(
            number(s, "wait_after_first_start_ms_max_p" + p),
            is(number(s, "wait_ms_max_p" + p).subtract(first)));
      }
      assertThat(Files.readAllLines(out.resolve("dead-letters.csv")).size(), is(1));
      assertThat(r.out(), containsString("tasks.csv (36 tasks, 3 failed on 4 workers):"));
    }
  }

  @Test
  public void aRunnersOwnParallelismOptionOverridesTheJobsDefaultWorkers() throws Exception {
    Path input = testdata().resolve("tasks/tasks.csv");
    Path out = tmp.getRoot().toPath().resolve("target-parallelism");
    CapturedRun r = run("--output=" + out, "--targetParallelism=2");
    assertThat(r.err(), r.result().exitCode(), is(0));
    checkOutputs(out, specs(input), 2, 3);
    assertThat(summary(out), containsString("\"workers\": 2,"));
  }

  @Test
  public void randomTaskSetsFromASeededGenerator() throws Exception {
    String[] fails = {
      "none", "none", "transient:1", "transient:2", "transient:4", "permanent", "error"
    };
    Random rnd = new Random(2525);
    int[][] shapes = {{1, 2}, {3, 3}, {5, 4}};
    for (int[] shape : shapes) {
      int workers = shape[0];
      int maxAttempts = shape[1];
      StringBuilder sb = new StringBuilder("fail,millis,kind,priority,id\n");
      int n = 10 + rnd.nextInt(30);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      java.util.Collections.shuffle(order, rnd);
      for (int i : order) {
        sb.append(fails[rnd.nextInt(fails.length)])
            .append(',')
            .append(rnd.nextInt(6))
            .append(',')
            .append(rnd.nextBoolean() ? "sleep" : "cpu")
            .append(',')
            .append(1 + rnd.nextInt(4))
            .append(',')
            .append(rnd.nextInt(4) == 0 ? "t" + i : Integer.toString(i * 7))
            .append('\n');
      }
      Path in = tmp.getRoot().toPath().resolve("random-" + workers + ".csv");
      Files.writeString(in, sb);
      Path out = tmp.getRoot().toPath().resolve("random-out-" + workers);
      CapturedRun r =
          run(
              "--input=" + in,
              "--output=" + out,
              "--workers=" + workers,
              "--maxAttempts=" + maxAttempts);
      assertThat(r.err(), r.result().exitCode(), is(0));
      checkOutputs(out, specs(in), workers, maxAttempts);
      assertThat(summary(out), containsString("\"tasks\": " + n + ","));
    }
  }

  @Test
  public void badRecordsAreDeadLettersWithLineAndReason() throws Exception {
    Path input = testdata().resolve("tasks/bad.csv");
    Path out = tmp.getRoot().toPath().resolve("bad");
    CapturedRun r = run("--input=" + input, "--output=" + out, "--workers=2");
    assertThat(r.err(), r.result().exitCode(), is(0));
    List<CSVRecord> dead = rows(out.resolve("dead-letters.csv"));
    List<String> got = new ArrayList<>();
    for (CSVRecord d : dead) {
      assertThat(d.get("file"), is(input.toString()));
      got.add(d.get("line") + " " + d.get("reason") + " | " + d.get("record"));
    }
    assertThat(
        got,
        equalTo(
            List.of(
                "3 priority must be an integer, not 'high' | b,high,sleep,5,none",
                "4 unknown kind 'walk' (sleep or cpu) | c,2,walk,5,none",
                "5 fail must be none, transient:K, permanent or error, not 'sometimes'"
                    + " | d,2,sleep,5,sometimes",
                "6 millis must be an integer, not '5.5' | e,2,sleep,5.5,none",
                "7 duplicate id 'a' (first at bad.csv:2) | a,3,sleep,5,none",
                "8 millis must not be negative, got -1 | f,3,cpu,-1,none",
                "9 expected at least 5 fields, got 3 | g,3,sleep")));
    List<String> ids = rows(out.resolve("tasks.csv")).stream().map(t -> t.get("id")).toList();
    assertThat(ids, equalTo(List.of("a", "h")));
    String s = summary(out);
    assertThat(s, containsString("\"dead_letters\": 7,"));
    assertThat(r.err(), containsString("warning: "));
    // the launcher's dead-letter limit holds for this job too
    Path limited = tmp.getRoot().toPath().resolve("bad-limited");
    CapturedRun l = run("--input=" + input, "--output=" + limited, "--maxDeadLetterFraction=0.5");
    assertThat(l.result().exitCode(), is(1));
    assertThat(Files.exists(limited), is(false));
  }

  private static void assertMisuse(CapturedRun r, String part, Path out) throws IOException {
    assertThat(r.out(), r.result().exitCode(), is(2));
    assertThat(r.err(), startsWith("error: "));
    assertThat(r.err(), r.err().strip().lines().count(), is(1L));
    assertThat(r.err(), containsString(part));
    assertThat(r.out(), is(""));
    if (Files.isDirectory(out)) {
      try (Stream<Path> s = Files.list(out)) {
        assertThat(
            s.map(p -> p.getFileName().toString()).sorted().toList(), equalTo(List.of("keep")));
      }
    } else {
      assertThat(Files.exists(out), is(false));
    }
  }

  @Test
  public void misuseIsOneErrorLineAndNothingWritten() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("misuse-out");
    assertMisuse(
        run("--input=" + tmp.getRoot() + "/none.csv", "--output=" + out), "is not a file", out);
    assertMisuse(run("--output=" + out, "--workers=0"), "--workers must be at least 1", out);
    assertMisuse(
        run("--output=" + out, "--maxAttempts=0"), "--maxAttempts must be at least 1", out);
    Path noColumn = tmp.getRoot().toPath().resolve("no-column.csv");
    Files.writeString(noColumn, "id,priority,kind,millis\n1,1,sleep,5\n");
    assertMisuse(run("--input=" + noColumn, "--output=" + out), "has no column 'fail'", out);
    Path empty = tmp.getRoot().toPath().resolve("empty.csv");
    Files.writeString(empty, "");
    assertMisuse(run("--input=" + empty, "--output=" + out), "is empty", out);
    assertMisuse(run("--workers=2"), "--output", out);
    Path full = tmp.getRoot().toPath().resolve("full");
    Files.createDirectories(full);
    Files.writeString(full.resolve("keep"), "x");
    assertMisuse(run("--output=" + full), "--overwrite=true", full);
  }
}
