package dev.parabeam.pipelines.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The measuring loop that {@code bench}, {@code speedup} and {@code analyze-bench} share: every
 * configuration runs once per round, {@code rounds} rounds, in an order that alternates from round
 * to round (the first of one round is the last of the next), so that a machine that drifts (a
 * neighbour, heat, the page cache) hits every configuration alike; each configuration's seconds are
 * kept in order and its figure is their median. What one trial is (a run in this warmed JVM, a
 * fresh JVM, a process of another tool) is the caller's; so are the warm-up before the rounds and
 * the folder per run ({@link RunFolders}).
 */
public final class Interleaved<C> {
  /** One timed run of a configuration in a round (from 0); returns its seconds. */
  @FunctionalInterface
  public interface Trial<C> {
    double seconds(C config, int round) throws Exception;
  }

  private final List<C> configs;
  private final int rounds;

  private Interleaved(List<C> configs, int rounds) {
    if (configs.isEmpty() || rounds < 1) {
      throw new IllegalArgumentException(
          "need a configuration and a round, got " + configs.size() + " and " + rounds);
    }
    this.configs = configs.stream().distinct().toList(); // one run per configuration a round
    this.rounds = rounds;
  }

  public static <C> Interleaved<C> of(List<C> configs, int rounds) {
    return new Interleaved<>(configs, rounds);
  }

  /** The order of round {@code round}: as given on even rounds, reversed on odd ones. */
  public List<C> order(int round) {
    List<C> order = new ArrayList<>(configs);
    if (round % 2 == 1) {
      java.util.Collections.reverse(order);
    }
    return order;
  }

  /** Runs every round; the seconds of each configuration, in the order they were taken. */
  public Map<C, List<Double>> run(Trial<C> trial) throws Exception {
    Map<C, List<Double>> seconds = new LinkedHashMap<>();
    for (C c : configs) {
      seconds.put(c, new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      for (C c : order(r)) {
        seconds.get(c).add(trial.seconds(c, r));
      }
    }
    return seconds;
  }

  /** The median of {@code xs} (the mean of the middle two for an even count). */
  public static double median(Collection<Double> xs) {
    if (xs == null || xs.isEmpty()) {
      throw new IllegalArgumentException("median of no values");
    }
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** "the median of N runs", or "a single run" for one: how a time was taken, in words. */
  public static String medianOf(int runs) {
    return runs == 1 ? "a single run" : "the median of " + runs + " runs";
  }
}
