package dev.parabeam.pipelines.speedup;

import java.util.Locale;

/**
 * The arithmetic of the speedup table: speedup, ideal speedup, Amdahl's bound and efficiency (the
 * medians are {@link dev.parabeam.pipelines.bench.Interleaved}'s).
 */
public final class Stats {
  private Stats() {}

  /** How many times faster the parallel run was: {@code sequential / parallel}. */
  public static double speedup(double sequentialSeconds, double parallelSeconds) {
    if (!(sequentialSeconds > 0) || !(parallelSeconds > 0)) {
      throw new IllegalArgumentException(
          "times must be positive, got " + sequentialSeconds + " and " + parallelSeconds);
    }
    return sequentialSeconds / parallelSeconds;
  }

  /**
   * The best speedup {@code workers} workers can reach for {@code work}: waits overlap, so io work
   * can go {@code workers} times faster; computation cannot use more cores than there are, so cpu
   * (and none: parsing is computation too) reaches at most {@code min(workers, cores)}.
   */
  public static int ideal(String work, int workers, int cores) {
    if (workers < 1 || cores < 1) {
      throw new IllegalArgumentException("workers and cores must be >= 1");
    }
    return work.toLowerCase(Locale.ROOT).equals("io") ? workers : Math.min(workers, cores);
  }

  /**
   * Amdahl's law: the best speedup of a run of {@code sequentialSeconds} of which {@code
   * serialSeconds} do not shrink with more workers and the rest shrinks {@code ideal} times.
   */
  public static double amdahl(double sequentialSeconds, double serialSeconds, int ideal) {
    double serial = Math.min(Math.max(0, serialSeconds), sequentialSeconds);
    return sequentialSeconds / ((sequentialSeconds - serial) / ideal + serial);
  }

  /** Speedup as a fraction of the ideal one. */
  public static double efficiency(double speedup, int ideal) {
    if (ideal < 1) {
      throw new IllegalArgumentException("ideal must be >= 1, got " + ideal);
    }
    return speedup / ideal;
  }
}
