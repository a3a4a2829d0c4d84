package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.joda.time.Duration;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The stop hook (SIGTERM, Ctrl-C) run by hand while a run waits for its pipeline: whatever order
 * the two threads finish in, the user reads one line that says the run was stopped, and no error
 * line. The pipeline is a stand-in whose {@code cancel()} lets the run return first and only then
 * lets the hook go on to its clean-up: the order that lost the line on a loaded CI machine (the
 * run, returning, marked itself failed, and the hook, finding that, kept quiet).
 */
public class StopHookTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @After
  public void resetSeams() {
    Launcher.runPipeline = org.apache.beam.sdk.Pipeline::run;
    Launcher.onStopHook = hook -> {};
    Launcher.shuttingDown = false;
    Launcher.failureReported = false;
  }

  @Test
  public void aStopReportedAfterTheRunReturnedIsStillSaidOnce() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    CountDownLatch waiting = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch runReturned = new CountDownLatch(1);
    AtomicReference<Thread> hook = new AtomicReference<>();
    Launcher.onStopHook = hook::set;
    Launcher.runPipeline =
        p ->
            new PipelineResult() {
              @Override
              public State getState() {
                return cancelled.getCount() == 0 ? State.CANCELLED : State.RUNNING;
              }

              @Override
              public State cancel() {
                cancelled.countDown();
                try {
                  // the run sees its pipeline cancelled and returns before the hook goes on
                  runReturned.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return State.CANCELLED;
              }

              @Override
              public State waitUntilFinish(Duration duration) {
                return waitUntilFinish();
              }

              @Override
              public State waitUntilFinish() {
                waiting.countDown();
                try {
                  cancelled.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return getState();
              }

              @Override
              public MetricResults metrics() {
                throw new UnsupportedOperationException();
              }
            };
    // the streams stay open after the run returns: the hook prints into them later
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () ->
                Launcher.run(
                    AggregateJob.INSTANCE,
                    new String[] {
                      "--input=" + JobRun.testdata().resolve("sample/sales.csv"),
                      "--keyColumn=region",
                      "--valueColumn=amount",
                      "--output=" + out,
                      "--runner=DirectRunner"
                    },
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    err));
    assertThat("the run reached its pipeline", waiting.await(60, TimeUnit.SECONDS), is(true));
    // SIGTERM: the JVM starts the hook
    Thread stop = new Thread(hook.get()::run, "sigterm");
    stop.start();
    int exit = run.get(60, TimeUnit.SECONDS);
    runReturned.countDown();
    stop.join(60_000);
    assertThat(stop.isAlive(), is(false));

    String said = errBytes.toString(StandardCharsets.UTF_8);
    assertThat(exit, is(1));
    assertThat(said, containsString("stopped: the run was interrupted; nothing was published"));
    assertThat(said, not(containsString("error:")));
    assertThat(said, said.split("stopped:", -1).length, is(2));
    assertThat("the directory this run made is gone", Files.exists(out), is(false));
  }
}
