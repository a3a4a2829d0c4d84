package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A second process for {@link OutputLockTest}: takes the lock of the output directory {@code
 * args[0]} as a run does, creates a staging directory there as a run does, prints {@code locked}
 * and holds both until its standard input closes (or it is killed). If another run holds the lock
 * it prints the message and exits with 3.
 */
public final class HoldOutputLock {
  private HoldOutputLock() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args[0]);
    Files.createDirectories(out);
    OutputLock held;
    try {
      held = OutputLock.acquire(out, args[0]);
    } catch (UsageException e) {
      System.out.println(e.getMessage());
      System.exit(3);
      return;
    }
    try (OutputLock lock = held) {
      Path staging =
          Files.createDirectories(out.resolve(Launcher.STAGING_PREFIX + "held-by-child"));
      Files.writeString(staging.resolve("part-0.csv"), "a,b\n");
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until stdin closes
      }
      Staging.deleteTree(staging);
    }
  }
}
