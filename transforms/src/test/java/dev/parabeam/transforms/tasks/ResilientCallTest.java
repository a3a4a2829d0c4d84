package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link ResilientCall} on the DirectRunner: retries, dead letters, fallbacks, timeouts, checks.
 */
public class ResilientCallTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Duration MS_5 = Duration.ofMillis(5);
  private static final Duration MS_20 = Duration.ofMillis(20);

  /** Counted down by a call that the timeout interrupted. */
  private static volatile CountDownLatch interrupted;

  /** Holds calls that ignore interrupts until the test opens it. */
  private static volatile CountDownLatch gate;

  /** Futures handed out by an asynchronous call. */
  private static final ConcurrentLinkedQueue<CompletableFuture<String>> FUTURES =
      new ConcurrentLinkedQueue<>();

  @Before
  public void resetProbe() {
    Probe.reset();
    FUTURES.clear();
  }

  private static List<Integer> upTo(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  private static String square(int x) {
    return "r" + x * x;
  }

  private PCollection<Integer> ints(int n) {
    return pipeline.apply(Create.of(upTo(n)).withCoder(VarIntCoder.of()));
  }

  private static ResilientCall<Integer, String> call(SerializableFunction<Integer, String> fn) {
    return ResilientCall.of(fn).withOutputCoder(StringUtf8Coder.of()).withBackoff(MS_5, MS_20);
  }

  private static SerializableFunction<Integer, String> transient0To3() {
    // Element x fails its first x % 4 attempts, then answers.
    return x -> {
      int attempt = Probe.attempt("t" + x);
      if (attempt <= x % 4) {
        throw new IllegalStateException("transient failure of " + x + ", attempt " + attempt);
      }
      return square(x);
    };
  }

  @Test
  public void transientFailuresGiveExactlyTheFailureFreeResultsAndAreCounted() {
    ResilientCall<Integer, String> call = call(transient0To3()).withMaxAttempts(4);
    PCollectionTuple out = ints(40).apply(call);

    List<String> expected = new ArrayList<>();
    for (int x = 0; x < 40; x++) {
      expected.add(square(x));
    }
    PAssert.that(out.get(call.results())).containsInAnyOrder(expected);
    PAssert.that(out.get(call.failures())).empty();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    int retries = 10 * (0 + 1 + 2 + 3);
    CallCounts counts = CallCounts.of(result);
    assertThat(counts.calls(), is(40L));
    assertThat(counts.retries(), is((long) retries));
    assertThat(counts.attempts(), is(40L + retries));
    assertThat(counts.results(), is(40L));
    assertThat(counts.deadLetters(), is(0L));
    assertThat(counts.fallbacks(), is(0L));
    assertThat(counts.timeouts(), is(0L));
    assertThat(Probe.attempts("t7"), is(4));
    assertThat(
        counts.asMap().keySet(),
        contains(
            "calls",
            "attempts",
            "retries",
            "timeouts",
            "results",
            "fallbacks",
            "dead_letters",
            "max_in_flight",
            "max_running"));
  }

  @Test
  public void permanentFailuresBecomeDeadLettersWithReasonAndAttempts() {
    ResilientCall<Integer, String> call =
        call(x -> {
              if (x % 5 == 0) {
                throw new IllegalStateException("service refused " + x);
              }
              return square(x);
            })
            .withMaxAttempts(3);
    PCollectionTuple out = ints(20).apply(call);

    List<String> expected = new ArrayList<>();
    List<CallFailure<Integer>> failures = new ArrayList<>();
    for (int x = 0; x < 20; x++) {
      if (x % 5 == 0) {
        failures.add(new CallFailure<>(x, "IllegalStateException: service refused " + x, 3));
      } else {
        expected.add(square(x));
      }
    }
    PAssert.that(out.get(call.results())).containsInAnyOrder(expected);
    PAssert.that(out.get(call.failures())).containsInAnyOrder(failures);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.deadLetters(), is(4L));
    assertThat(counts.results(), is(16L));
    assertThat(counts.attempts(), is(16L + 4 * 3));
    assertThat(counts.retries(), is(4L * 2));
  }

  @Test
  public void onlyTheRetryableFailuresAreRetried() {
    // IOException (inside an UncheckedIOException) is retried; IllegalArgumentException is not.
    ResilientCall<Integer, String> call =
        call(x -> {
              int attempt = Probe.attempt("r" + x);
              if (x % 3 == 0) {
                throw new IllegalArgumentException("bad input " + x);
              }
              if (attempt == 1) {
                throw new UncheckedIOException(new IOException("connection reset"));
              }
              return square(x);
            })
            .withMaxAttempts(3)
            .withRetryOn(IOException.class);
    PCollectionTuple out = ints(9).apply(call);

    PAssert.that(out.get(call.results()))
        .containsInAnyOrder(square(1), square(2), square(4), square(5), square(7), square(8));
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>(0, "IllegalArgumentException: bad input 0", 1),
            new CallFailure<>(3, "IllegalArgumentException: bad input 3", 1),
            new CallFailure<>(6, "IllegalArgumentException: bad input 6", 1));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.toString(), counts.retries(), is(6L));
    assertThat(counts.attempts(), is(3L + 6 * 2));
  }

  @Test
  public void aFallbackReplacesTheDeadLetterUnlessItFailsItself() {
    ResilientCall<Integer, String> call =
        call(x -> {
              if (x % 2 == 0) {
                throw new IllegalStateException("down");
              }
              return square(x);
            })
            .withMaxAttempts(2)
            .withFallback(
                x -> {
                  if (x == 4) {
                    throw new IllegalStateException("no fallback for 4");
                  }
                  return "fallback-" + x;
                });
    PCollectionTuple out = ints(6).apply(call);

    PAssert.that(out.get(call.results()))
        .containsInAnyOrder("fallback-0", square(1), "fallback-2", square(3), square(5));
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>(
                4,
                "the fallback failed (IllegalStateException: no fallback for 4) after:"
                    + " IllegalStateException: down",
                2));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.fallbacks(), is(2L));
    assertThat(counts.results(), is(3L));
    assertThat(counts.deadLetters(), is(1L));
    assertThat(counts.calls(), is(counts.results() + counts.fallbacks() + counts.deadLetters()));
  }

  @Test
  public void theFunctionIsGivenTheNumberOfItsAttempt() {
    // x fails its first x % 3 attempts, from the attempt number alone: no state of its own
    ResilientCall<Integer, String> call =
        ResilientCall.<Integer, String>ofAttempts(
                (x, attempt) -> {
                  if (attempt <= x % 3) {
                    throw new IllegalStateException("attempt " + attempt + " of " + x);
                  }
                  return x + "@" + attempt;
                })
            .withOutputCoder(StringUtf8Coder.of())
            .withBackoff(MS_5, MS_20)
            .withMaxAttempts(3);
    PCollectionTuple out = ints(9).apply(call);

    List<String> expected = new ArrayList<>();
    for (int x = 0; x < 9; x++) {
      expected.add(x + "@" + (x % 3 + 1));
    }
    PAssert.that(out.get(call.results())).containsInAnyOrder(expected);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertThat(CallCounts.of(result).retries(), is(3L * (0 + 1 + 2)));
  }

  @Test
  public void aNullResultFailsTheCallWithoutRetries() {
    ResilientCall<Integer, String> call = call(x -> x == 1 ? null : square(x)).withMaxAttempts(3);
    PCollectionTuple out = ints(3).apply(call);

    PAssert.that(out.get(call.results())).containsInAnyOrder(square(0), square(2));
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(new CallFailure<>(1, "the call returned null", 1));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aSynchronousCallPastItsTimeoutIsInterruptedCountedAndRetried() throws Exception {
    interrupted = new CountDownLatch(6);
    ResilientCall<Integer, String> call =
        call(x -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IllegalStateException("interrupted");
              }
              return "too late";
            })
            .withTimeout(Duration.ofMillis(150))
            .withMaxAttempts(2);
    PCollectionTuple out = ints(3).apply(call);

    PAssert.that(out.get(call.results())).empty();
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>(0, "timed out after 150 ms", 2),
            new CallFailure<>(1, "timed out after 150 ms", 2),
            new CallFailure<>(2, "timed out after 150 ms", 2));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.timeouts(), is(6L));
    assertThat(counts.attempts(), is(6L));
    assertThat(counts.deadLetters(), is(3L));
    // Every attempt was cut off: its thread was interrupted (not left sleeping for a minute).
    assertThat(interrupted.await(10, TimeUnit.SECONDS), is(true));
  }

  @Test(timeout = 60_000)
  public void aSynchronousCallThatIgnoresInterruptsIsAbandonedAtItsTimeout() {
    gate = new CountDownLatch(1);
    ResilientCall<Integer, String> call =
        call(x -> {
              Probe.attempt("stuck" + x);
              while (true) {
                try {
                  gate.await();
                  return "released";
                } catch (InterruptedException e) {
                  // a function that will not be stopped
                }
              }
            })
            .withTimeout(Duration.ofMillis(100))
            .withMaxAttempts(2);
    PCollectionTuple out = ints(2).apply(call);
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>(0, "timed out after 100 ms", 2),
            new CallFailure<>(1, "timed out after 100 ms", 2));
    try {
      // Finishes while all four attempts are still stuck: they were abandoned, not waited for.
      pipeline.run().waitUntilFinish();
      assertThat(gate.getCount(), is(1L));
      assertThat(Probe.attempts("stuck0") + Probe.attempts("stuck1"), is(4));
    } finally {
      gate.countDown();
    }
  }

  @Test(timeout = 240_000)
  public void aCallThatNeverReturnsEndsAsADeadLetterAtTheDefaultTimeout() {
    gate = new CountDownLatch(1);
    // no withTimeout: the default of 30 s holds. One attempt, so the test waits 30 s once.
    ResilientCall<Integer, String> call =
        ResilientCall.of(
                (Integer x) -> {
                  Probe.attempt("never" + x);
                  while (true) {
                    try {
                      gate.await();
                      return "released";
                    } catch (InterruptedException e) {
                      // a function that will not be stopped
                    }
                  }
                })
            .withOutputCoder(StringUtf8Coder.of())
            .withMaxAttempts(1);
    PCollectionTuple out = ints(1).apply(call);
    PAssert.that(out.get(call.results())).empty();
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(new CallFailure<>(0, "timed out after 30000 ms", 1));
    try {
      pipeline.run().waitUntilFinish();
      assertThat(gate.getCount(), is(1L));
      assertThat(Probe.attempts("never0"), is(1));
    } finally {
      gate.countDown();
    }
  }

  @Test
  public void anAsynchronousCallPastItsTimeoutIsCancelled() {
    ResilientCall<Integer, String> call =
        ResilientCall.ofAsync(
                (Integer x) -> {
                  CompletableFuture<String> never = new CompletableFuture<>();
                  FUTURES.add(never);
                  return never;
                })
            .withOutputCoder(StringUtf8Coder.of())
            .withBackoff(MS_5, MS_20)
            .withTimeout(Duration.ofMillis(100))
            .withMaxAttempts(2);
    PCollectionTuple out = ints(2).apply(call);

    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>(0, "timed out after 100 ms", 2),
            new CallFailure<>(1, "timed out after 100 ms", 2));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(CallCounts.of(result).timeouts(), is(4L));
    List<Boolean> cancelled = new ArrayList<>();
    FUTURES.forEach(f -> cancelled.add(f.isCancelled()));
    assertThat(cancelled, hasSize(4));
    assertThat(cancelled, everyItem(is(true)));
  }

  @Test
  public void anAsynchronousCallRetriesTransientFailures() {
    ResilientCall<Integer, String> call =
        ResilientCall.ofAsync(
                (Integer x) -> {
                  if (Probe.attempt("a" + x) <= x % 2) {
                    return CompletableFuture.<String>failedFuture(new IOException("busy"));
                  }
                  return CompletableFuture.supplyAsync(() -> square(x));
                })
            .withOutputCoder(StringUtf8Coder.of())
            .withBackoff(MS_5, MS_20);
    PCollectionTuple out = ints(6).apply(call);

    PAssert.that(out.get(call.results()))
        .containsInAnyOrder(square(0), square(1), square(2), square(3), square(4), square(5));
    PAssert.that(out.get(call.failures())).empty();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(CallCounts.of(result).retries(), is(3L));
  }

  @Test
  public void resultsKeepTheirElementsTimestampAndWindow() {
    ResilientCall<Integer, String> call = call(transient0To3()).withMaxAttempts(4);
    List<TimestampedValue<Integer>> stamped = new ArrayList<>();
    for (int x = 0; x < 12; x++) {
      stamped.add(TimestampedValue.of(x, new Instant(x * 1000L)));
    }
    PCollectionTuple out =
        pipeline
            .apply(Create.timestamped(stamped).withCoder(VarIntCoder.of()))
            .apply(Window.into(FixedWindows.of(org.joda.time.Duration.standardSeconds(4))))
            .apply(call);
    PCollection<String> results = out.get(call.results());

    IntervalWindow second = new IntervalWindow(new Instant(4000), new Instant(8000));
    PAssert.that(results)
        .inWindow(second)
        .containsInAnyOrder(square(4), square(5), square(6), square(7));
    List<TimestampedValue<String>> expected = new ArrayList<>();
    for (int x = 0; x < 12; x++) {
      expected.add(TimestampedValue.of(square(x), new Instant(x * 1000L)));
    }
    PAssert.that(results.apply(Reify.timestamps())).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void anAsynchronousCallNeedsAnOutputCoder() {
    pipeline.enableAbandonedNodeEnforcement(false);
    ResilientCall<Integer, String> call =
        ResilientCall.ofAsync((Integer x) -> CompletableFuture.completedFuture("x"));
    PCollection<Integer> in = ints(1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> in.apply(call));
    assertThat(e.getMessage(), containsString("withOutputCoder"));
  }

  @Test
  public void displayDataShowsTheSettings() {
    ResilientCall<Integer, String> call =
        call(x -> "y")
            .withMaxAttempts(5)
            .withTimeout(Duration.ofSeconds(2))
            .withMaxInFlight(7)
            .withRateLimit(12.5)
            .withRetryOn(IOException.class)
            .withSharedLimits("svc");
    DisplayData d = DisplayData.from(call);
    assertThat(d.toString(), containsString("maxAttempts=5"));
    assertThat(d.toString(), containsString("timeout=PT2S"));
    assertThat(d.toString(), containsString("maxInFlight=7"));
    assertThat(d.toString(), containsString("rateLimit=12.5"));
    assertThat(d.toString(), containsString("retryOn=java.io.IOException"));
    assertThat(d.toString(), containsString("limits=svc"));
  }
}
