package dev.parabeam.pipelines.bench;

import dev.parabeam.pipelines.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Parabeam command in a new JVM with this JVM's java and class path, as a user would start
 * it, and times it from the outside. Used by the benchmarks that report fresh-JVM figures.
 */
public final class FreshJvm {
  /**
   * Exit code, stdout and stderr merged, wall seconds, and the child JVM's peak resident set size
   * in KiB ({@code VmHWM} of {@code /proc/<pid>/status}, read every {@value #RSS_POLL_MILLIS} ms
   * while it runs; {@code -1} where there is no {@code /proc}).
   */
  public static final class Run {
    public final int exit;
    public final String output;
    public final double seconds;
    public final long peakRssKb;

    private Run(int exit, String output, double seconds, long peakRssKb) {
      this.exit = exit;
      this.output = output;
      this.seconds = seconds;
      this.peakRssKb = peakRssKb;
    }
  }

  static final long RSS_POLL_MILLIS = 50;

  private FreshJvm() {}

  /**
   * The JVM options run.sh gives a job, after {@code options}: the throughput collector unless
   * {@code options} choose one (run.sh's {@code gc_setup}; keep the two in step), so that a
   * benchmark's job runs as a user's do.
   */
  public static List<String> forJob(List<String> options) {
    List<String> all = new ArrayList<>(options);
    if (options.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
      all.add("-XX:+UseParallelGC");
    }
    return all;
  }

  /** {@code java <jvmOptions> -cp <this class path> dev.parabeam.pipelines.Main <mainArgs>}. */
  public static Run run(List<String> jvmOptions, List<String> mainArgs)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(mainArgs);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<String> text =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    Path status = Paths.get("/proc", Long.toString(p.pid()), "status");
    long peak = -1;
    while (!p.waitFor(RSS_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
      peak = Math.max(peak, highWaterMarkKb(status));
    }
    int rc = p.exitValue();
    double seconds = (System.nanoTime() - t0) / 1e9;
    try {
      return new Run(rc, text.get(), seconds, peak);
    } catch (ExecutionException e) {
      throw new IOException("reading the output of " + cmd, e.getCause());
    }
  }

  /** {@code VmHWM} in KiB from a {@code /proc/<pid>/status} file, or -1 if it cannot be read. */
  static long highWaterMarkKb(Path status) {
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has just ended, or there is no /proc: no figure
    }
    return -1;
  }
}
