package dev.parabeam.transforms.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Input bytes parsed so far per run, as the workers in this JVM report them: a progress bar's work
 * done while a run is in flight, which Beam's metrics give only per finished bundle (the
 * DirectRunner) or not before the job ends (the FlinkRunner's {@code run} waits for it). Only the
 * runners that work in the launcher's JVM (the DirectRunner, embedded Flink) report here; a
 * cluster's TaskManagers add to their own JVM's, which nobody reads. A bundle that is retried adds
 * twice (attempted, like Beam's attempted metrics): a reader clamps at its total. A run is named by
 * its spill directory, which is unique to it (under its staging directory).
 */
public final class LocalProgress {
  private static final ConcurrentHashMap<String, LongAdder> RUNS = new ConcurrentHashMap<>();

  private LocalProgress() {}

  /** Adds {@code bytes} parsed to run {@code run}'s count. */
  public static void add(String run, long bytes) {
    RUNS.computeIfAbsent(run, k -> new LongAdder()).add(bytes);
  }

  /** Bytes run {@code run} has parsed in this JVM so far, or -1 if none were reported here. */
  public static long get(String run) {
    LongAdder a = RUNS.get(run);
    return a == null ? -1 : a.sum();
  }

  /** Drops run {@code run}'s count (it has ended). */
  public static void forget(String run) {
    RUNS.remove(run);
  }
}
