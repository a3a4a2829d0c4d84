package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.AggregateJob;
import dev.parabeam.pipelines.Cli;
import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.Launcher;
import dev.parabeam.pipelines.RunFolders;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code speedup}: reproduces the "sequential vs N workers" table for the {@code aggregate} job.
 *
 * <p>For every runner, work setting and dataset size it runs the same pipeline with 1 worker and
 * with N workers, {@code --repeats} times each, interleaved, in this JVM after a warm-up, and
 * reports the median pipeline time ({@code pipeline_seconds} of the job's summary.json: the
 * record-boundary scan, then {@code Pipeline.run()} to finish). Beside it: the plain-Java
 * single-thread time for the same parse and the same per-record work (the COST baseline),
 * efficiency against the ideal speedup, and the fixed start-up cost of a fresh JVM measured
 * separately. Every results.csv must be byte-identical to the 1-worker one, or the command fails.
 * Writes speedup.md, speedup.csv and speedup.png.
 */
public final class Speedup {
  /** Where generated datasets come from: {@code Datasets.ensure} of the pipelines package. */
  @FunctionalInterface
  public interface DatasetSource {
    Path ensure(Path dir, long rows, long seed) throws IOException;
  }

  static final String DEFAULT_SIZES = "10000,100000,1000000";
  static final String DEFAULT_WORK = "cpu";

  /**
   * Default µs per record when --workMicros is not given: they keep the default run under 15
   * minutes.
   */
  static final Map<String, Long> DEFAULT_MICROS = Map.of("cpu", 80L, "io", 100L, "none", 0L);

  static final String KEY = "product";
  static final String VALUE = "amount";
  static final int TINY_ROWS = 1000;

  private Speedup() {}

  /** The parsed options. */
  static final class Options {
    long[] sizes;
    List<String> works = new ArrayList<>();
    Map<String, Long> micros = new LinkedHashMap<>();
    int workers;
    List<String> runners = new ArrayList<>();
    int repeats;
    int baselineRepeats;

    /** The given --output, or the base under which a folder per run is made. */
    Path output;

    /** Whether to make a new folder under {@link #output} for this run (no --output given). */
    boolean newFolder;

    Path dataDir;
    long seed;
    boolean startup;
    long warmupRows;
  }

