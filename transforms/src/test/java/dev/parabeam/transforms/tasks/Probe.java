package dev.parabeam.transforms.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the user functions of the tests saw, in static fields: the functions run in copies of the
 * DoFn that the runner deserialized, so this is the one place they all reach. Tests run one at a
 * time; each resets the probe first.
 */
final class Probe {
  private static final ConcurrentHashMap<String, AtomicInteger> ATTEMPTS =
      new ConcurrentHashMap<>();
  private static final AtomicInteger CURRENT = new AtomicInteger();
  private static final AtomicInteger MAX = new AtomicInteger();
  private static final ConcurrentLinkedQueue<Long> STARTS = new ConcurrentLinkedQueue<>();

  private Probe() {}

  static void reset() {
    ATTEMPTS.clear();
    CURRENT.set(0);
    MAX.set(0);
    STARTS.clear();
  }

  /** Counts an attempt for {@code key} and returns its number, from 1. */
  static int attempt(String key) {
    return ATTEMPTS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  static int attempts(String key) {
    AtomicInteger n = ATTEMPTS.get(key);
    return n == null ? 0 : n.get();
  }

  /** A call starts: records its start time and the concurrency it makes. */
  static void enter() {
    STARTS.add(System.nanoTime());
    int now = CURRENT.incrementAndGet();
    MAX.accumulateAndGet(now, Math::max);
  }

  static void exit() {
    CURRENT.decrementAndGet();
  }

  /** The calls between {@link #enter} and {@link #exit} now. */
  static int current() {
    return CURRENT.get();
  }

  /** The most calls that were between {@link #enter} and {@link #exit} at once. */
  static int maxConcurrent() {
    return MAX.get();
  }

  static List<Long> starts() {
    return new ArrayList<>(STARTS);
  }
}
