package dev.parabeam.transforms.tasks;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The {@link ResilientCall} metrics of a run, added up over the steps that made them: what a job
 * prints in its summary. Committed values where the runner has them (the DirectRunner: bundles that
 * succeeded), attempted values otherwise (Flink reports no committed values).
 */
public final class CallCounts {
  /** The summary name of {@link #maxInFlight()}. */
  public static final String MAX_IN_FLIGHT = "max_in_flight";

  private final long calls;
  private final long attempts;
  private final long retries;
  private final long timeouts;
  private final long results;
  private final long fallbacks;
  private final long deadLetters;
  private final long maxInFlight;

  private CallCounts(Map<String, Long> counters, long maxInFlight) {
    this.calls = counters.getOrDefault(ResilientCall.CALLS, 0L);
    this.attempts = counters.getOrDefault(ResilientCall.ATTEMPTS, 0L);
    this.retries = counters.getOrDefault(ResilientCall.RETRIES, 0L);
    this.timeouts = counters.getOrDefault(ResilientCall.TIMEOUTS, 0L);
    this.results = counters.getOrDefault(ResilientCall.RESULTS, 0L);
    this.fallbacks = counters.getOrDefault(ResilientCall.FALLBACKS, 0L);
    this.deadLetters = counters.getOrDefault(ResilientCall.DEAD_LETTERS, 0L);
    this.maxInFlight = maxInFlight;
  }

  /** The counts of every ResilientCall of the run. */
  public static CallCounts of(PipelineResult result) {
    return of(result.metrics(), null);
  }

  /**
   * The counts of the ResilientCalls under the step {@code step} (a step name or a path of them,
   * e.g. {@code "Analyze/sentiment"}), or of all when {@code step} is null.
   */
  public static CallCounts of(PipelineResult result, String step) {
    return of(result.metrics(), step);
  }

  /** As {@link #of(PipelineResult, String)}, from the run's metric results. */
  public static CallCounts of(MetricResults metrics, String step) {
    MetricsFilter.Builder filter =
        MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.inNamespace(ResilientCall.METRICS_NAMESPACE));
    if (step != null) {
      filter.addStep(step);
    }
    MetricQueryResults q = metrics.queryMetrics(filter.build());
    Map<String, Long> counters = new LinkedHashMap<>();
    for (MetricResult<Long> c : q.getCounters()) {
      counters.merge(c.getName().getName(), value(c), Long::sum);
    }
    long max = 0;
    for (MetricResult<DistributionResult> d : q.getDistributions()) {
      if (d.getName().getName().equals(ResilientCall.IN_FLIGHT)
          && d.getAttempted().getCount() > 0) {
        max = Math.max(max, d.getAttempted().getMax());
      }
    }
    return new CallCounts(counters, max);
  }

  private static <T> T value(MetricResult<T> r) {
    T committed = r.hasCommitted() ? r.getCommittedOrNull() : null;
    return committed != null ? committed : r.getAttempted();
  }

  /** Elements whose call was started. */
  public long calls() {
    return calls;
  }

  /** Invocations of the call functions, retries included. */
  public long attempts() {
    return attempts;
  }

  /** Attempts after the first. */
  public long retries() {
    return retries;
  }

  /** Attempts cut off by their timeout. */
  public long timeouts() {
    return timeouts;
  }

  /** Calls that returned a value. */
  public long results() {
    return results;
  }

  /** Calls that gave up and emitted their fallback value. */
  public long fallbacks() {
    return fallbacks;
  }

  /** Calls that gave up and became dead letters. */
  public long deadLetters() {
    return deadLetters;
  }

  /** The most calls in flight at once in one worker JVM (under one set of limits). */
  public long maxInFlight() {
    return maxInFlight;
  }

  /**
   * The counts by their summary names, in a fixed order: calls, attempts, retries, timeouts,
   * results, fallbacks, dead_letters, max_in_flight.
   */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(ResilientCall.CALLS, calls);
    m.put(ResilientCall.ATTEMPTS, attempts);
    m.put(ResilientCall.RETRIES, retries);
    m.put(ResilientCall.TIMEOUTS, timeouts);
    m.put(ResilientCall.RESULTS, results);
    m.put(ResilientCall.FALLBACKS, fallbacks);
    m.put(ResilientCall.DEAD_LETTERS, deadLetters);
    m.put(MAX_IN_FLIGHT, maxInFlight);
    return m;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
