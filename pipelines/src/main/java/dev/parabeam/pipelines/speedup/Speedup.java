package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.Cli;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
 *
 * <p>A little over 300 lines: its command line and the checks of every option; the measuring
 * session is {@link SpeedupRunner}.
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
      return new SpeedupRunner(o, out, datasets, String.join(" ", commandLine(argv))).run();
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
}
