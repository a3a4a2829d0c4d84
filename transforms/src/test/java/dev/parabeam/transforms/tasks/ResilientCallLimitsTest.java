package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * The limits of {@link ResilientCall}: calls in flight without threads, one in-flight limit for
 * every DoFn instance of a JVM, and the rate limit. The calls sleep to stand in for a slow service;
 * what is asserted is concurrency and counts, never durations.
 */
public class ResilientCallLimitsTest {
  @Rule public final transient TestPipeline oneThread = TestPipeline.fromOptions(threads(1));
  @Rule public final transient TestPipeline fourThreads = TestPipeline.fromOptions(threads(4));

  private static DirectOptions threads(int n) {
    DirectOptions o = PipelineOptionsFactory.as(DirectOptions.class);
    o.setRunner(DirectRunner.class);
    o.setTargetParallelism(n);
    return o;
  }

  @Before
  public void resetProbe() {
    Probe.reset();
  }

  private static List<Integer> upTo(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** A slow call: records its concurrency around a sleep of {@code millis}. */
  private static ResilientCall<Integer, Integer> sleeping(long millis) {
    return ResilientCall.of(
            (Integer x) -> {
              Probe.enter();
              try {
                Thread.sleep(millis);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              } finally {
                Probe.exit();
              }
              return x;
            })
        .withOutputCoder(VarIntCoder.of());
  }

  @Test
  public void oneWorkerThreadKeepsUpToMaxInFlightCallsGoingAndNeverMore() {
    ResilientCall<Integer, Integer> call = sleeping(50).withMaxInFlight(8);
    PCollectionTuple out =
        oneThread.apply(Create.of(upTo(40)).withCoder(VarIntCoder.of())).apply(call);

    PAssert.that(out.get(call.results())).containsInAnyOrder(upTo(40));
    PipelineResult result = oneThread.run();
    result.waitUntilFinish();

    // A DoFn that waited for each call on its thread would never have two going at once.
    assertThat(Probe.maxConcurrent(), allOf(greaterThan(1), lessThanOrEqualTo(8)));
    assertThat(CallCounts.of(result).maxInFlight(), allOf(greaterThan(1L), lessThanOrEqualTo(8L)));
  }

  /**
   * A function that will not be stopped: it keeps the service busy for {@code millis} whatever
   * happens to its thread, as a blocking socket read that ignores interrupts would.
   */
  private static ResilientCall<Integer, Integer> ignoringInterrupts(long millis) {
    return ResilientCall.of(
            (Integer x) -> {
              Probe.enter();
              try {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                for (long left = millis; left > 0; ) {
                  try {
                    Thread.sleep(left);
                  } catch (InterruptedException e) {
                    // ignored, as the blocking read does
                  }
                  left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                }
              } finally {
                Probe.exit();
              }
              return x;
            })
        .withOutputCoder(VarIntCoder.of());
  }

  @Test(timeout = 120_000)
  public void attemptsCutOffByTheTimeoutStillCountTowardsMaxInFlightUntilTheyEnd()
      throws InterruptedException {
    String limits = "zombies-" + UUID.randomUUID();
    int maxInFlight = 2;
    ResilientCall<Integer, Integer> call =
        ignoringInterrupts(300)
            .withMaxInFlight(maxInFlight)
            .withTimeout(java.time.Duration.ofMillis(50))
            .withMaxAttempts(4)
            .withBackoff(java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(20))
            .withSharedLimits(limits);
    PCollectionTuple out =
        fourThreads.apply(Create.of(upTo(12)).withCoder(VarIntCoder.of())).apply(call);
    PipelineResult result = fourThreads.run();
    result.waitUntilFinish();

    // What the service saw: never more than maxInFlight calls at once, although every attempt
    // was cut off long before its function ended and was retried at once.
    assertThat(Probe.maxConcurrent(), allOf(greaterThan(0), lessThanOrEqualTo(maxInFlight)));
    CallCounts counts = CallCounts.of(result);
    // each attempt lasts 300 ms against a timeout of 50 ms: all time out unless the machine stalls
    // the timer for a quarter of a second, so the counts are checked as identities
    assertThat(counts.results() + counts.deadLetters(), is(12L));
    assertThat(counts.timeouts(), greaterThan(12L));
    assertThat(counts.maxRunning(), allOf(greaterThan(0L), lessThanOrEqualTo((long) maxInFlight)));
    assertThat(counts.maxInFlight(), lessThanOrEqualTo((long) maxInFlight));
    // the threads that run the attempts are bounded too
    long threads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("ResilientCall-" + limits + "-attempt-"))
            .count();
    assertThat(threads, lessThanOrEqualTo((long) maxInFlight));
    // let the abandoned functions end before the next test resets the probe
    while (Probe.current() > 0) {
      Thread.sleep(20);
    }
  }

