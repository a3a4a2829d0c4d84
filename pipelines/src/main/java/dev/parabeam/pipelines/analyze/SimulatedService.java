package dev.parabeam.pipelines.analyze;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * One analysis behind a simulated remote service: every call waits {@code latencyMillis}, and
 * failures and slowness are injected deterministically from the seed, the document's id, the
 * analysis and the attempt's number, which the {@code ResilientCall} passes ({@code ofAttempts}),
 * and from nothing else: the same call fails the same way on any worker, after a failover too.
 *
 * <ul>
 *   <li>a <b>transient</b> failure fails the first 1 to 3 attempts with an {@link IOException}
 *       ({@link Unavailable}), then succeeds;
 *   <li>a <b>permanent</b> failure fails every attempt with an {@link IllegalStateException}, which
 *       the job does not retry;
 *   <li>a <b>slow</b> call's first attempt takes longer than the timeout (the job cuts it off and
 *       retries it).
 * </ul>
 *
 * The service logs the attempts of a run in the worker JVM ({@link Calls}: how many at each
 * (document, analysis), when each started, how many ran at once), as a real service would log its
 * requests, under a run id, so that runs in one JVM do not share them. The log is for the tests to
 * read; what the service answers never depends on it.
 */
final class SimulatedService implements SerializableBiFunction<Document, Integer, String> {
  private static final long serialVersionUID = 1L;

  /** A failure the caller may retry: the service is briefly unavailable. */
  static final class Unavailable extends IOException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  private static final Map<String, Calls> RUNS = new ConcurrentHashMap<>();

  /** What the service saw of one run in this JVM. */
  static final class Calls {
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Queue<Long> starts = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> runningPerAnalysis = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicInteger maxAnalysesRunning = new AtomicInteger();

    /** Attempts of {@code analysis} at document {@code id} so far. */
    int attempts(String analysis, String id) {
      AtomicInteger n = attempts.get(analysis + "/" + id);
      return n == null ? 0 : n.get();
    }

    /** When each attempt started ({@link System#nanoTime}), sorted. */
    List<Long> starts() {
      List<Long> l = new ArrayList<>(starts);
      l.sort(null);
      return l;
    }

    /** The most attempts running at once, over all analyses. */
    int maxRunning() {
      return maxRunning.get();
    }

    /** The most analyses that had an attempt running at once. */
    int maxAnalysesRunning() {
      return maxAnalysesRunning.get();
    }

    private void begin(String analysis, String id) {
      starts.add(System.nanoTime());
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      AtomicInteger mine = runningPerAnalysis.computeIfAbsent(analysis, a -> new AtomicInteger());
      mine.incrementAndGet();
      int analyses = 0;
      for (AtomicInteger n : runningPerAnalysis.values()) {
        analyses += n.get() > 0 ? 1 : 0;
      }
      maxAnalysesRunning.accumulateAndGet(analyses, Math::max);
      attempts.computeIfAbsent(analysis + "/" + id, k -> new AtomicInteger()).incrementAndGet();
    }

    private void end(String analysis) {
      runningPerAnalysis.get(analysis).decrementAndGet();
      running.decrementAndGet();
    }
  }

  /** The calls of run {@code runId} in this JVM so far. */
  static Calls calls(String runId) {
    return RUNS.computeIfAbsent(runId, r -> new Calls());
  }

  /** The run ids this JVM's services have seen. */
  static Set<String> runIds() {
    return Set.copyOf(RUNS.keySet());
  }

  private final String analysis;
  private final SerializableFunction<String, String> fn;
  private final String runId;
  private final Faults faults;

  /** What to inject, and how slow every call is. */
  record Faults(
      long seed,
      int latencyMillis,
      int timeoutMillis,
      double transientRate,
      double permanentRate,
      double slowRate)
      implements Serializable {}

  SimulatedService(
      String analysis, SerializableFunction<String, String> fn, String runId, Faults faults) {
    this.analysis = analysis;
    this.fn = fn;
    this.runId = runId;
    this.faults = faults;
  }

  /** A number in [0, 1) fixed by the seed, the document, the analysis and {@code what}. */
  private double draw(String id, String what) {
    String key = id + "\u0000" + analysis + "\u0000" + what;
    return new SplittableRandom(faults.seed() * 1_000_003L + key.hashCode()).nextDouble();
  }

  /** How many first attempts of this call fail: 0 (no transient failure) or 1 to 3. */
  int transientFailures(String id) {
    if (draw(id, "transient") >= faults.transientRate()) {
      return 0;
    }
    return 1 + (int) (draw(id, "count") * 3);
  }

  boolean permanent(String id) {
    return draw(id, "permanent") < faults.permanentRate();
  }

  boolean slow(String id) {
    return draw(id, "slow") < faults.slowRate();
  }

  /** Attempt number {@code attempt} (from 1) of this analysis of {@code d}. */
  @Override
  public String apply(Document d, Integer attempt) {
    Calls log = calls(runId);
    log.begin(analysis, d.id());
    try {
      if (attempt == 1 && slow(d.id())) {
        Thread.sleep(faults.timeoutMillis() + faults.latencyMillis() + 500L);
      }
      Thread.sleep(faults.latencyMillis());
      if (permanent(d.id())) {
        throw new IllegalStateException("the " + analysis + " service rejects " + d.id());
      }
      if (attempt <= transientFailures(d.id())) {
        throw new Unavailable(
            "the " + analysis + " service is unavailable (attempt " + attempt + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Unavailable e) {
      throw new UncheckedUnavailable(e);
    } finally {
      log.end(analysis);
    }
    return fn.apply(d.text());
  }

  /** {@link Unavailable} through a function that cannot throw checked exceptions. */
  static final class UncheckedUnavailable extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    UncheckedUnavailable(Unavailable cause) {
      super(cause.getMessage(), cause);
    }
  }
}