  /**
   * Runs the command; returns the exit code. Misuse: one {@code error:} line on {@code err} and 2.
   */
  public static int run(String[] argv, PrintStream out, PrintStream err, DatasetSource datasets) {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty(
          "java.awt.headless", "true"); // the chart is drawn off-screen; no display needed
    }
    return Cli.execute(new Line(out, datasets, argv), argv, out, err);
  }

  /** The command line: every option as written, checked and turned into {@link Options}. */
  @Command(
      name = "speedup",
      description = {
        "The sequential vs N-worker speedup table of the aggregate job, measured in this JVM after a",
        "warm-up (median pipeline time of --repeats runs, interleaved), with the plain-Java baseline",
        "and the fresh-JVM start-up cost beside it. Defaults: cpu work of "
            + 80
            + " µs per record (io: 100 µs);",
        "--work=io --workMicros=1000 --sizes=10000,100000 is the classic table's cost."
      },
      sortOptions = false,
      showDefaultValues = true)
  static final class Line extends Cli.Base implements Callable<Integer> {
    private final PrintStream out;
    private final DatasetSource datasets;
    private final String[] argv;

    @Option(names = "--sizes", defaultValue = DEFAULT_SIZES, description = "Records, a,b,...")
    String sizes;

    @Option(
        names = "--work",
        defaultValue = DEFAULT_WORK,
        description = "cpu, io or none (or a list).")
    String work;

    @Option(
        names = "--workMicros",
        description = "µs of work per record: N, or kind:N,... (default cpu:80, io:100).")
    String workMicros;

    @Option(names = "--workers", defaultValue = "4", description = "N, compared with 1 worker.")
    String workers;

    @Option(
        names = "--runner",
        defaultValue = "DirectRunner",
        description = "DirectRunner, FlinkRunner (embedded), or both.")
    String runner;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs per cell (median).")
    String repeats;

    @Option(
        names = "--output",
        description = "Where the tables go. Default: a new build/speedup/<time> per run.")
    String output;

    @Option(names = "--baselineRepeats", defaultValue = "1", description = "Plain-Java runs.")
    String baselineRepeats;

    @Option(names = "--dataDir", defaultValue = "build/data", description = "Dataset cache.")
    String dataDir;

    @Option(names = "--seed", defaultValue = "42", description = "Dataset seed.")
    String seed;

    @Option(
        names = "--startup",
        defaultValue = "true",
        description = "Measure the fresh-JVM start-up cost too.")
    String startup;

    @Option(names = "--warmupRows", defaultValue = "10000", description = "Warm-up input size.")
    String warmupRows;

    Line() {
      this(System.out, null, new String[0]);
    }

    Line(PrintStream out, DatasetSource datasets, String[] argv) {
      this.out = out;
      this.datasets = datasets;
      this.argv = argv;
    }

    Map<String, String> values() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("sizes", sizes);
      m.put("work", work);
      if (workMicros != null) {
        m.put("workMicros", workMicros);
      }
      m.put("workers", workers);
      m.put("runner", runner);
      m.put("repeats", repeats);
      if (output != null) {
        m.put("output", output);
      }
      m.put("baselineRepeats", baselineRepeats);
      m.put("dataDir", dataDir);
      m.put("seed", seed);
      m.put("startup", startup);
      m.put("warmupRows", warmupRows);
      return m;
    }

    @Override
    public Integer call() throws Exception {
      Options o = parse(values());
      return new Runner(o, out, datasets, String.join(" ", commandLine(argv))).run();
    }
  }

  static List<String> commandLine(String[] argv) {
    List<String> c = new ArrayList<>(List.of("./run.sh", "speedup"));
    c.addAll(Arrays.asList(argv));
    return c;
  }

  /** The options of a command line (for tests). */
  static Options parse(String[] argv) {
    Line line = new Line();
    Cli.commandLine(line, System.out, System.err).parseArgs(argv);
    return parse(line.values());
  }

  static Options parse(Map<String, String> a) {
    Options o = new Options();
    o.sizes =
        Arrays.stream(list(a.getOrDefault("sizes", DEFAULT_SIZES), "sizes"))
            .mapToLong(s -> positive(s, "sizes"))
            .distinct()
            .sorted()
            .toArray();
    for (String w : list(a.getOrDefault("work", DEFAULT_WORK), "work")) {
      String k = w.toLowerCase(Locale.ROOT);
      if (!DEFAULT_MICROS.containsKey(k)) {
        throw new UsageException(
            "--work must be cpu, io or none (or a list of them), got '" + w + "'");
      }
      if (!o.works.contains(k)) {
        o.works.add(k);
      }
    }
    o.micros.putAll(DEFAULT_MICROS);
    if (a.containsKey("workMicros")) {
      String m = a.get("workMicros");
      if (m.contains(":")) {
        for (String part : list(m, "workMicros")) {
          String[] kv = part.split(":", 2);
          String k = kv[0].trim().toLowerCase(Locale.ROOT);
          if (!DEFAULT_MICROS.containsKey(k) || kv.length < 2) {
            throw new UsageException(
                "--workMicros must be N or kind:N,... with kind cpu or io, got '" + part + "'");
          }
          o.micros.put(k, nonNegative(kv[1], "workMicros"));
        }
      } else {
        long n = nonNegative(m, "workMicros");
        for (String w : o.works) {
          o.micros.put(w, n);
        }
      }
    }
    o.micros.put("none", 0L);
    o.workers = (int) positive(a.getOrDefault("workers", "4"), "workers");
    if (o.workers < 2) {
      throw new UsageException("--workers must be at least 2 (it is compared with 1 worker)");
    }
    for (String r : list(a.getOrDefault("runner", "DirectRunner"), "runner")) {
      String n = r.trim();
      if (n.equalsIgnoreCase("DirectRunner") || n.equalsIgnoreCase("direct")) {
        n = "DirectRunner";
      } else if (n.equalsIgnoreCase("FlinkRunner") || n.equalsIgnoreCase("flink")) {
        n = "FlinkRunner";
      } else {
        throw new UsageException(
            "--runner must be DirectRunner or FlinkRunner (or both, comma-separated), got '"
                + r
                + "'");
      }
      if (!o.runners.contains(n)) {
        o.runners.add(n);
      }
    }
    o.repeats = (int) positive(a.getOrDefault("repeats", "3"), "repeats");
    o.baselineRepeats =
        (int) nonNegative(a.getOrDefault("baselineRepeats", "1"), "baselineRepeats");
    o.output = Paths.get(a.getOrDefault("output", "build/speedup")).toAbsolutePath().normalize();
    o.newFolder = !a.containsKey("output");
    o.dataDir = Paths.get(a.getOrDefault("dataDir", "build/data")).toAbsolutePath().normalize();
    if (o.output.startsWith(o.dataDir) || o.dataDir.startsWith(o.output)) {
      throw new UsageException("--output and --dataDir must not contain one another");
    }
    if (Files.exists(o.output) && !Files.isDirectory(o.output)) {
      throw new UsageException("--output=" + o.output + " exists and is not a directory");
    }
    o.seed = nonNegative(a.getOrDefault("seed", "42"), "seed");
    String st = a.getOrDefault("startup", "true");
    if (!st.equals("true") && !st.equals("false")) {
      throw new UsageException("--startup must be true or false, got '" + st + "'");
    }
    o.startup = st.equals("true");
    o.warmupRows = nonNegative(a.getOrDefault("warmupRows", "10000"), "warmupRows");
    return o;
  }

  private static String[] list(String v, String name) {
    String[] parts = v.split(",");
    if (v.isBlank() || parts.length == 0) {
      throw new UsageException("--" + name + " must not be empty");
    }
    return parts;
  }

  private static long positive(String s, String name) {
    long n = nonNegative(s, name);
    if (n < 1) {
      throw new UsageException("--" + name + " must be at least 1, got '" + s + "'");
    }
    return n;
  }

  private static long nonNegative(String s, String name) {
    try {
      long n = Long.parseLong(s.trim().replace("_", ""));
      if (n < 0) {
        throw new UsageException("--" + name + " must not be negative, got '" + s + "'");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--" + name + " must be a whole number (or a comma-separated list), got '" + s + "'");
    }
  }

  private static final Pattern PIPELINE_SECONDS =
      Pattern.compile("\"pipeline_seconds\"\\s*:\\s*([0-9.eE+-]+)");

  /** {@code pipeline_seconds} of a summary.json. */
  static double pipelineSeconds(String summaryJson) {
    Matcher m = PIPELINE_SECONDS.matcher(summaryJson);
    if (!m.find()) {
      throw new IllegalStateException("summary.json has no pipeline_seconds");
    }
    return Double.parseDouble(m.group(1));
  }

  /** One measuring session. */
  private static final class Runner {
    private final Options o;
    private final PrintStream out;
    private final DatasetSource datasets;
    private final String command;
    private final int cores = Runtime.getRuntime().availableProcessors();

    Runner(Options o, PrintStream out, DatasetSource datasets, String command) {
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
      Path tiny = datasets.ensure(o.dataDir, TINY_ROWS, o.seed);
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
      for (String runner : o.runners) {
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < o.repeats; i++) {
          t.add(job(runner, "none", 0, tiny, o.workers, runs.resolve("tiny"))[0]);
        }
        warmTiny.put(runner, Stats.median(t));
      }

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
              TINY_ROWS);
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
      List<Double> seq = new ArrayList<>();
      List<Double> par = new ArrayList<>();
      List<Double> seqJob = new ArrayList<>();
      List<Double> parJob = new ArrayList<>();
      String tag = runner + "-" + work + "-" + rows;
      Path d1 = runs.resolve(tag + "-w1");
      Path dn = runs.resolve(tag + "-w" + o.workers);
      byte[] reference = null;
      for (int r = 0; r < o.repeats; r++) {
        // alternate the order, so that drift of the machine hits both sides alike
        boolean oneFirst = r % 2 == 0;
        for (int side = 0; side < 2; side++) {
          boolean one = (side == 0) == oneFirst;
          int n = one ? 1 : o.workers;
          double[] t = job(runner, work, micros, input, n, one ? d1 : dn);
          (one ? seq : par).add(t[0]);
          (one ? seqJob : parJob).add(t[1]);
          byte[] results = Files.readAllBytes((one ? d1 : dn).resolve("results.csv"));
          if (reference == null) {
            reference = results;
          } else if (!Arrays.equals(reference, results)) {
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
        }
      }
      String plainKey = work + "-" + micros + "-" + rows;
      List<Double> plain = plainCache.get(plainKey);
      if (plain == null) {
        plain = new ArrayList<>();
        SimulatedWork sw = new SimulatedWork(SimulatedWork.Kind.parse(work), micros);
        for (int r = 0; r < o.baselineRepeats; r++) {
          long t0 = System.nanoTime();
          String results = PlainJavaWork.run(input, KEY, VALUE, sw);
          double secs = (System.nanoTime() - t0) / 1e9;
          if (!Arrays.equals(reference, results.getBytes(StandardCharsets.UTF_8))) {
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
                  "--keyColumn=" + KEY,
                  "--valueColumn=" + VALUE,
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
}
