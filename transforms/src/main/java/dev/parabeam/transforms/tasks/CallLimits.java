package dev.parabeam.transforms.tasks;

import dev.failsafe.RateLimiter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the copies of one {@link ResilientCall} share inside one class loader of a JVM: the permits
 * for calls in flight, the rate limiter and the threads that run the attempts. A runner makes many
 * instances of the call's DoFn (one per thread, per stage, per deserialization); they all find the
 * same {@code CallLimits} here by the call's limits name.
 *
 * <p>The registry is a static field, so it is per class loader: a Flink session cluster loads each
 * job's classes with a class loader of its own, and two jobs there calling one service each have
 * the whole budget. Entries are counted: each DoFn takes its entry in {@code @Setup} ({@link #use})
 * and gives it back in {@code @Teardown} ({@link #unuse}); the last one gives back removes the
 * entry and shuts its threads down.
 */
final class CallLimits {
  private static final Map<String, CallLimits> REGISTRY = new HashMap<>(); // guarded by itself

  /** Long enough to mean "wait for the permit, however long": the in-flight limit bounds waits. */
  private static final Duration RATE_WAIT = Duration.ofDays(3650);

  private final String key;
  private final String name;
  private int users; // guarded by REGISTRY
  private final Semaphore permits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final RateLimiter<Object> rateLimiter;
  private final ThreadPoolExecutor attemptThreads;
  private final ExecutorService dispatch;

  private CallLimits(String key, String name, int maxInFlight, double callsPerSecond) {
    this.key = key;
    this.name = name;
    this.permits = new Semaphore(maxInFlight);
    this.rateLimiter =
        callsPerSecond > 0
            ? RateLimiter.smoothBuilder(intervalOf(callsPerSecond))
                .withMaxWaitTime(RATE_WAIT)
                .build()
            : null;
    // As many threads as calls may be in flight: a thread is busy until its function really
    // returns, so an attempt abandoned at its timeout that goes on running keeps its thread, and
    // the service never sees more than maxInFlight synchronous attempts at once.
    this.attemptThreads =
        new ThreadPoolExecutor(
            maxInFlight,
            maxInFlight,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            daemonThreads("ResilientCall-" + name + "-attempt-"));
    this.attemptThreads.allowCoreThreadTimeOut(true);
    // Failsafe's own steps (starting an attempt, a retry after its delay): short, never blocking.
    this.dispatch = Executors.newCachedThreadPool(daemonThreads("ResilientCall-" + name + "-"));
  }

  private static String keyOf(String name, int maxInFlight, double callsPerSecond) {
    return name + " maxInFlight=" + maxInFlight + " callsPerSecond=" + callsPerSecond;
  }

  /**
   * Takes a use of the shared state of the calls named {@code name} with these limits in this class
   * loader, creating it for the first user. Calls that share a name but not the limits get separate
   * state. Give it back with {@link #unuse}.
   */
  static CallLimits use(String name, int maxInFlight, double callsPerSecond) {
    String key = keyOf(name, maxInFlight, callsPerSecond);
    synchronized (REGISTRY) {
      CallLimits l =
          REGISTRY.computeIfAbsent(key, k -> new CallLimits(k, name, maxInFlight, callsPerSecond));
      l.users++;
      return l;
    }
  }

  /**
   * Gives back a use taken by {@link #use}; the last removes the entry, and its threads end once
   * the attempts they run (abandoned ones included) have.
   */
  void unuse() {
    synchronized (REGISTRY) {
      if (--users > 0) {
        return;
      }
      REGISTRY.remove(key, this);
    }
    attemptThreads.shutdown();
    dispatch.shutdown();
  }

  /** Whether calls named {@code name} have limits registered in this class loader (for tests). */
  static boolean registered(String name) {
    synchronized (REGISTRY) {
      return REGISTRY.values().stream().anyMatch(l -> l.name.equals(name));
    }
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

  /** An attempt starts running (the service sees it): returns how many run with this one. */
  int attemptStarted() {
    return running.incrementAndGet();
  }

  /** An attempt counted by {@link #attemptStarted} has really ended. */
  void attemptEnded() {
    running.decrementAndGet();
  }

  /** The shared smooth rate limiter, or null when the rate is not limited. */
  @SuppressWarnings("unchecked")
  <R> RateLimiter<R> rateLimiter() {
    // The limiter never looks at results, so one instance serves calls of any result type.
    return (RateLimiter<R>) (RateLimiter<?>) rateLimiter;
  }

  /** The maxInFlight threads that run synchronous attempts. */
  ExecutorService attemptThreads() {
    return attemptThreads;
  }

  /** The threads of Failsafe's own short steps. */
  ExecutorService dispatch() {
    return dispatch;
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
