package dev.parabeam.pipelines.analyze;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * One analysis behind a simulated remote service: every call waits {@code latencyMillis}, and
 * failures and slowness are injected deterministically from the seed, the document's id, the
 * analysis and the attempt:
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
 * The service counts the attempts at each (document, analysis) in the worker JVM, as a real service
 * would count requests, under a run id, so that runs in one JVM do not share counts.
 */
final class SimulatedService implements SerializableFunction<Document, String> {
  private static final long serialVersionUID = 1L;

  /** A failure the caller may retry: the service is briefly unavailable. */
  static final class Unavailable extends IOException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  private static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

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

  @Override
  public String apply(Document d) {
    int attempt =
        ATTEMPTS
            .computeIfAbsent(runId + "/" + analysis + "/" + d.id(), k -> new AtomicInteger())
            .incrementAndGet();
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
