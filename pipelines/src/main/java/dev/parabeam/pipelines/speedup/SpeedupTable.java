package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.bench.Interleaved;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders the measured cells as Markdown ({@code speedup.md}) and CSV ({@code speedup.csv}). */
public final class SpeedupTable {
  /** Column names of {@code speedup.csv}, in order. */
  public static final String CSV_HEADER =
      "runner,work,work_micros,rows,workers,cores,sequential_s,parallel_s,speedup,ideal,efficiency,"
          + "plain_java_1_thread_s,sequential_job_s,parallel_job_s,sequential_runs_s,parallel_runs_s,"
          + "plain_java_runs_s";

  /** What the table does not show per row: machine, settings, fixed costs. */
  public static final class Context {
    public final String command;
    public final int cores;
    public final String jvm;
    public final String date;
    public final int repeats;
    public final int baselineRepeats;

    /** Per runner: fixed start-up cost measured in fresh JVMs (empty if not measured). */
    public final Map<String, Startup.Result> startup;

    /** Per runner: median pipeline seconds of a tiny input in the warmed JVM with N workers. */
    public final Map<String, Double> warmTiny;

    /** System load average (1 min) when the measurements started and ended; negative if unknown. */
    public final double loadBefore;

    public final double loadAfter;

    public Context(
        String command,
        int cores,
        String jvm,
        String date,
        int repeats,
        int baselineRepeats,
        Map<String, Startup.Result> startup,
        Map<String, Double> warmTiny,
        double loadBefore,
        double loadAfter) {
      this.loadBefore = loadBefore;
      this.loadAfter = loadAfter;
      this.command = command;
      this.cores = cores;
      this.jvm = jvm;
      this.date = date;
      this.repeats = repeats;
      this.baselineRepeats = baselineRepeats;
      this.startup = new LinkedHashMap<>(startup);
      this.warmTiny = new LinkedHashMap<>(warmTiny);
    }
  }

  private SpeedupTable() {}

  /** One CSV line per cell, with a header; all numbers in seconds, dot decimals. */
  public static String csv(List<Cell> cells) {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (Cell c : cells) {
      sb.append(
              String.join(
                  ",",
                  c.runner,
                  c.work,
                  Long.toString(c.workMicros),
                  Long.toString(c.rows),
                  Integer.toString(c.workers),
                  Integer.toString(c.cores),
                  num(c.sequential()),
                  num(c.parallel()),
                  ratio(c.speedup()),
                  Integer.toString(c.ideal()),
                  ratio(c.efficiency()),
                  c.plainJavaRuns.isEmpty() ? "" : num(c.plainJava()),
                  num(Interleaved.median(c.sequentialJobRuns)),
                  num(Interleaved.median(c.parallelJobRuns)),
                  runs(c.sequentialRuns),
                  runs(c.parallelRuns),
                  runs(c.plainJavaRuns)))
          .append('\n');
    }
    return sb.toString();
  }

