package dev.parabeam.pipelines.bench;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.baseline.PlainJavaGroupBy;
import dev.parabeam.pipelines.groupby.GroupByJob;
import dev.parabeam.pipelines.launcher.Cli;
import dev.parabeam.pipelines.launcher.Staging;
import dev.parabeam.transforms.stats.Aggregation;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
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
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the aggregate job against its plain-Java baseline, side by side in one run, and
 * the groupby job ({@link #GROUPBY_KEYS} by {@link #GROUPBY_AGGREGATIONS}) at p{@code workers}
 * against its plain-Java baseline ({@link PlainJavaGroupBy}) at {@code workers} threads, on the
 * same data. Every cell is a fresh JVM started as a user would start it (the same -Xmx for all),
 * timed from the outside; each cell is the median of {@code --repeats} runs, the configurations
 * interleaved so that machine noise spreads evenly. All four aggregate result files must be
 * byte-identical, and the groupby job's results must equal its baseline's byte for byte in every
 * column but the percentiles (the job's are approximate, the baseline's exact; how many rows differ
 * there is reported), or the command fails.
 *
 * <p>With {@code --manyKeys}, also the many-keys rows ({@link #manyKeys}): aggregate and groupby on
 * about a million keys or more, each run's peak RSS beside its time.
 *
 * <p>About 500 lines: its options, the interleaved fresh-JVM runs, the byte-for-byte checks and the
 * tables, one procedure read top to bottom.
 */
public final class Bench {
  static final String GROUPBY_KEYS = "region,product";
  static final String GROUPBY_AGGREGATIONS = "count,sum(amount),mean(amount),p90(amount)";
  static final String MANY_KEYS_GROUPBY_KEYS = "product,customer";
  static final String MANY_KEYS_GROUPBY_AGGREGATIONS = "count,sum(amount),mean(amount),max(amount)";

  private Bench() {}

  /** The command's options. */
  @Command(
      name = "bench",
      description = {
        "Jobs vs plain-Java baselines, side by side, each run in a fresh JVM: the aggregate job at",
        "p1 and p<workers> against 1 and <workers> threads, and the groupby job at p<workers> against",
        "<workers> threads, on generated data (cached in --dataDir); with --manyKeys, the",
        "many-keys rows too, with peak RSS."
      },
      sortOptions = false,
      showDefaultValues = true)
  public static final class Options extends Cli.Base implements Callable<Integer> {
    @Option(names = "--sizes", defaultValue = "1000000,10000000", description = "Rows, a,b,...")
    String sizes;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs per cell (median).")
    int repeats;

    @Option(names = "--workers", defaultValue = "4", description = "Workers and threads.")
    int workers;

    @Option(names = "--xmx", defaultValue = "1g", description = "Heap of every JVM.")
    String xmx;

    @Option(names = "--jobs", defaultValue = "aggregate,groupby", description = "Rows to run.")
    String jobs;

    @Option(
        names = "--work",
        defaultValue = "none",
        description = "Simulated work per record for the aggregate rows: none, cpu or io.")
    String work;

    @Option(names = "--workMicros", defaultValue = "0", description = "µs of that work.")
    long workMicros;

    @Option(names = "--dataDir", defaultValue = "build/data", description = "Dataset cache.")
    Path dataDir;

    @Option(
        names = "--output",
        description = "Where bench.md and every run's output go. Default: build/bench/<time>.")
    Path output;

    @Option(
        names = "--manyKeys",
        defaultValue = "false",
        description =
            "The many-keys rows too (true) or only them (only): aggregate on --manyKeysRows rows"
                + " with up to --manyKeysProducts products, groupby "
                + MANY_KEYS_GROUPBY_KEYS
                + " on --manyKeysGroupbyRows rows; time and peak RSS beside the baselines'.")
    String manyKeys;

    @Option(names = "--manyKeysRows", defaultValue = "10000000", description = "Rows, aggregate.")
    long manyKeysRows;

    @Option(
        names = "--manyKeysProducts",
        defaultValue = "5000000",
        description = "Distinct product ids at most (generate --products), aggregate.")
    int manyKeysProducts;

    @Option(
        names = "--manyKeysGroupbyRows",
        defaultValue = "1000000",
        description = "Rows, groupby " + MANY_KEYS_GROUPBY_KEYS + ".")
    long manyKeysGroupbyRows;

    @Override
    public Integer call() throws Exception {
      return run(this);
    }
  }

  public static int main(String[] argv) {
    return Cli.execute(new Options(), argv, System.out, System.err);
  }

  static int run(Options a) throws Exception {
    long[] sizes;
    try {
      sizes =
          Arrays.stream(a.sizes.split(","))
              .mapToLong(s -> Long.parseLong(s.trim().replace("_", "")))
              .toArray();
    } catch (NumberFormatException e) {
      throw new UsageException("--sizes: not a list of whole numbers: '" + a.sizes + "'");
    }
    if (a.repeats < 1 || a.workers < 1) {
      throw new UsageException("--repeats and --workers must be >= 1");
    }
    if (!List.of("false", "true", "only").contains(a.manyKeys)) {
      throw new UsageException("--manyKeys=" + a.manyKeys + ": expected false, true or only");
    }
    if (!a.manyKeys.equals("false")
        && (a.manyKeysRows < 1 || a.manyKeysProducts < 1 || a.manyKeysGroupbyRows < 1)) {
      throw new UsageException(
          "--manyKeysRows, --manyKeysProducts and --manyKeysGroupbyRows must be >= 1");
    }
    int repeats = a.repeats;
    int workers = a.workers;
    String xmx = a.xmx;
    Path dataDir = a.dataDir.toAbsolutePath();
    Path outDir = (a.output != null ? a.output : RunFolders.next(Paths.get("build", "bench")));
    outDir = outDir.toAbsolutePath();
    String work = a.work;
    long workMicros = a.workMicros;
    List<String> jobs = Arrays.asList(a.jobs.split(","));
    for (String j : jobs) {
      if (!j.equals("aggregate") && !j.equals("groupby")) {
        throw new UsageException(
            "--jobs=" + a.jobs + ": unknown job '" + j + "' (known: aggregate, groupby)");
      }
    }
    boolean aggregate = jobs.contains("aggregate");
    boolean groupby = jobs.contains("groupby");
    if (groupby && !work.equals("none")) {
      throw new UsageException(
          "--work is for the aggregate rows only (the groupby job has no simulated work): add --jobs=aggregate");
    }
    if (a.manyKeys.equals("only")) {
      sizes = new long[0];
    }
    Files.createDirectories(outDir);

    StringBuilder md = new StringBuilder();
    List<String> percentileNotes = new ArrayList<>();
    md.append("| rows | plain Java 1 thread | plain Java ")
        .append(workers)
        .append(" threads | job p1 | job p")
        .append(workers)
        .append(" | job p")
        .append(workers)
        .append(" / plain Java ")
        .append(workers)
        .append(" threads |\n");
    md.append("|---:|---:|---:|---:|---:|---:|\n");
    for (long rows : sizes) {
      Path data = Datasets.ensure(dataDir, rows, 42);
      String[] aggregateConfigs = {"baseline-1", "baseline-" + workers, "job-1", "job-" + workers};
      String[] groupbyConfigs = {"groupby-baseline-" + workers, "groupby-job-" + workers};
      List<String> all = new ArrayList<>();
      if (aggregate) {
        all.addAll(List.of(aggregateConfigs));
      }
      if (groupby) {
        all.addAll(List.of(groupbyConfigs));
      }
      Path runs = outDir;
      Map<String, List<Double>> times =
          Interleaved.of(all, repeats)
              .run(
                  (c, r) -> {
                    Path out = runs.resolve(rows + "-" + c);
                    Staging.deleteTree(out);
                    List<String> cmd = new ArrayList<>();
                    int n = Integer.parseInt(c.substring(c.lastIndexOf('-') + 1));
                    if (c.startsWith("groupby-baseline")) {
                      Files.createDirectories(out);
                      cmd.addAll(
                          List.of(
                              "baseline",
                              "--job=groupby",
                              "--input=" + data,
                              "--keyColumns=" + GROUPBY_KEYS,
                              "--aggregations=" + GROUPBY_AGGREGATIONS,
                              "--threads=" + n,
                              "--output=" + out.resolve("results.csv")));
                    } else if (c.startsWith("groupby-job")) {
                      cmd.addAll(
                          List.of(
                              "groupby",
                              "--input=" + data,
                              "--keyColumns=" + GROUPBY_KEYS,
                              "--aggregations=" + GROUPBY_AGGREGATIONS,
                              "--output=" + out,
                              "--targetParallelism=" + n));
                    } else if (c.startsWith("baseline")) {
                      Files.createDirectories(out);
                      cmd.addAll(
                          List.of(
                              "baseline",
                              "--input=" + data,
                              "--keyColumn=product",
                              "--valueColumn=amount",
                              "--threads=" + n,
                              "--output=" + out.resolve("results.csv")));
                    } else {
                      cmd.addAll(
                          List.of(
                              "aggregate",
                              "--input=" + data,
                              "--keyColumn=product",
                              "--valueColumn=amount",
                              "--output=" + out,
                              "--targetParallelism=" + n,
                              "--work=" + work,
                              "--workMicros=" + workMicros));
                    }
                    List<String> jvm = List.of("-Xmx" + xmx);
                    FreshJvm.Run run =
                        FreshJvm.run(c.contains("baseline") ? jvm : FreshJvm.forJob(jvm), cmd);
                    if (run.exit != 0) {
                      throw new IllegalStateException(
                          c
                              + " at "
                              + rows
                              + " rows failed (exit "
                              + run.exit
                              + "): "
                              + run.output);
                    }
                    double secs = run.seconds;
                    System.out.printf(
                        Locale.ROOT, "  %,d rows  %-20s run %d: %.2f s%n", rows, c, r + 1, secs);
                    return secs;
                  });
      if (aggregate) {
        byte[] reference =
            Files.readAllBytes(outDir.resolve(rows + "-baseline-1").resolve("results.csv"));
        for (String c : aggregateConfigs) {
          byte[] other = Files.readAllBytes(outDir.resolve(rows + "-" + c).resolve("results.csv"));
          if (!Arrays.equals(reference, other)) {
            throw new IllegalStateException(
                "results.csv of " + c + " differs from baseline-1 at " + rows + " rows");
          }
        }
        double b1 = Interleaved.median(times.get(aggregateConfigs[0]));
        double bn = Interleaved.median(times.get(aggregateConfigs[1]));
        double j1 = Interleaved.median(times.get(aggregateConfigs[2]));
        double jn = Interleaved.median(times.get(aggregateConfigs[3]));
        md.append(
            String.format(
                Locale.ROOT,
                "| %,d | %.2f s | %.2f s | %.2f s | %.2f s | %.2fx |%n",
                rows,
                b1,
                bn,
                j1,
                jn,
                jn / bn));
      }
      if (groupby) {
        long differ =
            compareGroupBy(
                outDir.resolve(rows + "-" + groupbyConfigs[0]).resolve("results.csv"),
                outDir.resolve(rows + "-" + groupbyConfigs[1]).resolve("results.csv"),
                GroupByJob.aggregations(GROUPBY_AGGREGATIONS),
                GroupByJob.keyColumns(GROUPBY_KEYS).size());
        percentileNotes.add(String.format(Locale.ROOT, "%,d rows: %,d", rows, differ));
        double bn = Interleaved.median(times.get(groupbyConfigs[0]));
        double jn = Interleaved.median(times.get(groupbyConfigs[1]));
        md.append(
            String.format(
                Locale.ROOT,
                "| %,d groupby | – | %.2f s | – | %.2f s | %.2fx |%n",
                rows,
                bn,
                jn,
                jn / bn));
      }
    }
    String caption =
        String.format(
            Locale.ROOT,
            "Wall time of a fresh JVM (-Xmx%s) per run, %s, %d cores, Java %s, work=%s%s.%s%n",
            xmx,
            Interleaved.medianOf(repeats),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"),
            work,
            work.equals("none") ? "" : " " + workMicros + "µs",
            aggregate ? " All results.csv files byte-identical." : "");
    if (groupby) {
      caption +=
          String.format(
              Locale.ROOT,
              "groupby rows: keys %s, aggregations %s, the job at p%d against PlainJavaGroupBy at %d threads "
                  + "(its p90 exact, nearest rank; the job's approximate, Beam's ApproximateQuantiles); "
                  + "results.csv identical but for p90, rows whose p90 differs: %s.%n",
              GROUPBY_KEYS,
              GROUPBY_AGGREGATIONS,
              workers,
              workers,
              String.join(", ", percentileNotes));
      if (aggregate) {
        caption =
            caption.replace(
                " All results.csv files byte-identical.",
                " Aggregate rows (key product, value amount): all four results.csv byte-identical.");
      }
    }
    String report = sizes.length == 0 ? "" : md + "\n" + caption;
    if (!a.manyKeys.equals("false")) {
      report += (report.isEmpty() ? "" : "\n") + manyKeys(a, dataDir, outDir);
    }
    Files.writeString(outDir.resolve("bench.md"), report, StandardCharsets.UTF_8);
    System.out.println();
    System.out.print(report);
    System.out.println("written: " + outDir.resolve("bench.md"));
    return 0;
  }

  /**
   * The many-keys rows: the aggregate job (key product) on data with up to {@code
   * --manyKeysProducts} products and the groupby job ({@link #MANY_KEYS_GROUPBY_KEYS} by {@link
   * #MANY_KEYS_GROUPBY_AGGREGATIONS}), each at p{@code workers} and {@code -Xmx<xmx>} against its
   * plain-Java baseline at {@code workers} threads and the JVM's default heap (a HashMap of every
   * key does not fit a small heap), interleaved as the other rows; each with the median time and
   * the largest peak RSS of its runs. The aggregate job's results.csv must be byte-identical to its
   * baseline's, the groupby job's equal in every field.
   */
  static String manyKeys(Options a, Path dataDir, Path outDir) throws Exception {
    int n = a.workers;
    Path aggData = Datasets.ensure(dataDir, a.manyKeysRows, 42, a.manyKeysProducts);
    Path groupData = Datasets.ensure(dataDir, a.manyKeysGroupbyRows, 42);
    Map<String, List<String>> commands = new LinkedHashMap<>();
    commands.put(
        "mk-aggregate-baseline",
        List.of(
            "baseline",
            "--input=" + aggData,
            "--keyColumn=product",
            "--valueColumn=amount",
            "--threads=" + n,
            "--output=" + outDir.resolve("mk-aggregate-baseline").resolve("results.csv")));
    commands.put(
        "mk-aggregate-job",
        List.of(
            "aggregate",
            "--input=" + aggData,
            "--keyColumn=product",
            "--valueColumn=amount",
            "--targetParallelism=" + n,
            "--output=" + outDir.resolve("mk-aggregate-job")));
    commands.put(
        "mk-groupby-baseline",
        List.of(
            "baseline",
            "--job=groupby",
            "--input=" + groupData,
            "--keyColumns=" + MANY_KEYS_GROUPBY_KEYS,
            "--aggregations=" + MANY_KEYS_GROUPBY_AGGREGATIONS,
            "--threads=" + n,
            "--output=" + outDir.resolve("mk-groupby-baseline").resolve("results.csv")));
    commands.put(
        "mk-groupby-job",
        List.of(
            "groupby",
            "--input=" + groupData,
            "--keyColumns=" + MANY_KEYS_GROUPBY_KEYS,
            "--aggregations=" + MANY_KEYS_GROUPBY_AGGREGATIONS,
            "--targetParallelism=" + n,
            "--output=" + outDir.resolve("mk-groupby-job")));
    Map<String, Long> rss = new LinkedHashMap<>();
    Map<String, Long> keys = new LinkedHashMap<>();
    Map<String, List<Double>> times =
        Interleaved.of(new ArrayList<>(commands.keySet()), a.repeats)
            .run(
                (c, r) -> {
                  Path out = outDir.resolve(c);
                  Staging.deleteTree(out);
                  boolean baseline = c.contains("baseline");
                  if (baseline) {
                    Files.createDirectories(out);
                  }
                  FreshJvm.Run run =
                      FreshJvm.run(
                          baseline ? List.of() : FreshJvm.forJob(List.of("-Xmx" + a.xmx)),
                          commands.get(c));
                  if (run.exit != 0) {
                    throw new IllegalStateException(
                        c + " failed (exit " + run.exit + "): " + run.output);
                  }
                  rss.merge(c, run.peakRssKb, Math::max);
                  Matcher m = Pattern.compile("\"keys\": (\\d+)").matcher(run.output);
                  if (!baseline && m.find()) {
                    keys.put(c, Long.parseLong(m.group(1)));
                  }
                  System.out.printf(
                      Locale.ROOT,
                      "  many keys  %-20s run %d: %.2f s, peak RSS %s%n",
                      c,
                      r + 1,
                      run.seconds,
                      mib(run.peakRssKb));
                  return run.seconds;
                });
    if (!Arrays.equals(
        Files.readAllBytes(outDir.resolve("mk-aggregate-baseline").resolve("results.csv")),
        Files.readAllBytes(outDir.resolve("mk-aggregate-job").resolve("results.csv")))) {
      throw new IllegalStateException("many keys: aggregate's results.csv differs from baseline's");
    }
    compareGroupBy(
        outDir.resolve("mk-groupby-baseline").resolve("results.csv"),
        outDir.resolve("mk-groupby-job").resolve("results.csv"),
        GroupByJob.aggregations(MANY_KEYS_GROUPBY_AGGREGATIONS),
        GroupByJob.keyColumns(MANY_KEYS_GROUPBY_KEYS).size());
    StringBuilder md = new StringBuilder();
    md.append("| many keys | rows | keys | plain Java ")
        .append(n)
        .append(" threads | its peak RSS | job p")
        .append(n)
        .append(" | its peak RSS | job / plain Java |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String job : List.of("aggregate", "groupby")) {
      double b = Interleaved.median(times.get("mk-" + job + "-baseline"));
      double j = Interleaved.median(times.get("mk-" + job + "-job"));
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %.2f s | %s | %.2f s | %s | %.2fx |%n",
              job.equals("aggregate") ? "aggregate product" : "groupby " + MANY_KEYS_GROUPBY_KEYS,
              job.equals("aggregate") ? a.manyKeysRows : a.manyKeysGroupbyRows,
              keys.getOrDefault("mk-" + job + "-job", -1L),
              b,
              mib(rss.get("mk-" + job + "-baseline")),
              j,
              mib(rss.get("mk-" + job + "-job")),
              j / b));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nMany-keys rows: the jobs at -Xmx%s and p%d, the plain-Java baselines at %d threads"
                + " and the default heap; %s, peak RSS the largest VmHWM of the runs (read every"
                + " %d ms). aggregate: %,d rows of up to %,d products, results.csv byte-identical"
                + " to the baseline's; groupby %s by %s on %,d rows, every field equal.%n",
            a.xmx,
            n,
            n,
            Interleaved.medianOf(a.repeats),
            FreshJvm.RSS_POLL_MILLIS,
            a.manyKeysRows,
            a.manyKeysProducts,
            MANY_KEYS_GROUPBY_KEYS,
            MANY_KEYS_GROUPBY_AGGREGATIONS,
            a.manyKeysGroupbyRows));
    return md.toString();
  }

  private static String mib(long kb) {
    return kb < 0 ? "n/a" : String.format(Locale.ROOT, "%,d MiB", kb / 1024);
  }

  /**
   * Compares the groupby job's {@code results.csv} with its baseline's: the same header, the same
   * keys in the same order, and byte-identical fields in every column but the percentiles (the
   * job's are approximate). Returns how many rows differ in a percentile.
   *
   * @throws IllegalStateException naming the first difference in an exact column
   */
  static long compareGroupBy(
      Path baseline, Path job, List<Aggregation> aggregations, int keyColumns) throws IOException {
    List<CSVRecord> b = readCsv(baseline);
    List<CSVRecord> j = readCsv(job);
    if (b.size() != j.size()) {
      throw new IllegalStateException(
          "groupby: "
              + job
              + " has "
              + j.size()
              + " records, the baseline's "
              + baseline
              + " "
              + b.size());
    }
    long differ = 0;
    for (int r = 0; r < b.size(); r++) {
      CSVRecord x = b.get(r);
      CSVRecord y = j.get(r);
      if (x.size() != y.size() || x.size() != keyColumns + aggregations.size()) {
        throw new IllegalStateException(
            "groupby: record "
                + (r + 1)
                + " of "
                + job
                + " has "
                + y.size()
                + " fields, the baseline's "
                + x.size());
      }
      boolean percentileDiffers = false;
      for (int f = 0; f < x.size(); f++) {
        boolean percentile =
            r > 0 && f >= keyColumns && aggregations.get(f - keyColumns).kind().percentile() > 0;
        if (x.get(f).equals(y.get(f))) {
          continue;
        }
        if (!percentile) {
          throw new IllegalStateException(
              "groupby: record "
                  + (r + 1)
                  + " field "
                  + (f + 1)
                  + " of "
                  + job
                  + " is '"
                  + y.get(f)
                  + "', the baseline's '"
                  + x.get(f)
                  + "'");
        }
        percentileDiffers = true;
      }
      if (percentileDiffers) {
        differ++;
      }
    }
    return differ;
  }

  private static List<CSVRecord> readCsv(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser p = CSVFormat.RFC4180.parse(r)) {
      return p.getRecords();
    }
  }
}
