package dev.parabeam.pipelines;

import dev.parabeam.pipelines.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A job run in this JVM through the {@link Launcher}, as the command line runs it: its result and
 * what it printed on stdout and stderr.
 */
public record CapturedRun(JobResult result, String out, String err) {
  /** Runs {@code job} with {@code args} and captures what it prints. */
  public static CapturedRun of(Job<?> job, String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    JobResult r =
        Launcher.execute(
            job,
            args,
            new PrintStream(o, true, StandardCharsets.UTF_8),
            new PrintStream(e, true, StandardCharsets.UTF_8));
    return new CapturedRun(
        r, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }
}
