package dev.parabeam.pipelines.launcher;

import java.util.Locale;

/**
 * A run's progress at one instant: how much of its work is done of the total (input bytes for the
 * CSV jobs; 0 when the job does not know its total), and since when; the rate and the time left
 * follow from them. A plain line for logs ({@link #line}), the numbers for the terminal's bar.
 */
public record Progress(long done, long total, long elapsedMillis) {
  public Progress {
    if (done < 0 || total < 0 || elapsedMillis < 0) {
      throw new IllegalArgumentException(done + " of " + total + " after " + elapsedMillis + " ms");
    }
  }

  /** Whether the total is known (a fraction and a time left can be given). */
  public boolean known() {
    return total > 0;
  }

  /** Done as a fraction of the total, at most 1. */
  public double fraction() {
    return known() ? Math.min(1.0, (double) done / total) : 0;
  }

  /** Units of work per second so far (the average since the start: steady, not jumpy). */
  public double ratePerSecond() {
    return elapsedMillis == 0 ? 0 : done * 1000.0 / elapsedMillis;
  }

  /** Milliseconds left at the rate so far, or -1 when it cannot be told (nothing done yet). */
  public long etaMillis() {
    if (!known() || done == 0) {
      return -1;
    }
    if (done >= total) {
      return 0;
    }
    return (long) Math.ceil((total - done) * (double) elapsedMillis / done);
  }

  /**
   * One line: {@code progress: 45% (180.0 of 400.0 MB), 90.0 MB/s, 2.0 s elapsed, about 2.4 s
   * left}; without a total, {@code progress: 2.0 s elapsed, <state>}.
   */
  public String line(String state) {
    return line(state, " MB", 1_000_000);
  }

  /** {@link #line(String)} with the work in {@code unit}s of {@code perUnit} counts. */
  public String line(String state, String unit, long perUnit) {
    if (!known()) {
      return String.format(
          Locale.ROOT,
          "progress: %s elapsed, %s",
          duration(elapsedMillis),
          state.toLowerCase(Locale.ROOT));
    }
    long eta = etaMillis();
    String u = unit.strip();
    // whole counts of whole units (calls, tasks), one decimal of larger ones (MB)
    String number = perUnit == 1 ? "%.0f" : "%.1f";
    return String.format(
        Locale.ROOT,
        "progress: %d%% (" + number + " of " + number + " %s), %.1f %s/s, %s elapsed, %s",
        (int) Math.floor(fraction() * 100),
        done / (double) perUnit,
        total / (double) perUnit,
        u,
        ratePerSecond() / perUnit,
        u,
        duration(elapsedMillis),
        eta < 0 ? "time left not known yet" : "about " + duration(eta) + " left");
  }

  /** {@code 2.0 s}, {@code 3 min 05 s}, {@code 1 h 02 min}. */
  static String duration(long millis) {
    long s = millis / 1000;
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
  }
}
