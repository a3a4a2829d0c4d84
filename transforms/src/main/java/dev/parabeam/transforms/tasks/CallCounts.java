package dev.parabeam.transforms.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * succeeded), attempted values otherwise: Flink reports no committed values, so after a failover or
 * a retried bundle its counts include the work that was redone. {@link #attemptedFigures()} says
 * which figures are attempted ones. The distributions ({@code max_*}) are always attempted values.
 */
public final class CallCounts {
  /** The summary name of {@link #maxInFlight()}. */
  public static final String MAX_IN_FLIGHT = "max_in_flight";

  /** The summary name of {@link #maxRunning()}. */
  public static final String MAX_RUNNING = "max_running";

  private final long calls;
  private final long attempts;
  private final long retries;
  private final long timeouts;
  private final long results;
  private final long fallbacks;
  private final long deadLetters;
  private final long maxInFlight;
  private final long maxRunning;
  private final long maxWaiting;
  private final Set<String> attemptedCounters;
  private final Set<String> reportedCounters;

  private CallCounts(
      Map<String, Long> counters, Set<String> attemptedCounters, Map<String, Long> maxima) {
    this.calls = counters.getOrDefault(ResilientCall.CALLS, 0L);
    this.attempts = counters.getOrDefault(ResilientCall.ATTEMPTS, 0L);
    this.retries = counters.getOrDefault(ResilientCall.RETRIES, 0L);
    this.timeouts = counters.getOrDefault(ResilientCall.TIMEOUTS, 0L);
    this.results = counters.getOrDefault(ResilientCall.RESULTS, 0L);
    this.fallbacks = counters.getOrDefault(ResilientCall.FALLBACKS, 0L);
    this.deadLetters = counters.getOrDefault(ResilientCall.DEAD_LETTERS, 0L);
    this.attemptedCounters = attemptedCounters;
    this.reportedCounters = Set.copyOf(counters.keySet());
    this.maxInFlight = maxima.getOrDefault(ResilientCall.IN_FLIGHT, 0L);
    this.maxRunning = maxima.getOrDefault(ResilientCall.RUNNING, 0L);
    this.maxWaiting = maxima.getOrDefault(ResilientCall.WAITING, 0L);
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
    Set<String> attempted = new TreeSet<>();
    for (MetricResult<Long> c : q.getCounters()) {
      Long committed = c.hasCommitted() ? c.getCommittedOrNull() : null;
      if (committed == null) {
        attempted.add(c.getName().getName());
      }
      counters.merge(
          c.getName().getName(), committed != null ? committed : c.getAttempted(), Long::sum);
    }
    Map<String, Long> maxima = new LinkedHashMap<>();
    for (MetricResult<DistributionResult> d : q.getDistributions()) {
      if (d.getAttempted().getCount() > 0) {
        maxima.merge(d.getName().getName(), d.getAttempted().getMax(), Math::max);
      }
    }
    return new CallCounts(counters, attempted, maxima);
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
   * The most attempts running at once in one worker JVM (under one set of limits), as the service
   * saw them: attempts abandoned at their timeout count until their function returned.
   */
  public long maxRunning() {
    return maxRunning;
  }

  /** The most finished calls one DoFn held, not yet emitted, when it started a call. */
  public long maxWaiting() {
    return maxWaiting;
  }

  /**
   * The names in {@link #asMap()} whose values are attempted rather than committed metrics, in the
   * map's order: counters the runner had no committed value for, and the maxima (always attempted).
   * A counter the run never reported (0) is attempted unless the runner committed another.
   */
  public List<String> attemptedFigures() {
    boolean commits = !reportedCounters.isEmpty() && attemptedCounters.isEmpty();
    List<String> names = new ArrayList<>();
    for (String k : asMap().keySet()) {
      boolean counterAttempted =
          reportedCounters.contains(k) ? attemptedCounters.contains(k) : !commits;
      if (k.startsWith("max_") || counterAttempted) {
        names.add(k);
      }
    }
    return names;
  }

  /**
   * The counts by their summary names, in a fixed order: calls, attempts, retries, timeouts,
   * results, fallbacks, dead_letters, max_in_flight, max_running.
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
    m.put(MAX_RUNNING, maxRunning);
    return m;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