  @Test
  public void finishedCallsOfOtherTimestampsAreEmittedAsTheyFinishNotHeldForTheBundle() {
    int maxInFlight = 4;
    int n = 200;
    ResilientCall<Integer, Integer> call = sleeping(2).withMaxInFlight(maxInFlight);
    List<TimestampedValue<Integer>> stamped = new ArrayList<>();
    for (int x = 0; x < n; x++) {
      stamped.add(TimestampedValue.of(x, new Instant(x * 1000L)));
    }
    PCollectionTuple out =
        oneThread.apply(Create.timestamped(stamped).withCoder(VarIntCoder.of())).apply(call);
    // every result with its own element's timestamp, although it was emitted while the DoFn
    // processed a later element
    PAssert.that(out.get(call.results()).apply(Reify.timestamps())).containsInAnyOrder(stamped);
    PipelineResult result = oneThread.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.results(), is((long) n));
    // every element has a timestamp of its own: a DoFn that kept the finished calls of other
    // timestamps until the end of its bundle would hold most of a bundle here
    assertThat(counts.maxWaiting(), lessThanOrEqualTo((long) maxInFlight));
  }

  @Test
  public void theLimitsAreRegisteredWhileDoFnsUseThemAndRemovedAfterTheLastTeardown() {
    String name = "teardown-" + UUID.randomUUID();
    ResilientCall<Integer, Integer> call =
        ResilientCall.of(
                (Integer x) -> {
                  Probe.attempt(CallLimits.registered(name) ? "registered" : "missing");
                  return x;
                })
            .withOutputCoder(VarIntCoder.of())
            .withSharedLimits(name);
    PCollectionTuple out =
        fourThreads.apply(Create.of(upTo(20)).withCoder(VarIntCoder.of())).apply(call);
    PAssert.that(out.get(call.results())).containsInAnyOrder(upTo(20));
    fourThreads.run().waitUntilFinish();

    assertThat(Probe.attempts("registered"), is(20));
    assertThat(Probe.attempts("missing"), is(0));
    // the runner tore its DoFns down at the end: nothing of this transform stays in the JVM
    assertThat(CallLimits.registered(name), is(false));
  }

  @Test
  public void limitsAreCountedPerUseAndTheirThreadsEndWithTheLast() {
    String name = "uses-" + UUID.randomUUID();
    CallLimits first = CallLimits.use(name, 3, 0);
    CallLimits second = CallLimits.use(name, 3, 0);
    CallLimits otherLimits = CallLimits.use(name, 5, 0);
    assertThat(second == first, is(true));
    assertThat(otherLimits == first, is(false));
    otherLimits.unuse();
    first.unuse();
    assertThat(CallLimits.registered(name), is(true));
    assertThat(first.attemptThreads().isShutdown(), is(false));
    second.unuse();
    assertThat(CallLimits.registered(name), is(false));
    assertThat(first.attemptThreads().isShutdown(), is(true));
    // a later user gets fresh limits
    CallLimits again = CallLimits.use(name, 3, 0);
    assertThat(again == first, is(false));
    again.unuse();
  }

  @Test
  public void transformsSharingLimitsShareOneInFlightLimitAcrossThreads() {
    String shared = "shared-" + UUID.randomUUID();
    ResilientCall<Integer, Integer> first =
        sleeping(40).withMaxInFlight(4).withSharedLimits(shared);
    ResilientCall<Integer, Integer> second =
        sleeping(40).withMaxInFlight(4).withSharedLimits(shared);
    PCollection<Integer> a =
        fourThreads.apply("A", Create.of(upTo(24)).withCoder(VarIntCoder.of()));
    PCollection<Integer> b =
        fourThreads.apply("B", Create.of(upTo(24)).withCoder(VarIntCoder.of()));
    PAssert.that(a.apply("CallA", first).get(first.results())).containsInAnyOrder(upTo(24));
    PAssert.that(b.apply("CallB", second).get(second.results())).containsInAnyOrder(upTo(24));
    PipelineResult result = fourThreads.run();
    result.waitUntilFinish();

    assertThat(Probe.maxConcurrent(), allOf(greaterThan(1), lessThanOrEqualTo(4)));
    assertThat(CallCounts.of(result).maxInFlight(), lessThanOrEqualTo(4L));
    assertThat(CallCounts.of(result).calls(), is(48L));
  }

  @Test
  public void theRateLimitHoldsInEveryOneSecondWindow() {
    int rate = 20;
    int maxInFlight = 2;
    ResilientCall<Integer, Integer> call =
        sleeping(1).withMaxInFlight(maxInFlight).withRateLimit(rate);
    PCollectionTuple out =
        fourThreads.apply(Create.of(upTo(36)).withCoder(VarIntCoder.of())).apply(call);

    PAssert.that(out.get(call.results())).containsInAnyOrder(upTo(36));
    fourThreads.run().waitUntilFinish();

    List<Long> starts = new ArrayList<>(Probe.starts());
    Collections.sort(starts);
    assertThat(starts, hasSize(36));
    long second = TimeUnit.SECONDS.toNanos(1);
    int busiest = 0;
    for (int i = 0; i < starts.size(); i++) {
      int inWindow = 0;
      for (int j = i; j < starts.size() && starts.get(j) - starts.get(i) < second; j++) {
        inWindow++;
      }
      busiest = Math.max(busiest, inWindow);
    }
    List<Long> offsetsMs = new ArrayList<>();
    for (long t : starts) {
      offsetsMs.add(TimeUnit.NANOSECONDS.toMillis(t - starts.get(0)));
    }
    // Permits come one per 1/rate s, so a second holds at most rate + 1 of them; a call can start
    // later than its permit (a stalled thread), but only a call in flight can be late.
    assertThat(
        "call starts (ms): " + offsetsMs, busiest, lessThanOrEqualTo(rate + 1 + maxInFlight));
  }
}
