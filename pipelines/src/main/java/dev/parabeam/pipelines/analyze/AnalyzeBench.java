package dev.parabeam.pipelines.analyze;

import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.bench.Interleaved;
import dev.parabeam.pipelines.bench.RunFolders;
import dev.parabeam.pipelines.launcher.Cli;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code analyze-bench}: how much waiting calls in flight save. Runs {@code analyze} on the bundled
 * documents with {@code --maxInFlight} 1 and N, in this JVM after a warm-up run, the two
 * interleaved, {@code --repeats} times each, and prints the median {@code pipeline_seconds} of each
 * and their ratio (and writes {@code analyze-bench.md}). Both runs must write the same {@code
 * results.jsonl}.
 */
@Command(
    name = "analyze-bench",
    description = {
      "analyze with --maxInFlight=1 against --maxInFlight=N on the bundled documents, in one warmed",
      "JVM, interleaved: median pipeline_seconds of each and the ratio."
    },
    sortOptions = false,
    showDefaultValues = true)
public final class AnalyzeBench extends Cli.Base implements Callable<Integer> {
  @Option(names = "--maxInFlight", defaultValue = "16", description = "N, compared with 1.")
  int maxInFlight;

  @Option(names = "--latencyMillis", defaultValue = "20", description = "Latency of every call.")
  int latencyMillis;

  @Option(names = "--workers", defaultValue = "4", description = "Workers (parallelism).")
  int workers;

  @Option(names = "--runner", defaultValue = "DirectRunner", description = "Or FlinkRunner.")
  String runner;

  @Option(names = "--repeats", defaultValue = "3", description = "Runs of each (median).")
  int repeats;

  @Option(
      names = "--output",
      description = "Where the runs and analyze-bench.md go. Default: build/analyze-bench/<time>.")
  Path output;

  private final PrintStream out;

  public AnalyzeBench() {
    this(System.out);
  }

  AnalyzeBench(PrintStream out) {
    this.out = out;
  }

  public static int main(String[] args) {
    return Cli.execute(new AnalyzeBench(), args, System.out, System.err);
  }

  @Override
  public Integer call() throws Exception {
    if (maxInFlight < 2 || latencyMillis < 0 || workers < 1 || repeats < 1) {
      throw new UsageException(
          "--maxInFlight must be at least 2, --workers and --repeats at least 1, --latencyMillis"
              + " at least 0");
    }
    if (!runner.equals("DirectRunner") && !runner.equals("FlinkRunner")) {
      throw new UsageException("--runner must be DirectRunner or FlinkRunner, got " + runner);
    }
    Path dir = output != null ? output : RunFolders.next(Paths.get("build", "analyze-bench"));
    dir = dir.toAbsolutePath();
    out.println("output: " + dir);
    run(dir.resolve("warm-up"), 16, 0); // classes, JIT, the runner's first run
    Path runs = dir;
    Map<Integer, List<Double>> seconds =
        Interleaved.of(List.of(1, maxInFlight), repeats)
            .run(
                (n, r) -> {
                  JobResult result = run(runs.resolve("inflight-" + n), n, latencyMillis);
                  out.printf(
                      Locale.ROOT,
                      "  --maxInFlight=%-3d run %d: %.2f s, max in flight %s%n",
                      n,
                      r + 1,
                      result.pipelineSeconds(),
                      result.summary().get("max_in_flight"));
                  return result.pipelineSeconds();
                });
    byte[] one = Files.readAllBytes(dir.resolve("inflight-1/results.jsonl"));
    byte[] many = Files.readAllBytes(dir.resolve("inflight-" + maxInFlight + "/results.jsonl"));
    if (!Arrays.equals(one, many)) {
      throw new IllegalStateException("the two runs wrote different results.jsonl");
    }
    double s1 = Interleaved.median(seconds.get(1));
    double sn = Interleaved.median(seconds.get(maxInFlight));
    String md =
        String.format(
            Locale.ROOT,
            "| calls in flight | pipeline_seconds | speedup |%n|---:|---:|---:|%n"
                + "| 1 | %.2f s | 1.00x |%n| %d | %.2f s | %.1fx |%n%n"
                + "*analyze on the 400 bundled documents (1,200 calls of %d ms), %s with %d"
                + " workers, %s of each in one warmed JVM, interleaved; results.jsonl identical."
                + " %d cores, Java %s.*%n",
            s1,
            maxInFlight,
            sn,
            s1 / sn,
            latencyMillis,
            runner,
            workers,
            Interleaved.medianOf(repeats),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"));
    Files.writeString(dir.resolve("analyze-bench.md"), md, StandardCharsets.UTF_8);
    out.println();
    out.print(md);
    return 0;
  }

  private JobResult run(Path dir, int inFlight, int latency) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--output=" + dir,
                "--overwrite=true",
                "--maxInFlight=" + inFlight,
                "--latencyMillis=" + latency,
                "--runner=" + runner));
    args.add(
        runner.equals("FlinkRunner")
            ? "--parallelism=" + workers
            : "--targetParallelism=" + workers);
    PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
    JobResult r =
        Launcher.execute(AnalyzeJob.INSTANCE, args.toArray(new String[0]), quiet, System.err);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("analyze failed (exit " + r.exitCode() + ")");
    }
    return r;
  }
}