  /** The Markdown report: per runner and work the classic table, its details and a caption. */
  public static String markdown(List<Cell> cells, Context ctx) {
    StringBuilder sb = new StringBuilder();
    Map<String, List<Cell>> groups = new LinkedHashMap<>();
    for (Cell c : cells) {
      groups.computeIfAbsent(c.series() + "|" + c.workers, k -> new ArrayList<>()).add(c);
    }
    for (List<Cell> g : groups.values()) {
      Cell first = g.get(0);
      int n = first.workers;
      sb.append("### ")
          .append(first.runner)
          .append(", ")
          .append(workCaption(first))
          .append(", ")
          .append(n)
          .append(" workers\n\n");
      sb.append("| Dataset Size | Sequential Processing | Parallel Processing (")
          .append(n)
          .append(" workers) | Speedup |\n");
      sb.append(
          "|--------------|----------------------|--------------------------------|---------|\n");
      for (Cell c : g) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %,d records | %s seconds | %s seconds | %sx |%n",
                c.rows,
                secs(c.sequential()),
                secs(c.parallel()),
                fixed1(c.speedup())));
      }
      sb.append('\n');
      sb.append(
              "| Dataset Size | Ideal | Efficiency | Plain Java, 1 thread, same work | "
                  + "Pipeline / plain Java (1 worker) | Whole job in-process, 1 / ")
          .append(n)
          .append(" workers | " + "Bound if the tiny-input run time F stays serial |\n");
      sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Cell c : g) {
        String plain = c.plainJavaRuns.isEmpty() ? "not measured" : secs(c.plainJava()) + " s";
        String cost =
            c.plainJavaRuns.isEmpty()
                ? ""
                : String.format(Locale.ROOT, "%.2fx", c.sequential() / c.plainJava());
        Double f = ctx.warmTiny.get(c.runner);
        String bound =
            f == null
                ? ""
                : String.format(Locale.ROOT, "%.2fx", Stats.amdahl(c.sequential(), f, c.ideal()));
        sb.append(
            String.format(
                Locale.ROOT,
                "| %,d | %dx | %.0f%% | %s | %s | %s s / %s s | %s |%n",
                c.rows,
                c.ideal(),
                100 * c.efficiency(),
                plain,
                cost,
                secs(Interleaved.median(c.sequentialJobRuns)),
                secs(Interleaved.median(c.parallelJobRuns)),
                bound));
      }
      sb.append('\n');
      sb.append(caption(first, ctx)).append("\n\n");
    }
    sb.append(fixedCosts(ctx));
    sb.append(timed(ctx));
    return sb.toString();
  }

  static String workCaption(Cell c) {
    switch (c.work) {
      case "io":
        return "io work: a blocking wait of " + c.workMicros + " µs per record";
      case "cpu":
        return "cpu work: a compute loop of " + c.workMicros + " µs per record";
      default:
        return "no simulated work";
    }
  }

  static String caption(Cell c, Context ctx) {
    return String.format(
        Locale.ROOT,
        "*%s, per-record work `--work=%s --workMicros=%d`. Each time is %s of the pipeline "
            + "(`pipeline_seconds`: record-boundary scan, then `Pipeline.run()` to finish) in one warmed JVM, 1 worker and %d workers interleaved; "
            + "ideal = %s; efficiency = speedup / ideal. Plain Java: commons-csv + HashMap on one thread "
            + "doing the same per-record work (%s). %d cores, Java %s, %s%s. results.csv identical for 1 and %d "
            + "workers and plain Java.*",
        c.runner,
        c.work,
        c.workMicros,
        Interleaved.medianOf(ctx.repeats),
        c.workers,
        c.work.equals("io")
            ? "workers (waits overlap)"
            : "min(workers, cores) (computation needs a core)",
        Interleaved.medianOf(ctx.baselineRepeats),
        ctx.cores,
        ctx.jvm,
        ctx.date,
        load(ctx),
        c.workers);
  }

  static String load(Context ctx) {
    if (ctx.loadBefore < 0) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        ", system load average %.1f at the start and %.1f at the end",
        ctx.loadBefore,
        ctx.loadAfter);
  }

  static String fixedCosts(Context ctx) {
    if (ctx.startup.isEmpty() && ctx.warmTiny.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("### Fixed costs, not in the table above\n\n");
    sb.append(
        "| Runner | Fresh JVM, tiny input: wall | of it, pipeline run | Fixed start-up outside the run (JVM, "
            + "options, planning, pipeline construction, publishing) | Tiny input, warmed JVM: pipeline run (F) | "
            + "Cold start in all (fresh wall - F) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|\n");
    List<String> runners = new ArrayList<>(ctx.startup.keySet());
    for (String r : ctx.warmTiny.keySet()) {
      if (!runners.contains(r)) {
        runners.add(r);
      }
    }
    for (String r : runners) {
      Startup.Result s = ctx.startup.get(r);
      Double w = ctx.warmTiny.get(r);
      sb.append("| ")
          .append(r)
          .append(" | ")
          .append(s == null ? "not measured" : secs(s.wallSeconds) + " s")
          .append(" | ")
          .append(s == null ? "" : secs(s.pipelineSeconds) + " s")
          .append(" | ")
          .append(s == null ? "" : secs(s.fixedSeconds()) + " s")
          .append(" | ")
          .append(w == null ? "" : secs(w) + " s")
          .append(" | ")
          .append(s == null || w == null ? "" : secs(s.wallSeconds - w) + " s")
          .append(" |\n");
    }
    sb.append(
        "\nThe fixed start-up is paid once per job in a fresh JVM and is not part of the pipeline times "
            + "above. The warmed tiny-input run (F) is the part of every pipeline run that does not shrink with "
            + "more workers; the column \"Bound if F stays serial\" above is seq / ((seq - F) / ideal + F), "
            + "Amdahl's law with that part.\n\n");
    return sb.toString();
  }

  static String timed(Context ctx) {
    return "What was timed: for every cell, `AggregateJob.run` was called in this JVM after a warm-up "
        + "(both worker counts, every runner and work kind, on a small input); the table shows `pipeline_seconds` "
        + "of its summary.json, i.e. the time from the start of the record-boundary scan (done by the launcher "
        + "for inputs up to 64 MiB, by the pipeline for larger ones) until `waitUntilFinish()` returned (scan, "
        + "parse, per-record work, reduce, writing results). The whole in-process job time (options, "
        + "planning, pipeline construction, run, publishing) is shown beside it. The fixed start-up cost was "
        + "measured separately in fresh JVMs. Command: `"
        + ctx.command
        + "`.\n";
  }

  static String secs(double s) {
    return s >= 100 ? String.format(Locale.ROOT, "%.1f", s) : String.format(Locale.ROOT, "%.2f", s);
  }

  static String fixed1(double x) {
    return String.format(Locale.ROOT, "%.2f", x);
  }

  static String num(double x) {
    return String.format(Locale.ROOT, "%.3f", x);
  }

  static String ratio(double x) {
    return String.format(Locale.ROOT, "%.3f", x);
  }

  static String runs(List<Double> xs) {
    return xs.stream().map(SpeedupTable::num).collect(Collectors.joining(";"));
  }
}
