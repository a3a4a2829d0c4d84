package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.launcher.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Loud when much is lost: the warning above 1% dead letters, and --maxDeadLetterFraction. */
public class DeadLetterShareTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** {@code good} good records and {@code bad} records with a value that is not a number. */
  private Path input(int good, int bad) throws IOException {
    StringBuilder sb = new StringBuilder("k,v\n");
    for (int i = 0; i < good + bad; i++) {
      sb.append(i % 3 == 0 ? "a" : "b")
          .append(',')
          .append(i < good ? Integer.toString(i) : "x")
          .append('\n');
    }
    Path in = tmp.getRoot().toPath().resolve("in-" + good + "-" + bad + ".csv");
    Files.writeString(in, sb.toString());
    return in;
  }

  private static JobRun aggregate(Path in, Path out, String... extra) {
    String[] base = {"--input=" + in, "--keyColumn=k", "--valueColumn=v", "--output=" + out};
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private static List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  public void warnsOnStderrWhenMoreThanOnePercentAreDeadLetters() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun r = aggregate(input(8, 2), out);
    assertThat(r.err, r.exitCode, is(0));
    assertThat(
        r.err,
        equalTo(
            "warning: 2 of 10 records (20%) are dead letters, 6 of 44 input bytes (13.6%); see "
                + out.resolve("dead-letters.csv")
                + "\n"));
    assertThat(JobRun.summary(out).get("dead_letter_bytes"), equalTo("6"));
    assertThat(JobRun.summary(out).get("dead_letter_fraction"), equalTo("0.2"));
  }

  @Test
  public void quietAtOnePercentAndBelow() throws IOException {
    for (int[] gb : new int[][] {{99, 1}, {150, 1}, {10, 0}}) {
      Path out = tmp.getRoot().toPath().resolve("out-" + gb[0] + "-" + gb[1]);
      JobRun r = aggregate(input(gb[0], gb[1]), out);
      assertThat(r.err, r.exitCode, is(0));
      assertThat(gb[0] + " good, " + gb[1] + " bad", r.err, equalTo(""));
      assertThat(JobRun.summary(out).get("dead_letters"), equalTo(Integer.toString(gb[1])));
    }
    assertThat(
        JobRun.summary(tmp.getRoot().toPath().resolve("out-99-1")).get("dead_letter_fraction"),
        equalTo("0.01"));
    assertThat(
        JobRun.summary(tmp.getRoot().toPath().resolve("out-10-0")).get("dead_letter_fraction"),
        equalTo("0"));
  }

  @Test
  public void warningLine() {
    Path f = Paths.get("/o/dead-letters.csv");
    assertThat(
        RunReport.deadLetterWarning(1234, 100_000, 0, 5_000_000, f),
        equalTo(
            "warning: 1,234 of 100,000 records (1.2%) are dead letters; see /o/dead-letters.csv"));
    assertThat(RunReport.deadLetterWarning(1000, 100_000, 0, 5_000_000, f), nullValue());
    assertThat(
        RunReport.deadLetterWarning(1001, 100_000, 0, 5_000_000, f),
        equalTo(
            "warning: 1,001 of 100,000 records (1.001%) are dead letters; see /o/dead-letters.csv"));
    // few records but long ones: their bytes are more than 1% of the input
    assertThat(
        RunReport.deadLetterWarning(3, 100_000, 60_000, 5_000_000, f),
        equalTo(
            "warning: 3 of 100,000 records (0.003%) are dead letters, 60,000 of 5,000,000 input bytes (1.2%);"
                + " see /o/dead-letters.csv"));
    assertThat(RunReport.deadLetterWarning(3, 100_000, 50_000, 5_000_000, f), nullValue());
    assertThat(RunReport.deadLetterWarning(0, 0, 0, 4, f), nullValue());
  }

  @Test
  public void limitFailsTheJobAndPublishesNothing() throws IOException {
    Path in = input(8, 2);
    // earlier results in the output directory, replaced only by a run that succeeds
    Path out = tmp.getRoot().toPath().resolve("kept");
    Files.createDirectories(out);
    Files.writeString(out.resolve("results.csv"), "earlier results");
    Files.writeString(out.resolve("dead-letters.csv"), "earlier dead letters");
    Files.writeString(out.resolve("summary.json"), "earlier summary");
    List<String> before = tree(out);
    JobRun r = aggregate(in, out, "--overwrite=true", "--maxDeadLetterFraction=0.1");
    assertThat(r.exitCode, is(1));
    assertThat(
        r.err,
        equalTo(
            "error: job failed: 2 of 10 records (20%) are dead letters, more than "
                + "--maxDeadLetterFraction=0.1 allows (at most 1); nothing was published\n"));
    assertThat(r.out, equalTo(""));
    assertThat("no staging, no lock file left", tree(out), equalTo(before));
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo("earlier results"));
    assertThat(JobRun.read(out.resolve("summary.json")), equalTo("earlier summary"));

    Path fresh = tmp.getRoot().toPath().resolve("fresh");
    JobRun f = aggregate(in, fresh, "--maxDeadLetterFraction=0");
    assertThat(f.exitCode, is(1));
    assertThat(
        f.err,
        startsWith(
            "error: job failed: 2 of 10 records (20%) are dead letters, more than "
                + "--maxDeadLetterFraction=0 allows (at most 0)"));
    assertThat("the output directory the run created is gone", Files.exists(fresh), is(false));
  }

  @Test
  public void limitAllowsUpToTheFraction() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun r = aggregate(input(8, 2), out, "--maxDeadLetterFraction=0.2");
    assertThat(r.err, r.exitCode, is(0));
    assertThat("still warned", r.err, containsString("warning: 2 of 10 records (20%)"));
    assertThat(JobRun.summary(out).get("dead_letters"), equalTo("2"));
    Path none = tmp.getRoot().toPath().resolve("none");
    JobRun z = aggregate(input(10, 0), none, "--maxDeadLetterFraction=0");
    assertThat(z.err, z.exitCode, is(0));
  }
}
