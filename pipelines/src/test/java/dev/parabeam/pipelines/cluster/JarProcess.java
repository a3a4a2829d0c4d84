package dev.parabeam.pipelines.cluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real shaded jar as a user does: {@code java -cp <jar> dev.parabeam.pipelines.Main ...}
 * in its own JVM, with stdout and stderr captured in files.
 */
final class JarProcess {
  final int exit;
  final String out;
  final String err;
  final double seconds;

  private JarProcess(int exit, String out, String err, double seconds) {
    this.exit = exit;
    this.out = out;
    this.err = err;
    this.seconds = seconds;
  }

  static Path jar() {
    String j = System.getProperty("parabeam.jar");
    assertTrue("system property parabeam.jar (set by failsafe) is missing", j != null);
    Path p = Paths.get(j).toAbsolutePath().normalize();
    assertTrue(
        "the shaded jar is missing: " + p + " (run mvn package first)", Files.isRegularFile(p));
    return p;
  }

  static Path repo() {
    String r = System.getProperty("parabeam.repo");
    return (r == null ? Paths.get("..") : Paths.get(r)).toAbsolutePath().normalize();
  }

  /** Starts {@code Main args} in {@code workDir}; output goes to files named after {@code tag}. */
  static Process start(Path workDir, String tag, String... args) throws IOException {
    return start(List.of(), workDir, tag, args);
  }

  /**
   * As {@link #start(Path, String, String...)}, with options for the JVM (e.g. {@code -Xmx256m}).
   */
  static Process start(List<String> jvm, Path workDir, String tag, String... args)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvm);
    cmd.addAll(
        List.of(
            "-Dparabeam.repo=" + repo(), "-cp", jar().toString(), "dev.parabeam.pipelines.Main"));
    cmd.addAll(Arrays.asList(args));
    Files.createDirectories(workDir);
    return new ProcessBuilder(cmd)
        .directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(workDir.resolve(tag + ".out").toFile())
        .redirectError(workDir.resolve(tag + ".err").toFile())
        .start();
  }

  static JarProcess finish(Process p, Path workDir, String tag, long t0, long timeoutSeconds)
      throws Exception {
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(
          "'"
              + tag
              + "' did not end within "
              + timeoutSeconds
              + " s; see "
              + workDir.resolve(tag + ".err"));
    }
    double s = (System.nanoTime() - t0) / 1e9;
    return new JarProcess(
        p.exitValue(),
        Files.readString(workDir.resolve(tag + ".out"), StandardCharsets.UTF_8),
        Files.readString(workDir.resolve(tag + ".err"), StandardCharsets.UTF_8),
        s);
  }

  static JarProcess run(Path workDir, String tag, long timeoutSeconds, String... args)
      throws Exception {
    long t0 = System.nanoTime();
    return finish(start(workDir, tag, args), workDir, tag, t0, timeoutSeconds);
  }

  /** Like {@link #run} but fails the test, showing stderr, unless the exit code is 0. */
  static JarProcess ok(Path workDir, String tag, long timeoutSeconds, String... args)
      throws Exception {
    JarProcess r = run(workDir, tag, timeoutSeconds, args);
    assertEquals("'" + String.join(" ", args) + "' failed:\n" + r.err + r.out, 0, r.exit);
    return r;
  }

  /** The aggregate job's arguments on region/amount for {@code input} into {@code output}. */
  static String[] aggregate(String input, String output, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "aggregate",
                "--input=" + input,
                "--keyColumn=region",
                "--valueColumn=amount",
                "--output=" + output));
    a.addAll(Arrays.asList(more));
    return a.toArray(new String[0]);
  }

  static void assertSameBytes(Path expected, Path actual) throws IOException {
    assertTrue("missing " + actual, Files.isRegularFile(actual));
    byte[] e = Files.readAllBytes(expected);
    byte[] a = Files.readAllBytes(actual);
    assertTrue(actual + " is not byte-identical to " + expected, Arrays.equals(e, a));
    assertTrue("empty reference " + expected, e.length > 0);
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
