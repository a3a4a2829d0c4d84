package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link ResilientCall}'s backoff and jitter as the delays between one element's attempts, from the
 * times its attempts started. Only bounds that load cannot break are checked: a delay is never
 * shorter than the policy's (a busy machine only makes it longer), and jittered delays differ from
 * one another by more than a fixed delay's do.
 */
public class ResilientCallDelaysTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** Start times (System.nanoTime) of each element's attempts; the DoFn's copies all reach it. */
  private static final Map<Integer, ConcurrentLinkedQueue<Long>> STARTS = new ConcurrentHashMap<>();

  private static final int FAILURES = 3;

  @Before
  public void reset() {
    STARTS.clear();
  }

  /** Fails each element's first {@link #FAILURES} attempts, then answers; records every start. */
  private static String failThreeTimes(int x) {
    ConcurrentLinkedQueue<Long> starts =
        STARTS.computeIfAbsent(x, k -> new ConcurrentLinkedQueue<>());
    starts.add(System.nanoTime());
    if (starts.size() <= FAILURES) {
      throw new IllegalStateException("attempt " + starts.size() + " of " + x + " fails");
    }
    return "ok" + x;
  }

  /** Runs the call on {@code n} elements; returns each element's delays between attempts, in ms. */
  private List<List<Double>> delays(ResilientCall<Integer, String> call, int n) {
    List<Integer> in = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int x = 0; x < n; x++) {
      in.add(x);
      expected.add("ok" + x);
    }
    PCollectionTuple out = pipeline.apply(Create.of(in).withCoder(VarIntCoder.of())).apply(call);
    PAssert.that(out.get(call.results())).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
    List<List<Double>> all = new ArrayList<>();
    for (int x = 0; x < n; x++) {
      List<Long> starts = new ArrayList<>(STARTS.get(x));
      Collections.sort(starts);
      assertThat("attempts of " + x, starts, hasSize(FAILURES + 1));
      List<Double> gaps = new ArrayList<>();
      for (int i = 1; i < starts.size(); i++) {
        gaps.add((starts.get(i) - starts.get(i - 1)) / 1e6);
      }
      all.add(gaps);
    }
    return all;
  }

  private static ResilientCall<Integer, String> call() {
    return ResilientCall.of(ResilientCallDelaysTest::failThreeTimes)
        .withOutputCoder(StringUtf8Coder.of())
        .withMaxAttempts(FAILURES + 1);
  }

  @Test
  public void theBackoffDoublesTheDelayFromOneRetryToTheNext() {
    List<List<Double>> delays =
        delays(call().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10)).withJitter(0), 3);
    for (List<Double> gaps : delays) {
      // 100, 200, 400 ms at least (a timer fires late, never early; 1 ms for rounding)
      assertThat(gaps.toString(), gaps.get(0), greaterThanOrEqualTo(99.0));
      assertThat(gaps.toString(), gaps.get(1), greaterThanOrEqualTo(199.0));
      assertThat(gaps.toString(), gaps.get(2), greaterThanOrEqualTo(399.0));
    }
  }

  @Test
  public void jitterSpreadsTheDelaysAroundTheirValue() {
    // a fixed 400 ms delay, jittered by up to half of it either way: 200 to 600 ms
    List<List<Double>> delays =
        delays(
            call().withBackoff(Duration.ofMillis(400), Duration.ofMillis(400)).withJitter(0.5), 6);
    List<Double> all = new ArrayList<>();
    for (List<Double> gaps : delays) {
      for (double g : gaps) {
        assertThat(gaps.toString(), g, greaterThanOrEqualTo(199.0));
        all.add(g);
      }
    }
    // Without jitter no delay is shorter than 400 ms, and they differ by the scheduling noise
    // only (about 50 ms here). With it, all 18 at 400 ms or more has a chance of 0.5^18 (4e-6),
    // and all within 100 ms of one another of about 18 * 0.25^17 (1e-9).
    assertThat(all.toString(), Collections.min(all), lessThan(400.0));
    assertThat(
        all.toString(), Collections.max(all) - Collections.min(all), greaterThanOrEqualTo(100.0));
  }
}
