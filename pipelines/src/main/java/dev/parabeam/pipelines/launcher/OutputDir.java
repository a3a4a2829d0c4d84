package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.JobOptions;
import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * The checks on {@code --output} every job gets before anything is written: a local directory, not
 * under a file, not a file itself, and empty (but for what runs leave while they run) unless {@code
 * --overwrite=true}.
 */
final class OutputDir {
  private OutputDir() {}

  /** The output directory of {@code o}, absolute; a {@link UsageException} if it cannot be used. */
  static Path check(JobOptions o) {
    if (o.getOutput() == null || o.getOutput().isBlank()) {
      throw new UsageException("--output must name a directory, got '" + o.getOutput() + "'");
    }
    if (!JobPlan.isLocal(o.getOutput())) {
      throw new UsageException("--output must be a local directory, got " + o.getOutput());
    }
    Path out = Paths.get(o.getOutput()).toAbsolutePath().normalize();
    for (Path up = out.getParent(); up != null; up = up.getParent()) {
      if (Files.isRegularFile(up)) {
        throw new UsageException(
            "--output=" + o.getOutput() + " is under " + up + ", which is a file");
      }
    }
    if (Files.exists(out)) {
      if (!Files.isDirectory(out)) {
        throw new UsageException("--output=" + o.getOutput() + " exists and is not a directory");
      }
      requireEmptyOrOverwrite(o, out);
    }
    return out;
  }

  /**
   * The output directory {@code out} (which exists) holds nothing but what runs leave while they
   * run (a lock file, staging directories), or {@code --overwrite} is set. The launcher checks it
   * again once it holds the directory's lock: another run may have published in between.
   */
  static void requireEmptyOrOverwrite(JobOptions o, Path out) {
    if (!o.getOverwrite() && !isEmptyDir(out)) {
      throw new UsageException(
          "--output="
              + o.getOutput()
              + " is not empty; choose a new directory or add --overwrite=true");
    }
  }

  /**
   * Empty but for our lock file and staging directories (a killed run's leftovers do not count).
   */
  private static boolean isEmptyDir(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.allMatch(p -> OutputLock.isOurs(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UsageException("cannot list --output=" + dir + ": " + e.getMessage());
    }
  }
}
