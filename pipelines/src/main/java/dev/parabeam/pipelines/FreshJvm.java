package dev.parabeam.pipelines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a Parabeam command in a new JVM with this JVM's java and class path, as a user would start
 * it, and times it from the outside. Used by the benchmarks that report fresh-JVM figures.
 */
public final class FreshJvm {
  /** Exit code, stdout and stderr merged, and wall seconds. */
  public static final class Run {
    public final int exit;
    public final String output;
    public final double seconds;

    private Run(int exit, String output, double seconds) {
      this.exit = exit;
      this.output = output;
      this.seconds = seconds;
    }
  }

  private FreshJvm() {}

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
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    return new Run(rc, text, (System.nanoTime() - t0) / 1e9);
  }
}
