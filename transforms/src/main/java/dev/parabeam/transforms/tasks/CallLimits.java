package dev.parabeam.transforms.tasks;

import dev.failsafe.RateLimiter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the copies of one {@link ResilientCall} share inside one JVM: the permits for calls in
 * flight, the rate limiter and the threads that run synchronous calls. A runner makes many
 * instances of the call's DoFn (one per thread, per stage, per deserialization); they all find the
 * same {@code CallLimits} here by the call's limits name, so the limits hold per worker JVM however
 * many threads the runner uses.
 *
 * <p>Entries live as long as the JVM. They are small: an idle entry holds no thread (the pool's
 * threads end after a minute without work).
 */
final class CallLimits {
  private static final ConcurrentHashMap<String, CallLimits> REGISTRY = new ConcurrentHashMap<>();

  /** Long enough to mean "wait for the permit, however long": the in-flight limit bounds waits. */
  private static final Duration RATE_WAIT = Duration.ofDays(3650);

  private final Semaphore permits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final RateLimiter<Object> rateLimiter;
  private final ExecutorService executor;

  private CallLimits(String name, int maxInFlight, double callsPerSecond) {
    this.permits = new Semaphore(maxInFlight);
    this.rateLimiter =
        callsPerSecond > 0
            ? RateLimiter.smoothBuilder(intervalOf(callsPerSecond))
                .withMaxWaitTime(RATE_WAIT)
                .build()
            : null;
    this.executor = Executors.newCachedThreadPool(daemonThreads("ResilientCall-" + name + "-"));
  }

  /**
   * The shared state of the calls named {@code name} with these limits in this JVM. Calls that
   * share a name but not the limits get separate state.
   */
  static CallLimits of(String name, int maxInFlight, double callsPerSecond) {
    String key = name + " maxInFlight=" + maxInFlight + " callsPerSecond=" + callsPerSecond;
    return REGISTRY.computeIfAbsent(key, k -> new CallLimits(name, maxInFlight, callsPerSecond));
  }

  static Duration intervalOf(double callsPerSecond) {
    return Duration.ofNanos(Math.max(1L, Math.round(1e9 / callsPerSecond)));
  }

  /**
   * Waits until fewer than the limit are in flight, takes a place, and returns how many are in
   * flight with this one.
   */
  int acquire() throws InterruptedException {
    permits.acquire();
    return inFlight.incrementAndGet();
  }

  /** Gives back a place taken by {@link #acquire}. */
  void release() {
    inFlight.decrementAndGet();
    permits.release();
  }

  /** The shared smooth rate limiter, or null when the rate is not limited. */
  @SuppressWarnings("unchecked")
  <R> RateLimiter<R> rateLimiter() {
    // The limiter never looks at results, so one instance serves calls of any result type.
    return (RateLimiter<R>) (RateLimiter<?>) rateLimiter;
  }

  ExecutorService executor() {
    return executor;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
