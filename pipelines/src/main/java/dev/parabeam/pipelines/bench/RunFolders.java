package dev.parabeam.pipelines.bench;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A folder per run for the commands that write reports ({@code bench}, {@code speedup}), so that a
 * second run never replaces the first one's tables: {@code <base>/<yyyy-MM-dd_HHmmss>} (with {@code
 * -2}, {@code -3}, ... if two runs start in the same second), and {@code <base>/latest}, a symbolic
 * link to the newest.
 */
public final class RunFolders {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss");

  private RunFolders() {}

  /** Makes and returns a new folder under {@code base}, and points {@code base/latest} at it. */
  public static Path next(Path base) throws IOException {
    Files.createDirectories(base);
    String stamp = LocalDateTime.now().format(STAMP);
    Path dir = base.resolve(stamp);
    for (int i = 2; ; i++) {
      try {
        Files.createDirectory(dir);
        break;
      } catch (FileAlreadyExistsException e) {
        dir = base.resolve(stamp + "-" + i);
      }
    }
    Path latest = base.resolve("latest");
    try {
      Files.deleteIfExists(latest);
      Files.createSymbolicLink(latest, dir.getFileName());
    } catch (IOException | UnsupportedOperationException e) {
      // a convenience only: the run's own folder is printed
    }
    return dir;
  }
}
