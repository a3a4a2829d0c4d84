package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A job that fails while it runs, on the DirectRunner and on an embedded Flink: exit 1, one {@code
 * error: job failed: ...} line naming what failed (the file and the chunk), no staging directory
 * and no partial output left, and with {@code --overwrite=true} the earlier results untouched. The
 * failures are real ones, made between planning and the pipeline through the launcher's seam
 * ({@link AggregateJob#beforePipelineRun}): an input file truncated or removed after its chunks
 * were planned, and staging paths taken by something that cannot be written (a file where the
 * dead-letter directory goes, a directory where results.csv goes).
 */
public class JobFailureTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final String[] DIRECT = {"--runner=DirectRunner", "--targetParallelism=2"};
  private static final String[] FLINK = {"--runner=FlinkRunner", "--parallelism=2"};

  @After
  public void removeSeam() {
    Launcher.beforePipelineRun = staging -> {};
  }

  /** "k,v" and {@code n} records of 4 bytes ("a,1\n"), the last three of them bad. */
  private Path input(String name, int n) throws IOException {
    StringBuilder sb = new StringBuilder("k,v\n");
    for (int i = 0; i < n; i++) {
      sb.append(i >= n - 3 ? "b,x\n" : (char) ('a' + i % 3) + "," + i % 10 + "\n");
    }
    Path f = tmp.getRoot().toPath().resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
    return f;
  }

  private JobRun runFailing(
      Path in, Path out, Consumer<Path> seam, String[] runner, String... extra) {
    Launcher.beforePipelineRun = seam;
    String[] base = {"--input=" + in, "--keyColumn=k", "--valueColumn=v", "--output=" + out};
    String[] args = Stream.of(base, runner, extra).flatMap(Stream::of).toArray(String[]::new);
    // what the runners themselves print (their loggers write to System.err) reaches the user too
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream chatter = new ByteArrayOutputStream();
    JobRun r;
    try (PrintStream p = new PrintStream(chatter, true, StandardCharsets.UTF_8)) {
      System.setOut(p);
      System.setErr(p);
      r = JobRun.aggregate(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    assertThat(
        "printed by the runner besides the job's error line",
        chatter.toString(StandardCharsets.UTF_8),
        equalTo(""));
    return r;
  }

  /** Exit 1 and exactly one line on stderr, "error: job failed: ..."; returns that line. */
  private static String oneFailureLine(JobRun r) {
    assertThat("exit code; stderr: " + r.err, r.exitCode, is(1));
    List<String> lines = r.err.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertThat("one line on stderr: " + r.err, lines.size(), is(1));
    assertThat(lines.get(0), startsWith("error: job failed: "));
    assertThat("nothing on stdout", r.out, equalTo(""));
    return lines.get(0);
  }

  private static void truncate(Path f, long size) {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Every file under {@code dir} (relative path to bytes as text), hidden ones included. */
  private static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> !p.equals(dir)).collect(Collectors.toList())) {
        m.put(
            dir.relativize(p).toString() + (Files.isDirectory(p) ? "/" : ""),
            Files.isDirectory(p) ? "" : Files.readString(p, StandardCharsets.ISO_8859_1));
      }
    }
    return m;
  }

  /**
   * A file cut short after planning: the chunk that ends at the planned end of the file fails, and
   * the error names the file, the chunk and its byte range; fewer records are never counted
   * silently. The output directory the run created is gone again.
   */
  private void truncatedAfterPlanning(String[] runner, String scan) throws IOException {
    Path in = input("in/short.csv", 20); // 4 + 20 * 4 = 84 bytes
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun r = runFailing(in, out, staging -> truncate(in, 70), runner, "--chunkBytes=30", scan);
    String line = oneFailureLine(r);
    assertThat(
        line,
        matchesPattern(
            ".*chunk \\d+ of " + Pattern.quote(in.toString()) + " \\(bytes \\d+-84\\).*"));
    assertThat(line, containsString("the file shrank after the job planned its chunks"));
    assertThat("the output directory this run created", Files.exists(out), is(false));
  }

  @Test
  public void aFileTruncatedAfterPlanningFailsTheRunOnTheDirectRunner() throws IOException {
    truncatedAfterPlanning(DIRECT, "--launcherScanMaxBytes=1000");
  }

  @Test
  public void aFileTruncatedBeforeThePipelinesOwnScanFailsTheRun() throws IOException {
    truncatedAfterPlanning(DIRECT, "--launcherScanMaxBytes=0");
  }

  @Test
  public void aFileTruncatedAfterPlanningFailsTheRunOnEmbeddedFlink() throws IOException {
    truncatedAfterPlanning(FLINK, "--launcherScanMaxBytes=1000");
  }

  /** One of two files removed after planning: its chunks fail and the error names it. */
  private void removedAfterPlanning(String[] runner) throws IOException {
    input("in/a.csv", 10);
    Path gone = input("in/b.csv", 10);
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun r =
        runFailing(
            tmp.getRoot().toPath().resolve("in/*.csv"),
            out,
            staging -> {
              try {
                Files.delete(gone);
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            },
            runner,
            "--chunkBytes=16");
    String line = oneFailureLine(r);
    assertThat(
        line,
        matchesPattern(
            ".*chunk \\d+ of "
                + Pattern.quote(gone.toString())
                + " \\(bytes \\d+-\\d+\\): "
                + "(NoSuchFileException|FileNotFoundException).*"));
    assertThat(Files.exists(out), is(false));
  }

  @Test
  public void aFileRemovedAfterPlanningFailsTheRunOnTheDirectRunner() throws IOException {
    removedAfterPlanning(DIRECT);
  }

  @Test
  public void aFileRemovedAfterPlanningFailsTheRunOnEmbeddedFlink() throws IOException {
    removedAfterPlanning(FLINK);
  }

  /**
   * A write error inside a worker: where the chunks' dead-letter files go, a plain file stands, so
   * the chunk holding the bad records cannot write them. The earlier results of an {@code
   * --overwrite=true} run stay byte for byte, and nothing of the failed run is left.
   */
  private void writeErrorKeepsEarlierResults(String[] runner) throws IOException {
    Path in = input("in/data.csv", 20);
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun first =
        JobRun.aggregate("--input=" + in, "--keyColumn=k", "--valueColumn=v", "--output=" + out);
    assertThat(first.err, first.exitCode, is(0));
    Files.writeString(out.resolve("notes.txt"), "mine");
    Map<String, String> before = tree(out);
    assertThat(
        before.keySet(), equalTo(new TreeSet<>(JobRun.published(List.of("notes.txt"), List.of()))));

    JobRun r =
        runFailing(
            in,
            out,
            staging -> {
              try {
                Files.writeString(staging.resolve(Launcher.DEAD_LETTER_PARTS), "in the way");
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            },
            runner,
            "--overwrite=true",
            "--chunkBytes=40");
    String line = oneFailureLine(r);
    // the 3 bad records are the last 12 bytes: the chunk that ends at byte 84 holds them
    assertThat(
        line,
        matchesPattern(
            ".*chunk \\d+ of "
                + Pattern.quote(in.toString())
                + " \\(bytes \\d+-84\\): .*"
                + Pattern.quote(Launcher.DEAD_LETTER_PARTS)
                + ".*"));
    assertThat(
        "earlier results, byte for byte, and no staging directory or lock",
        tree(out),
        equalTo(before));
  }

  @Test
  public void aWriteErrorInAWorkerKeepsEarlierResultsOnTheDirectRunner() throws IOException {
    writeErrorKeepsEarlierResults(DIRECT);
  }

  @Test
  public void aWriteErrorInAWorkerKeepsEarlierResultsOnEmbeddedFlink() throws IOException {
    writeErrorKeepsEarlierResults(FLINK);
  }

  /** The fan-in cannot write results.csv (a directory stands there): the error names the file. */
  @Test
  public void aWriteErrorInTheFanInFailsTheRun() throws IOException {
    Path in = input("in/data.csv", 20);
    Path out = tmp.newFolder("out").toPath();
    JobRun r =
        runFailing(
            in,
            out,
            staging -> {
              try {
                Files.createDirectories(staging.resolve(Launcher.RESULTS).resolve("in-the-way"));
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            },
            DIRECT);
    String line = oneFailureLine(r);
    assertThat(line, containsString(Launcher.RESULTS));
    assertThat("an existing, empty output directory stays, empty", tree(out), equalTo(Map.of()));
  }
}
