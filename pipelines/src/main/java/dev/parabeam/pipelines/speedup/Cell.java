package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.bench.Interleaved;
import java.util.List;

/** The measurements of one row of the table: one runner, one work setting, one dataset size. */
public final class Cell {
  public final String runner;
  public final String work;
  public final long workMicros;
  public final long rows;
  public final int workers;
  public final int cores;

  /** Pipeline seconds (scan, then run() to finish) of the 1-worker runs, in run order. */
  public final List<Double> sequentialRuns;

  /** Pipeline seconds of the N-worker runs. */
  public final List<Double> parallelRuns;

  /**
   * Seconds of the whole in-process job (options, planning, construction, run, publishing), 1
   * worker.
   */
  public final List<Double> sequentialJobRuns;

  /** The same for N workers. */
  public final List<Double> parallelJobRuns;

  /** Seconds of the plain-Java single-thread baseline doing the same parse and the same work. */
  public final List<Double> plainJavaRuns;

  public Cell(
      String runner,
      String work,
      long workMicros,
      long rows,
      int workers,
      int cores,
      List<Double> sequentialRuns,
      List<Double> parallelRuns,
      List<Double> sequentialJobRuns,
      List<Double> parallelJobRuns,
      List<Double> plainJavaRuns) {
    this.runner = runner;
    this.work = work;
    this.workMicros = workMicros;
    this.rows = rows;
    this.workers = workers;
    this.cores = cores;
    this.sequentialRuns = List.copyOf(sequentialRuns);
    this.parallelRuns = List.copyOf(parallelRuns);
    this.sequentialJobRuns = List.copyOf(sequentialJobRuns);
    this.parallelJobRuns = List.copyOf(parallelJobRuns);
    this.plainJavaRuns = List.copyOf(plainJavaRuns);
  }

  public double sequential() {
    return Interleaved.median(sequentialRuns);
  }

  public double parallel() {
    return Interleaved.median(parallelRuns);
  }

  public double speedup() {
    return Stats.speedup(sequential(), parallel());
  }

  public int ideal() {
    return Stats.ideal(work, workers, cores);
  }

  public double efficiency() {
    return Stats.efficiency(speedup(), ideal());
  }

  public double plainJava() {
    return plainJavaRuns.isEmpty() ? Double.NaN : Interleaved.median(plainJavaRuns);
  }

  /** The label of this cell's line in the chart, e.g. {@code DirectRunner io 1000µs}. */
  public String series() {
    return runner + " " + workLabel(work, workMicros);
  }

  static String workLabel(String work, long micros) {
    return work.equals("none") ? "no work" : work + " " + micros + "µs";
  }
}
