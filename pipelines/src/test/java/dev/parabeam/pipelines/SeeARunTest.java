package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.parabeam.pipelines.launcher.ChunkedRun;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.engine.LocalProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * What a run shows of itself, on the DirectRunner and embedded Flink: metrics.json whose counts add
 * up to summary.json's, the DOT graph naming every step of aggregate as the code names it, and
 * report.html with the counts, the graph, the timeline and the first rows; none of it published by
 * a failed run, and misuse of the new options is one error line.
 */
public class SeeARunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The steps of aggregate as ChunkedCsv, JobInput and WriteChunkedOutputs name them. */
  private static final List<String> STEPS =
      List.of(
          "PlanChunks",
          "ReadChunks",
          "ScanStates",
          "LocateRecords",
          "DistributeChunks",
          "ParseRecords",
          "WriteOutputs",
          "SplitByPartition",
          "GatherPartitions",
          "MergePartitions",
          "GatherResults",
          "WriteResults");

  private Path input() throws IOException {
    Path dir = tmp.newFolder().toPath();
    Random r = new Random(5);
    for (int f = 0; f < 2; f++) {
      StringBuilder sb = new StringBuilder("id,region,amount\n");
      for (int i = 0; i < 20_000; i++) {
        sb.append(i).append(",r").append(r.nextInt(30)).append(',');
        sb.append(i % 500 == 0 ? "n/a" : String.valueOf(r.nextInt(1000))).append('\n');
      }
      Files.writeString(dir.resolve("part-" + f + ".csv"), sb, StandardCharsets.UTF_8);
    }
    return dir;
  }

  private static long number(String json, String pattern) {
    Matcher m = Pattern.compile(pattern).matcher(json);
    assertThat(pattern + " in " + json, m.find(), is(true));
    return Long.parseLong(m.group(1));
  }

  private static long summaryField(String summary, String name) {
    return number(summary, "\"" + name + "\": ([0-9]+)");
  }

  private static long counter(String metrics, String name) {
    return number(metrics, "\"name\": \"" + name + "\", \"value\": ([0-9]+)");
  }

  /** Counters elements_in and elements_out of the step whose name holds {@code step}. */
  private static List<Long> elements(String metrics, String step) {
    List<Long> io = new java.util.ArrayList<>();
    for (String name : List.of("elements_in", "elements_out")) {
      io.add(
          number(
              metrics,
              "\"step\": \"[^\"]*"
                  + Pattern.quote(step)
                  + "[^\"]*\", \"namespace\": \"parabeam.step\", \"name\": \""
                  + name
                  + "\", \"value\": ([0-9]+)"));
    }
    return io;
  }

  private void check(String runner) throws IOException {
    Path out = tmp.getRoot().toPath().resolve("out-" + runner);
    // in a directory that does not exist yet: made, as the output's is
    Path dot = tmp.getRoot().toPath().resolve("graphs-" + runner).resolve("graph.dot");
    JobRun run =
        JobRun.aggregate(
            "--input=" + input(),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--chunkBytes=50000",
            "--launcherScanMaxBytes=0", // the record boundaries found in the pipeline
            "--workers=2",
            "--runner=" + runner,
            "--graph=" + dot,
            "--output=" + out);
    assertThat(run.err, run.exitCode, is(0));
    String summary = Files.readString(out.resolve("summary.json"), StandardCharsets.UTF_8);
    String metrics = Files.readString(out.resolve("metrics.json"), StandardCharsets.UTF_8);
    long read = summaryField(summary, "records_read");
    assertThat(read, equalTo(40_000L));
    assertThat(counter(metrics, "records_read"), equalTo(read));
    assertThat(counter(metrics, "records_ok"), equalTo(summaryField(summary, "records_ok")));
    assertThat(counter(metrics, "dead_letters"), equalTo(summaryField(summary, "dead_letters")));
    assertThat(counter(metrics, "dead_letters"), equalTo(80L));
    assertThat(counter(metrics, "chunks_parsed"), equalTo(summaryField(summary, "chunks")));
    long bytesParsed = counter(metrics, "bytes_parsed");
    assertThat(bytesParsed, lessThanOrEqualTo(summaryField(summary, "bytes")));
    assertThat(
        "all but the headers", bytesParsed, greaterThan(summaryField(summary, "bytes") - 40));
    // a distribution per unit: one value per unit, the records adding up
    assertThat(
        number(metrics, "\"name\": \"unit_records\", \"count\": ([0-9]+)"),
        equalTo(summaryField(summary, "units")));
    assertThat(
        number(metrics, "\"name\": \"unit_records\", \"count\": [0-9]+, \"sum\": ([0-9]+)"),
        equalTo(read));
    assertThat(run.out, containsString("metrics (Beam, "));
    // each engine step's elements in and out: chunks through the scan and the parse, one result
    // per unit (a unit of many keys sends several), a row per key out of the merge
    long chunks = summaryField(summary, "chunks");
    assertThat(elements(metrics, "ScanStates"), equalTo(List.of(chunks, chunks)));
    assertThat(elements(metrics, "LocateRecords"), equalTo(List.of(chunks, chunks)));
    List<Long> parse = elements(metrics, "ParseRecords");
    assertThat(parse.get(0), equalTo(chunks));
    assertThat(parse.get(1), equalTo(summaryField(summary, "units")));
    assertThat(elements(metrics, "SplitByPartition").get(0), equalTo(parse.get(1)));
    List<Long> merge = elements(metrics, "MergePartitions");
    assertThat(merge.get(1), equalTo(summaryField(summary, "keys")));
    assertThat(merge.get(1), equalTo(30L));
    assertThat(run.out, containsString("elements"));

    String graph = Files.readString(dot, StandardCharsets.UTF_8);
    assertThat(graph, containsString("digraph pipeline {"));
    for (String step : STEPS) {
      assertThat("the graph names " + step, graph, containsString("label=\"" + step + "\""));
    }
    assertThat(run.err, containsString("graph: " + dot));

    String page = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
    assertThat(page, containsString("<th>records_read</th><td class=\"n\">40000</td>"));
    assertThat(page, containsString("data:image/png;base64,"));
    assertThat("80 of 40,000 is under 1%: no warning", page, containsString("<p>None.</p>"));
    assertThat(page, containsString("<h2>results.csv</h2>"));
    assertThat(page, containsString("<h2>dead-letters.csv</h2>"));
    assertThat(page, containsString("amount: not a number: &#39;n/a&#39;".replace("&#39;", "'")));
    // the graph: Graphviz's SVG where dot is installed (.ci/run installs it), else the note
    assertThat(
        page.contains("<svg") || page.contains("Graphviz's dot is not on the PATH"), is(true));
  }

  @Test
  public void directRunner() throws IOException {
    check("DirectRunner");
  }

  @Test
  public void embeddedFlink() throws IOException {
    check("FlinkRunner");
  }

  @Test
  public void aFailedRunPublishesNoneOfIt() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("failed");
    JobRun run =
        JobRun.aggregate(
            "--input=" + input(),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--maxDeadLetterFraction=0.001",
            "--output=" + out);
    assertThat(run.exitCode, is(1));
    for (String f : List.of("metrics.json", "report.html", "timeline.csv", "timeline.png")) {
      assertThat(f, Files.exists(out.resolve(f)), is(false));
    }
  }

  @Test
  public void misuseOfTheNewOptionsIsOneErrorLine() throws IOException {
    Path in = input();
    Path notADir = tmp.newFile("a-file").toPath();
    JobRun badGraph =
        JobRun.aggregate(
            "--input=" + in,
            "--keyColumn=region",
            "--valueColumn=amount",
            "--graph=" + notADir.resolve("g.dot"),
            "--output=" + tmp.getRoot().toPath().resolve("o1"));
    assertThat(badGraph.exitCode, is(2));
    assertThat(badGraph.err, containsString("error: --graph="));
    assertThat(badGraph.err.strip().lines().count(), equalTo(1L));
    JobRun badProgress =
        JobRun.aggregate(
            "--input=" + in,
            "--keyColumn=region",
            "--valueColumn=amount",
            "--progress=yes",
            "--output=" + tmp.getRoot().toPath().resolve("o2"));
    assertThat(badProgress.exitCode, is(2));
    assertThat(badProgress.err.strip(), equalTo("error: --progress=yes: give auto, on or off"));
    assertThat(Files.exists(tmp.getRoot().toPath().resolve("o1")), is(false));
  }

  /**
   * While a run is in flight its workers in this JVM count the bytes they parse for the progress
   * bar (Beam's metrics give them per finished bundle, or on Flink only at the end): by the time
   * the pipeline is done the count is every chunk's bytes, on both in-process runners; and the run
   * forgets it once it finishes.
   */
  @Test
  public void workersInThisJvmCountTheirBytesForTheProgressBar() throws IOException {
    for (String runner : List.of("DirectRunner", "FlinkRunner")) {
      java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong(-2);
      java.util.concurrent.atomic.AtomicReference<String> key =
          new java.util.concurrent.atomic.AtomicReference<>();
      Launcher.beforeFinish =
          staging -> {
            key.set(staging.resolve(ChunkedRun.SPILL_DIR).toString());
            seen.set(LocalProgress.get(key.get()));
          };
      Path out = tmp.getRoot().toPath().resolve("progress-" + runner);
      JobRun run;
      try {
        run =
            JobRun.aggregate(
                "--input=" + input(),
                "--keyColumn=region",
                "--valueColumn=amount",
                "--chunkBytes=50000",
                "--workers=2",
                "--runner=" + runner,
                "--output=" + out);
      } finally {
        Launcher.beforeFinish = staging -> {};
      }
      assertThat(run.err, run.exitCode, is(0));
      String metrics = Files.readString(out.resolve("metrics.json"), StandardCharsets.UTF_8);
      assertThat(runner, seen.get(), equalTo(counter(metrics, "bytes_parsed")));
      assertThat("forgotten once the run finished", LocalProgress.get(key.get()), equalTo(-1L));
    }
  }
}
