package dev.parabeam.pipelines;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run's results are written into a staging directory inside the output directory and published
 * (moved into place) only when the run succeeded; a failed or killed run leaves nothing partial.
 */
public final class Staging {
  private Staging() {}

  /**
   * Moves the staged files {@code names} into the output directory, replacing an earlier run's (and
   * removing files that match the globs {@code earlier}), then drops staging. An earlier run's
   * summary.json goes first; anything else a user keeps there stays.
   */
  static void publish(Path staging, Path output, List<String> names, List<String> earlier)
      throws IOException {
    for (String glob : earlier) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(output, glob)) {
        for (Path old : ds) {
          Files.delete(old);
        }
      }
    }
    Files.deleteIfExists(output.resolve(Launcher.SUMMARY));
    for (String name : names) {
      Files.move(staging.resolve(name), output.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
    deleteTree(staging);
  }

  /**
   * Creates {@code dir} (and its parents); returns whether this call created {@code dir} itself.
   */
  static boolean createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return false;
    }
    if (dir.getParent() != null) {
      Files.createDirectories(dir.getParent());
    }
    try {
      Files.createDirectory(dir);
      return true;
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(dir)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Removes the staging directories of earlier runs that did not finish (killed, or the machine
   * went down): whoever holds the lock is the only live run of this output directory. Best effort:
   * one that cannot be removed is left, and is ignored like the others.
   */
  static void removeLeftoverStaging(Path output) {
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(output, Launcher.STAGING_PREFIX + "*")) {
      for (Path leftover : ds) {
        try {
          deleteTree(leftover);
        } catch (IOException ignored) {
          // best effort, see above
        }
      }
    } catch (IOException ignored) {
      // best effort, see above
    }
  }

  static void cleanUp(Path staging, Path createdOutput) {
    try {
      deleteTree(staging);
      if (createdOutput != null) {
        deleteTree(createdOutput);
      }
    } catch (IOException ignored) {
      // best effort: the error about the run itself matters more
    }
  }

  /**
   * As {@link #cleanUp}, for a run that failed: workers of a failed pipeline may still be finishing
   * a write (the DirectRunner interrupts them, but one may create a file, and with it its
   * directories, after the first removal), so staging is removed again a few times while they stop.
   */
  static void cleanUpAfterFailure(Path staging, Path createdOutput) {
    cleanUp(staging, createdOutput);
    for (int i = 0; i < SETTLE_CHECKS; i++) {
      try {
        Thread.sleep(SETTLE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (Files.exists(staging) || (createdOutput != null && Files.exists(createdOutput))) {
        cleanUp(staging, createdOutput);
      }
    }
  }

  static final int SETTLE_CHECKS = 10;
  static final long SETTLE_MILLIS = 100;

  /** Deletes a directory and everything under it; nothing if it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
