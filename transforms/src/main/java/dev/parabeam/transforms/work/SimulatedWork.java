package dev.parabeam.transforms.work;

import java.io.Serializable;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Per-record work that stands in for a real computation when measuring parallel speedup. It never
 * changes a result.
 *
 * <ul>
 *   <li>{@code none}: nothing.
 *   <li>{@code cpu}: a deterministic integer loop (xorshift over the key's hash) of about {@code
 *       micros} µs; the number of iterations per µs is measured once per JVM.
 *   <li>{@code io}: a blocking wait of at least {@code micros} µs, like a remote call.
 * </ul>
 *
 * Thread-safe; each thread keeps its own sink for the loop's result so the JIT cannot drop it.
 */
public final class SimulatedWork implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What kind of work. */
  public enum Kind {
    NONE,
    CPU,
    IO;

    public static Kind parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("work must be none, cpu or io, got '" + s + "'");
      }
    }
  }

  private static volatile double iterationsPerMicro;
  private static final ThreadLocal<long[]> SINK = ThreadLocal.withInitial(() -> new long[1]);

  private final Kind kind;
  private final long micros;

  public SimulatedWork(Kind kind, long micros) {
    if (micros < 0) {
      throw new IllegalArgumentException("workMicros must be >= 0, got " + micros);
    }
    this.kind = kind;
    this.micros = kind == Kind.NONE ? 0 : micros;
  }

  public static SimulatedWork none() {
    return new SimulatedWork(Kind.NONE, 0);
  }

  public Kind kind() {
    return kind;
  }

  public long micros() {
    return micros;
  }

  public boolean isNone() {
    return kind == Kind.NONE || micros == 0;
  }

  /** Prepares the work in this JVM (measures the CPU loop); cheap after the first call. */
  public void prepare() {
    if (kind == Kind.CPU) {
      calibrate();
    }
  }

  /** Does the work for one record. */
  public void run(String key) {
    switch (kind) {
      case CPU:
        long n = Math.max(1, Math.round(micros * calibrate()));
        SINK.get()[0] += spin(key.hashCode(), n);
        return;
      case IO:
        if (micros > 0) {
          waitAtLeast(micros);
        }
        return;
      default:
    }
  }

  /** The CPU loop: {@code n} rounds of xorshift64. Deterministic for a given seed and n. */
  public static long spin(long seed, long n) {
    long x = seed | 1;
    for (long i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
    }
    return x;
  }

  private static void waitAtLeast(long micros) {
    long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** Loop iterations per µs on this JVM, measured once: best of several timed runs. */
  public static double calibrate() {
    double v = iterationsPerMicro;
    if (v > 0) {
      return v;
    }
    synchronized (SimulatedWork.class) {
      if (iterationsPerMicro > 0) {
        return iterationsPerMicro;
      }
      long sink = 0;
      // Warm the loop up first, so that it is measured as the JIT will run it in the job;
      // measured cold, it looks slower and the work would come out shorter than asked.
      long warmUntil = System.nanoTime() + 300_000_000L;
      for (int round = 0; System.nanoTime() < warmUntil || round < 20; round++) {
        sink += spin(round, 200_000);
      }
      long n = 1_000_000;
      double best = 0;
      for (int round = 0; round < 10; round++) {
        long t0 = System.nanoTime();
        sink += spin(round, n);
        long dt = System.nanoTime() - t0;
        best = Math.max(best, n / (dt / 1000.0));
      }
      SINK.get()[0] += sink;
      iterationsPerMicro = best;
      return best;
    }
  }

  @Override
  public String toString() {
    return kind == Kind.NONE
        ? "none"
        : kind.name().toLowerCase(Locale.ROOT) + " " + micros + "µs/record";
  }
}
