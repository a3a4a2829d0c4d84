package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.JobRun;
import dev.parabeam.pipelines.Main;
import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.groupby.GroupByJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The shared launcher's typed result, and the command list every job is registered in. */
public class LauncherTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /**
   * Beam checks every registered options interface against the others: one property with two
   * different {@code @Default}s in one JVM is refused for every job registered after it (as a test
   * JVM, or an embedding program, registers them all).
   */
  @Test
  public void everyJobsOptionsRegisterTogetherInOneJvm() {
    for (Job<?> job : Main.JOBS) {
      PipelineOptionsFactory.register(job.optionsClass());
    }
    for (Job<?> job : Main.JOBS) {
      assertThat(
          job.name(),
          PipelineOptionsFactory.fromArgs("--output=x").as(job.optionsClass()).getOutput(),
          is("x"));
    }
  }

  @Test
  public void aRunShowsTheFirstRowsOfItsResultsAndHowManyThereAre() throws Exception {
    Path results = tmp.getRoot().toPath().resolve("results.csv");
    StringBuilder csv = new StringBuilder("key,count\n");
    for (int i = 0; i < 7; i++) {
      csv.append("k").append(i).append(',').append(i + 1).append('\n');
    }
    Files.writeString(results, csv);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunReport.printPreview(results, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(
        bytes.toString(StandardCharsets.UTF_8),
        equalTo(
            "results.csv (7 rows):\n  key,count\n  k0,1\n  k1,2\n  k2,3\n  k3,4\n  k4,5\n  ...\n"));

    Files.writeString(results, "key,count\nonly,1\n");
    bytes.reset();
    RunReport.printPreview(results, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(
        bytes.toString(StandardCharsets.UTF_8),
        equalTo("results.csv (1 row):\n  key,count\n  only,1\n"));
  }

  private final Path td = JobRun.testdata();

  private static JobResult execute(ChunkedJob<?> job, String... args) {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return Launcher.execute(job, args, quiet, quiet);
  }

  @Test
  public void executeReturnsTheSummaryItWrote() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobResult r =
        execute(
            AggregateJob.INSTANCE,
            "--input=" + td.resolve("malformed/bad.csv"),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--maxRecordBytes=200",
            "--output=" + out);
    assertThat(r.exitCode(), is(0));
    Map<String, String> written = JobRun.summary(out);
    assertThat(Long.toString(r.recordsRead()), equalTo(written.get("records_read")));
    assertThat(Long.toString(r.recordsOk()), equalTo(written.get("records_ok")));
    assertThat(Long.toString(r.deadLetters()), equalTo(written.get("dead_letters")));
    assertThat(Long.toString(r.keys()), equalTo(written.get("keys")));
    assertThat(r.recordsRead(), is(r.recordsOk() + r.deadLetters()));
    assertThat(r.summary().get("work"), equalTo("none"));
  }

  @Test
  public void aFailedRunHasAnExitCodeAndNoSummary() {
    JobResult r =
        execute(
            GroupByJob.INSTANCE,
            "--input=" + td.resolve("sample/sales.csv"),
            "--keyColumns=region",
            "--aggregations=count,median(amount)",
            "--output=" + tmp.getRoot().toPath().resolve("none"));
    assertThat(r.exitCode(), is(2));
    assertThrows(IllegalStateException.class, r::summary);
  }

  @Test
  public void theUsageListsEveryRegisteredCommandAndOnlyThose() {
    String usage = Main.usage();
    for (Main.Command c : Main.COMMANDS) {
      assertThat(usage, containsString("  " + c.name() + " "));
      assertThat(usage, containsString(c.summary()));
      assertThat(Main.command(c.name()).isPresent(), is(true));
    }
    assertThat(Main.command("notacommand").isPresent(), is(false));
    long listed = usage.lines().filter(l -> l.matches("  [a-z][a-z-]* +\\S.*")).count();
    assertThat(listed, is((long) Main.COMMANDS.size()));
  }

  /**
   * Every command answers --help with exit 0: jobs with their options, the others with their lines
   * of the list.
   */
  @Test
  public void everyCommandAnswersHelp() {
    PrintStream saved = System.out;
    for (Main.Command c : Main.COMMANDS) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      int rc;
      try {
        rc =
            c.name().equals("cluster")
                ? Main.run(new String[] {c.name(), "start", "--help"})
                : Main.run(new String[] {c.name(), "--help"});
      } finally {
        System.setOut(saved);
      }
      assertThat(c.name(), rc, is(0));
      assertThat(
          c.name(),
          buf.toString(StandardCharsets.UTF_8),
          containsString("usage: run.sh " + c.name()));
    }
  }
}
