package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.JobRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * One live run per output directory ({@code .parabeam.lock}); what a run that is gone leaves behind
 * (a staging directory, a lock file) never blocks the next one and is removed by it.
 */
public class OutputLockTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path sample = JobRun.testdata().resolve("sample/sales.csv");
  private Path out;
  private Process child;

  @Before
  public void setUp() {
    out = tmp.getRoot().toPath().resolve("out");
  }

  @After
  public void tearDown() throws InterruptedException {
    Launcher.beforeLock = dir -> {};
    Launcher.beforePipelineRun = staging -> {};
    if (child != null) {
      child.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }
  }

  private JobRun aggregate(String... extra) {
    String[] base = {
      "--input=" + sample, "--keyColumn=region", "--valueColumn=amount", "--output=" + out
    };
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }

  private void assertOnlyOutputs() throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      assertThat(
          s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()),
          equalTo(JobRun.PUBLISHED));
    }
    assertThat(
        JobRun.read(out.resolve("results.csv")),
        equalTo(JobRun.read(JobRun.testdata().resolve("expected/sample-results.csv"))));
  }

  private void assertInUse(JobRun r, String pid) {
    assertThat("stdout: " + r.out, r.exitCode, is(2));
    assertThat(r.err, startsWith("error: --output=" + out + " is in use by another run"));
    assertThat(r.err, containsString("(pid " + pid));
    assertThat(r.err.strip().lines().count(), is(1L));
    assertThat(r.out, equalTo(""));
  }

  /** Starts {@link HoldOutputLock} in its own JVM and waits until it holds the lock. */
  private Process holdLockInAnotherProcess() throws IOException {
    Process p = startHolder();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    assertThat("the lock-holding process said", line, equalTo("locked"));
    return p;
  }

  private Process startHolder() throws IOException {
    return new ProcessBuilder(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            HoldOutputLock.class.getName(),
            out.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  @Test
  public void leftoverStagingOfARunThatIsGoneDoesNotBlockAndIsRemoved() throws IOException {
    Path leftover = out.resolve(Launcher.STAGING_PREFIX + "0b5e2c7e-dead-4c0d-9a4e-000000000000");
    Files.createDirectories(leftover.resolve("dead-letter-parts"));
    Files.writeString(leftover.resolve("results.csv"), "partial");
    Files.writeString(leftover.resolve("dead-letter-parts/chunk-00000.csv"), "x,1,r,y\n");
    Files.writeString(
        out.resolve(OutputLock.FILE_NAME), "pid=999999\n"); // its lock file, no longer locked
    JobRun r = aggregate(); // no --overwrite: the leftovers are not results
    assertThat(r.err, r.exitCode, is(0));
    assertThat(r.err, equalTo(""));
    assertOnlyOutputs();
  }

  @Test
  public void aRunIsRefusedWhileAnotherProcessHoldsTheOutputAndProceedsOnceItIsKilled()
      throws Exception {
    child = holdLockInAnotherProcess();
    List<String> before = tree(out);
    assertInUse(aggregate(), Long.toString(child.pid()));
    assertInUse(aggregate("--overwrite=true"), Long.toString(child.pid()));
    assertThat("the refused runs wrote nothing", tree(out), equalTo(before));

    // kill -9: the OS releases the lock; the lock file and the staging directory stay behind
    child.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    child = null;
    assertThat(Files.exists(out.resolve(OutputLock.FILE_NAME)), is(true));
    assertThat(Files.isDirectory(out.resolve(Launcher.STAGING_PREFIX + "held-by-child")), is(true));
    JobRun r = aggregate();
    assertThat(r.err, r.exitCode, is(0));
    assertOnlyOutputs();
  }

  @Test
  public void aRunIsRefusedWhileThisJvmHoldsTheOutput() throws Exception {
    Files.createDirectories(out);
    try (OutputLock held = OutputLock.acquire(out, out.toString())) {
      List<String> before = tree(out);
      assertInUse(aggregate(), Long.toString(ProcessHandle.current().pid()));
      assertThat(tree(out), equalTo(before));
      // the refused run did not drop this JVM's lock (closing any descriptor of the file would)
      Process other = startHolder();
      other.getOutputStream().close();
      String said = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(other.waitFor(), is(3));
      assertThat(
          said, containsString("is in use by another run (pid " + ProcessHandle.current().pid()));
    }
    assertThat("closing the lock removes its file", tree(out), equalTo(List.of("")));
    JobRun r = aggregate();
    assertThat(r.err, r.exitCode, is(0));
    assertOnlyOutputs();
  }

  /**
   * Two runs into one new directory, stepped by the launcher's seams: run A creates it, run B takes
   * its lock first and stages, then A fails to take the lock. A is refused (exit 2) and deletes
   * nothing: B's lock file and staging are still there when A has ended, and B publishes.
   */
  @Test
  public void aRunThatMadeTheDirectoryButLostTheLockDeletesNothingOfTheRunThatHoldsIt()
      throws Exception {
    CountDownLatch aMadeTheDirectory = new CountDownLatch(1);
    CountDownLatch bStaged = new CountDownLatch(1);
    CountDownLatch aEnded = new CountDownLatch(1);
    Launcher.beforeLock =
        dir -> {
          if (Thread.currentThread().getName().equals("run-a")) {
            aMadeTheDirectory.countDown();
            await(bStaged);
          }
        };
    Launcher.beforePipelineRun =
        staging -> {
          bStaged.countDown();
          await(aEnded);
        };
    JobRun[] runs = new JobRun[2];
    Thread a = new Thread(() -> runs[0] = aggregate(), "run-a");
    Thread b = new Thread(() -> runs[1] = aggregate(), "run-b");
    a.start();
    await(aMadeTheDirectory);
    b.start();
    a.join();
    List<String> whileBRuns = tree(out);
    aEnded.countDown();
    b.join();

    assertInUse(runs[0], Long.toString(ProcessHandle.current().pid()));
    assertThat(whileBRuns, hasItem(OutputLock.FILE_NAME));
    assertThat(whileBRuns, hasItem(startsWith(Launcher.STAGING_PREFIX)));
    assertThat(runs[1].err, runs[1].exitCode, is(0));
    assertOnlyOutputs();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(120, TimeUnit.SECONDS)) {
        throw new AssertionError("the other run never got there");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
