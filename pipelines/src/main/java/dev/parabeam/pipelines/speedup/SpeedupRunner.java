package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.bench.Interleaved;
import dev.parabeam.pipelines.bench.RunFolders;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One measuring session of {@code speedup}: the warm-up, the interleaved 1- and N-worker runs of
 * every cell, the plain-Java baseline, the fresh-JVM start-up cost, and the tables and chart it
 * writes. About 300 lines: one measurement procedure, kept in one place so it reads top to bottom.
 */
final class SpeedupRunner {
  private final Speedup.Options o;
  private final PrintStream out;
  private final Speedup.DatasetSource datasets;
  private final String command;
  private final int cores = Runtime.getRuntime().availableProcessors();

  SpeedupRunner(
      Speedup.Options o, PrintStream out, Speedup.DatasetSource datasets, String command) {
    this.o = o;
    this.out = out;
    this.datasets = datasets;
    this.command = command;
  }

  int run() throws Exception {
    long t0 = System.nanoTime();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (o.newFolder) {
      o.output = RunFolders.next(o.output);
      o.newFolder = false;
    }
    Files.createDirectories(o.output);
    out.println("output: " + o.output);
    Path runs = o.output.resolve("runs");
    out.printf(
        Locale.ROOT,
        "speedup: runners %s, work %s, sizes %s, 1 vs %d workers, %d repeats, %d cores, Java %s%n",
        o.runners,
        workList(),
        Arrays.toString(o.sizes),
        o.workers,
        o.repeats,
        cores,
        System.getProperty("java.version"));

    Map<Long, Path> data = new LinkedHashMap<>();
    for (long rows : o.sizes) {
      data.put(rows, datasets.ensure(o.dataDir, rows, o.seed));
    }
    Path tiny = datasets.ensure(o.dataDir, Speedup.TINY_ROWS, o.seed);
    Path warm = o.warmupRows > 0 ? datasets.ensure(o.dataDir, o.warmupRows, o.seed) : tiny;

    // 1. warm-up: the JIT compiles the parse, the runners load their classes, the cpu loop is
    // calibrated.
    out.println("warming up the JVM ...");
    for (String runner : o.runners) {
      for (int i = 0; i < 3; i++) {
        job(runner, "none", 0, warm, 1, runs.resolve("warmup"));
        job(runner, "none", 0, warm, o.workers, runs.resolve("warmup"));
      }
      for (String w : o.works) {
        job(runner, w, o.micros.get(w), tiny, 1, runs.resolve("warmup"));
        job(runner, w, o.micros.get(w), tiny, o.workers, runs.resolve("warmup"));
      }
    }
    if (o.works.contains("cpu")) {
      out.printf(
          Locale.ROOT,
          "cpu work calibrated: %.0f loop iterations per µs%n",
          SimulatedWork.calibrate());
    }
    // 2. the part of a run that does not shrink: a tiny input in the warmed JVM.
    Map<String, Double> warmTiny = new LinkedHashMap<>();
    Map<String, List<Double>> tinyRuns =
        Interleaved.of(o.runners, o.repeats)
            .run((runner, r) -> job(runner, "none", 0, tiny, o.workers, runs.resolve("tiny"))[0]);
    tinyRuns.forEach((runner, t) -> warmTiny.put(runner, Interleaved.median(t)));

    // 3. the table
    List<Cell> cells = new ArrayList<>();
    Map<String, List<Double>> plainCache = new LinkedHashMap<>();
    for (String runner : o.runners) {
      for (String w : o.works) {
        long micros = o.micros.get(w);
        for (long rows : o.sizes) {
          cells.add(cell(runner, w, micros, rows, data.get(rows), runs, plainCache));
        }
      }
    }

    // 4. fixed start-up cost in fresh JVMs
    Map<String, Startup.Result> startup = new LinkedHashMap<>();
    if (o.startup) {
      for (String runner : o.runners) {
        out.printf(
            Locale.ROOT,
            "fresh-JVM start-up, %s: %d runs of aggregate on %,d rows ...%n",
            runner,
            o.repeats,
            Speedup.TINY_ROWS);
        Path dir = runs.resolve("startup-" + runner);
        startup.put(
            runner,
            Startup.measure(jobArgs(runner, "none", 0, tiny, o.workers, dir), dir, o.repeats));
      }
    }

    SpeedupTable.Context ctx =
        new SpeedupTable.Context(
            command,
            cores,
            jvm(),
            LocalDate.now().toString(),
            o.repeats,
            o.baselineRepeats,
            startup,
            warmTiny,
            loadBefore,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    String md = "## Speedup of the aggregate job\n\n" + SpeedupTable.markdown(cells, ctx);
    Files.writeString(o.output.resolve("speedup.md"), md, StandardCharsets.UTF_8);
    Files.writeString(
        o.output.resolve("speedup.csv"), SpeedupTable.csv(cells), StandardCharsets.UTF_8);
    SpeedupChart.writePng(
        cells,
        cores + " cores, Java " + System.getProperty("java.version"),
        o.output.resolve("speedup.png"));
    out.println();
    out.print(md);
    out.printf(
        Locale.ROOT,
        "%nwritten: %s, speedup.csv, speedup.png (total %.0f s)%n",
        o.output.resolve("speedup.md"),
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  private Cell cell(
      String runner,
      String work,
      long micros,
      long rows,
      Path input,
      Path runs,
      Map<String, List<Double>> plainCache)
      throws Exception {
    // the job's own seconds (pipeline, then job) beside the pipeline seconds the harness keeps
    List<Double> seqJob = new ArrayList<>();
    List<Double> parJob = new ArrayList<>();
    String tag = runner + "-" + work + "-" + rows;
    Path d1 = runs.resolve(tag + "-w1");
    Path dn = runs.resolve(tag + "-w" + o.workers);
    byte[][] reference = {null};
    // 1 and N workers alternate their order from round to round (the harness does)
    Map<Integer, List<Double>> pipeline =
        Interleaved.of(List.of(1, o.workers), o.repeats)
            .run(
                (n, r) -> {
                  boolean one = n == 1;
                  double[] t = job(runner, work, micros, input, n, one ? d1 : dn);
                  (one ? seqJob : parJob).add(t[1]);
                  byte[] results = Files.readAllBytes((one ? d1 : dn).resolve("results.csv"));
                  if (reference[0] == null) {
                    reference[0] = results;
                  } else if (!Arrays.equals(reference[0], results)) {
                    throw new IllegalStateException(
                        String.format(
                            Locale.ROOT,
                            "results.csv differs between 1 and %d workers (%s, %s work, %,d rows): see %s and %s",
                            o.workers,
                            runner,
                            work,
                            rows,
                            d1.resolve("results.csv"),
                            dn.resolve("results.csv")));
                  }
                  out.printf(
                      Locale.ROOT,
                      "  %-12s %-4s %,10d rows  %d worker%s  run %d/%d: pipeline %7.2f s (job %7.2f s)%n",
                      runner,
                      work,
                      rows,
                      n,
                      n == 1 ? " " : "s",
                      r + 1,
                      o.repeats,
                      t[0],
                      t[1]);
                  return t[0];
                });
    List<Double> seq = pipeline.get(1);
    List<Double> par = pipeline.get(o.workers);
    String plainKey = work + "-" + micros + "-" + rows;
    List<Double> plain = plainCache.get(plainKey);
    if (plain == null) {
      plain = new ArrayList<>();
      SimulatedWork sw = new SimulatedWork(SimulatedWork.Kind.parse(work), micros);
      for (int r = 0; r < o.baselineRepeats; r++) {
        long t0 = System.nanoTime();
        String results = PlainJavaWork.run(input, Speedup.KEY, Speedup.VALUE, sw);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!Arrays.equals(reference[0], results.getBytes(StandardCharsets.UTF_8))) {
          throw new IllegalStateException(
              String.format(
                  Locale.ROOT,
                  "the plain-Java baseline's results differ from the job's results.csv (%s work, %,d rows)",
                  work,
                  rows));
        }
        plain.add(secs);
        out.printf(
            Locale.ROOT,
            "  %-12s %-4s %,10d rows  1 thread   run %d/%d: %7.2f s%n",
            "plain Java",
            work,
            rows,
            r + 1,
            o.baselineRepeats,
            secs);
      }
      plainCache.put(plainKey, plain);
    }
    Cell c =
        new Cell(runner, work, micros, rows, o.workers, cores, seq, par, seqJob, parJob, plain);
    out.printf(
        Locale.ROOT,
        "  => %s %,d rows: %.2f s vs %.2f s, speedup %.2fx (ideal %dx, efficiency %.0f%%)%n",
        c.series(),
        rows,
        c.sequential(),
        c.parallel(),
        c.speedup(),
        c.ideal(),
        100 * c.efficiency());
    return c;
  }

  /** Runs the job in this JVM; returns {pipeline seconds, whole job seconds}. */
  private double[] job(String runner, String work, long micros, Path input, int workers, Path dir)
      throws IOException {
    List<String> args = jobArgs(runner, work, micros, input, workers, dir);
    ByteArrayOutputStream jobOut = new ByteArrayOutputStream();
    ByteArrayOutputStream jobErr = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    JobResult result;
    try (PrintStream po = new PrintStream(jobOut, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(jobErr, true, StandardCharsets.UTF_8)) {
      result = Launcher.execute(AggregateJob.INSTANCE, args.toArray(new String[0]), po, pe);
    }
    int rc = result.exitCode();
    double jobSecs = (System.nanoTime() - t0) / 1e9;
    if (rc != 0) {
      String e = Startup.lastErrorLine(jobErr.toString(StandardCharsets.UTF_8));
      throw new IllegalStateException(
          "aggregate failed ("
              + runner
              + ", "
              + workers
              + " workers, "
              + input.getFileName()
              + "): "
              + e.replaceFirst("^error: ", ""));
    }
    double pipeline = result.pipelineSeconds();
    return new double[] {pipeline, jobSecs};
  }

  private List<String> jobArgs(
      String runner, String work, long micros, Path input, int workers, Path dir) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--input=" + input,
                "--keyColumn=" + Speedup.KEY,
                "--valueColumn=" + Speedup.VALUE,
                "--output=" + dir,
                "--overwrite=true",
                "--work=" + work,
                "--workMicros=" + micros));
    if (runner.equals("FlinkRunner")) {
      args.add("--runner=FlinkRunner");
      args.add("--parallelism=" + workers);
    } else {
      args.add("--targetParallelism=" + workers);
    }
    return args;
  }

  private String workList() {
    List<String> l = new ArrayList<>();
    for (String w : o.works) {
      l.add(Cell.workLabel(w, o.micros.get(w)));
    }
    return String.join(", ", l);
  }

  private String jvm() {
    return System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + ", "
        + (ManagementFactory.getRuntimeMXBean().getInputArguments().isEmpty()
            ? "default flags"
            : String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
  }
}
