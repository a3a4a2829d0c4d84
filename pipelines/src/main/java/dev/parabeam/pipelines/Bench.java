package dev.parabeam.pipelines;

import dev.parabeam.pipelines.speedup.Stats;
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
import java.util.Set;

/**
 * {@code bench}: the aggregate job against its plain-Java baseline, side by side in one run. Every
 * cell is a fresh JVM started as a user would start it (the same -Xmx for all), timed from the
 * outside; each cell is the median of {@code --repeats} runs, the configurations interleaved so
 * that machine noise spreads evenly. All four result files must be byte-identical, or the command
 * fails.
 */
final class Bench {
  private Bench() {}

  static int main(String[] argv) throws Exception {
    Args a = Args.parse(argv, Set.of("sizes", "repeats", "workers", "xmx", "dataDir", "output", "work", "workMicros"));
    long[] sizes = Arrays.stream(a.get("sizes", "1000000,10000000").split(",")).mapToLong(s -> Long.parseLong(s.trim().replace("_", ""))).toArray();
    int repeats = (int) a.getLong("repeats", 3);
    int workers = (int) a.getLong("workers", 4);
    String xmx = a.get("xmx", "1g");
    Path dataDir = Paths.get(a.get("dataDir", "build/data")).toAbsolutePath();
    Path outDir = Paths.get(a.get("output", "build/bench")).toAbsolutePath();
    String work = a.get("work", "none");
    long workMicros = a.getLong("workMicros", 0);
    Files.createDirectories(outDir);

    StringBuilder md = new StringBuilder();
    md.append("| rows | plain Java 1 thread | plain Java ").append(workers).append(" threads | job p1 | job p").append(workers)
        .append(" | job p").append(workers).append(" / plain Java ").append(workers).append(" threads |\n");
    md.append("|---:|---:|---:|---:|---:|---:|\n");
    for (long rows : sizes) {
      Path data = Datasets.ensure(dataDir, rows, 42);
      Map<String, List<Double>> times = new LinkedHashMap<>();
      String[] configs = {"baseline-1", "baseline-" + workers, "job-1", "job-" + workers};
      for (String c : configs) {
        times.put(c, new ArrayList<>());
      }
      for (int r = 0; r < repeats; r++) {
        for (String c : configs) {
          Path out = outDir.resolve(rows + "-" + c);
          Launcher.deleteTree(out);
          List<String> cmd = new ArrayList<>();
          int n = Integer.parseInt(c.substring(c.indexOf('-') + 1));
          if (c.startsWith("baseline")) {
            Files.createDirectories(out);
            cmd.addAll(List.of("baseline", "--input=" + data, "--keyColumn=product", "--valueColumn=amount",
                "--threads=" + n, "--output=" + out.resolve("results.csv")));
          } else {
            cmd.addAll(List.of("aggregate", "--input=" + data, "--keyColumn=product", "--valueColumn=amount",
                "--output=" + out, "--targetParallelism=" + n, "--work=" + work, "--workMicros=" + workMicros));
          }
          FreshJvm.Run run = FreshJvm.run(List.of("-Xmx" + xmx), cmd);
          if (run.exit != 0) {
            throw new IllegalStateException(c + " at " + rows + " rows failed (exit " + run.exit + "): " + run.output);
          }
          double secs = run.seconds;
          times.get(c).add(secs);
          System.out.printf(Locale.ROOT, "  %,d rows  %-12s run %d: %.2f s%n", rows, c, r + 1, secs);
        }
      }
      byte[] reference = Files.readAllBytes(outDir.resolve(rows + "-baseline-1").resolve("results.csv"));
      for (String c : configs) {
        byte[] other = Files.readAllBytes(outDir.resolve(rows + "-" + c).resolve("results.csv"));
        if (!Arrays.equals(reference, other)) {
          throw new IllegalStateException("results.csv of " + c + " differs from baseline-1 at " + rows + " rows");
        }
      }
      double b1 = Stats.median(times.get(configs[0]));
      double bn = Stats.median(times.get(configs[1]));
      double j1 = Stats.median(times.get(configs[2]));
      double jn = Stats.median(times.get(configs[3]));
      md.append(String.format(Locale.ROOT, "| %,d | %.2f s | %.2f s | %.2f s | %.2f s | %.2fx |%n", rows, b1, bn, j1, jn, jn / bn));
    }
    String caption = String.format(Locale.ROOT,
        "Wall time of a fresh JVM (-Xmx%s) per run, median of %d, %d cores, Java %s, work=%s%s. "
            + "All results.csv files byte-identical.%n",
        xmx, repeats, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), work,
        work.equals("none") ? "" : " " + workMicros + "µs");
    String report = md + "\n" + caption;
    Files.writeString(outDir.resolve("bench.md"), report, StandardCharsets.UTF_8);
    System.out.println();
    System.out.print(report);
    System.out.println("written: " + outDir.resolve("bench.md"));
    return 0;
  }
}
