package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import dev.parabeam.pipelines.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Many keys in a small heap, in the bundled jar's own JVM: 1M generated rows with about half a
 * million products aggregate at {@code -Xmx256m} to the plain-Java baseline's bytes (the units
 * spill sorted runs, the partitions merge them); the run files are gone after the run, after
 * SIGTERM in the middle of it, and after an out-of-memory error, which is one {@code error:} line,
 * exit 1, nothing published.
 */
public class ManyKeysIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path work;
  private static Path input;

  @BeforeClass
  public static void generate() throws Exception {
    work = TMP.getRoot().toPath();
    input = work.resolve("many-keys.csv");
    JarProcess.ok(
        work,
        "generate",
        300,
        "generate",
        "--rows=1000000",
        "--products=700000",
        "--output=" + input);
  }

  private static String[] aggregate(Path out, String... more) {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                "aggregate",
                "--input=" + input,
                "--keyColumn=product",
                "--valueColumn=amount",
                "--targetParallelism=4",
                "--output=" + out));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  @Test
  public void halfAMillionKeysAt256mMatchTheBaseline() throws Exception {
    Path out = work.resolve("spilled");
    long t0 = System.nanoTime();
    JarProcess r =
        JarProcess.finish(
            JarProcess.start(List.of("-Xmx256m"), work, "many-keys", aggregate(out)),
            work,
            "many-keys",
            t0,
            600);
    assertThat(r.err + r.out, r.exit, is(0));
    Matcher keys = Pattern.compile("\"keys\": (\\d+)").matcher(r.out);
    assertThat(r.out, keys.find(), is(true));
    assertThat("keys", Long.parseLong(keys.group(1)), greaterThan(400_000L));
    Matcher runs = Pattern.compile("\"run_files\": (\\d+)").matcher(r.out);
    assertThat(r.out, runs.find(), is(true));
    assertThat("the units spilled", Long.parseLong(runs.group(1)), greaterThan(0L));
    assertThat(leftovers(out), is(List.of()));

    Path baseline = work.resolve("baseline.csv");
    JarProcess.ok(
        work,
        "baseline",
        600,
        "baseline",
        "--input=" + input,
        "--keyColumn=product",
        "--valueColumn=amount",
        "--output=" + baseline);
    JarProcess.assertSameBytes(baseline, out.resolve("results.csv"));
  }

  @Test
  public void aRunStoppedWhileSpillingLeavesNoRunFiles() throws Exception {
    Path out = work.resolve("stopped");
    long t0 = System.nanoTime();
    Process p =
        JarProcess.start(
            List.of("-Xmx256m"), work, "stopped", aggregate(out, "--memoryBudget=256k"));
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (System.nanoTime() < deadline && p.isAlive() && !spilled(out)) {
      Thread.sleep(20);
    }
    assertThat("the run never wrote a run file", spilled(out), is(true));
    p.destroy(); // SIGTERM, as Ctrl-C
    JarProcess r = JarProcess.finish(p, work, "stopped", t0, 120);
    assertThat(r.exit, not(is(0)));
    assertThat(r.err, containsString("stopped: the run was interrupted; nothing was published"));
    assertThat("the directory this run made is gone", Files.exists(out), is(false));
  }

  @Test
  public void runningOutOfHeapIsOneErrorLineAndLeavesNothing() throws Exception {
    Path out = work.resolve("oom");
    // a budget far above the heap: the units keep every key in memory until the heap runs out
    JarProcess r =
        JarProcess.finish(
            JarProcess.start(List.of("-Xmx64m"), work, "oom", aggregate(out, "--memoryBudget=8g")),
            work,
            "oom",
            System.nanoTime(),
            600);
    assertThat(r.err, r.exit, is(1));
    assertThat(
        r.err, matchesPattern("error: (job failed: )?out of memory \\(Java heap space\\)[^\n]*\n"));
    assertThat("the directory this run made is gone", Files.exists(out), is(false));
  }

  private static boolean spilled(Path out) throws Exception {
    if (!Files.isDirectory(out)) {
      return false;
    }
    try (Stream<Path> s = Files.walk(out)) {
      return s.anyMatch(f -> f.getFileName().toString().endsWith(".run"));
    } catch (java.io.UncheckedIOException e) {
      return false; // a file went while walking
    }
  }

  /** What is left in {@code out} beside the outputs. */
  private static List<String> leftovers(Path out) throws Exception {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(f -> f.getFileName().toString())
          .filter(n -> !JobRun.PUBLISHED.contains(n))
          .toList();
    }
  }
}
