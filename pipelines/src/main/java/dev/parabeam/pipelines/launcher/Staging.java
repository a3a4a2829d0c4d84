package dev.parabeam.pipelines.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run's results are written into a staging directory inside the output directory and published
 * (moved into place) only when the run succeeded. {@code summary.json} is the completion marker:
 * written last, naming the run's files and their sizes ({@link #isPublished}); a failed, stopped or
 * killed run never leaves a marker over a set it did not complete.
 */
public final class Staging {
  /** The field of summary.json that names the run's files and their sizes in bytes. */
  static final String OUTPUTS = "outputs";

  private Staging() {}

  /**
   * Publishes the staged files {@code names} with {@code summary} (the text of summary.json, which
   * must name the files and their sizes, see {@link #sizes}) as the completion marker, written
   * last.
   *
   * <ol>
   *   <li>summary.json goes into staging first (a disk that is full fails here, nothing changed);
   *   <li>the earlier run's summary.json, then its files ({@code names} and the globs {@code
   *       earlier}) move aside into {@code <staging>-replaced}: from here until step 4 the
   *       directory has no marker, so no reader takes it for a complete run;
   *   <li>the new files move in, one rename each;
   *   <li>summary.json moves in (a rename): the run is published.
   * </ol>
   *
   * A failure before step 4 moves everything back (the earlier marker last) and throws: the earlier
   * run is as it was. After step 4 nothing can fail the run: the aside directory and staging are
   * removed best effort, and what could not be removed is returned (a late writer still creating
   * files in staging, say), for a warning; the next run into the directory removes it (it owns
   * every {@code .parabeam-staging-*} once it holds the lock). Anything else a user keeps in the
   * directory stays.
   *
   * @return empty, or what cleaning up after publishing could not do
   */
  static Optional<String> publish(
      Path staging, Path output, List<String> names, List<String> earlier, String summary)
      throws IOException {
    Path marker = output.resolve(Launcher.SUMMARY);
    Path aside = staging.resolveSibling(staging.getFileName() + "-replaced");
    Files.writeString(staging.resolve(Launcher.SUMMARY), summary, StandardCharsets.UTF_8);
    Files.createDirectory(aside);
    List<String> movedAside = new ArrayList<>();
    List<String> movedIn = new ArrayList<>();
    try {
      if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
        rename(marker, aside.resolve(Launcher.SUMMARY));
        movedAside.add(Launcher.SUMMARY);
      }
      Set<String> old = new LinkedHashSet<>();
      for (String glob : earlier) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(output, glob)) {
          ds.forEach(f -> old.add(f.getFileName().toString()));
        }
      }
      for (String name : names) {
        if (Files.exists(output.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
          old.add(name);
        }
      }
      for (String name : old) {
        rename(output.resolve(name), aside.resolve(name));
        movedAside.add(name);
      }
      for (String name : names) {
        rename(staging.resolve(name), output.resolve(name));
        movedIn.add(name);
      }
      beforeMarker.run();
      rename(staging.resolve(Launcher.SUMMARY), marker);
    } catch (IOException | RuntimeException e) {
      try {
        for (String name : movedIn) {
          rename(output.resolve(name), staging.resolve(name));
        }
        Collections.reverse(movedAside); // the earlier marker last
        for (String name : movedAside) {
          rename(aside.resolve(name), output.resolve(name));
        }
        Files.delete(aside);
      } catch (IOException | RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    // published: from here on, only warnings
    List<String> left = new ArrayList<>();
    for (Path dir : List.of(aside, staging)) {
      try {
        deleteTree(dir);
      } catch (IOException | UncheckedIOException e) {
        left.add(dir.getFileName() + " (" + Messages.firstLine(Messages.rootMessage(e)) + ")");
      }
    }
    return left.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", left));
  }

  /** A seam for tests: runs in {@link #publish} once the new files are in, before the marker. */
  public static volatile Runnable beforeMarker = () -> {};

  private static void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The sizes in bytes of the staged files {@code names}, for summary.json's {@code outputs}. */
  static Map<String, Object> sizes(Path staging, List<String> names) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String name : names) {
      m.put(name, Files.size(staging.resolve(name)));
    }
    return m;
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
    } catch (IOException | RuntimeException ignored) {
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

  /**
   * What a reader of an output directory checks before it trusts it: {@code summary.json} is there
   * and every file its {@code outputs} names is there with the size it gives. A directory without
   * it holds no complete run (a publish in progress, or one killed halfway).
   */
  public static boolean isPublished(Path output) {
    try {
      JsonNode outputs =
          new ObjectMapper().readTree(output.resolve(Launcher.SUMMARY).toFile()).path(OUTPUTS);
      if (!outputs.isObject() || outputs.isEmpty()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> e :
          (Iterable<Map.Entry<String, JsonNode>>) outputs::fields) {
        Path f = output.resolve(e.getKey());
        if (!Files.isRegularFile(f) || Files.size(f) != e.getValue().asLong(-1)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Deletes a directory and everything under it; nothing if it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    // another thread may remove or add files meanwhile (a stopped run's workers removing their
    // spill files, or finishing a write): a file already gone is fine, and a directory that is no
    // longer empty when its turn comes is walked again
    for (int attempt = 1; ; attempt++) {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      try {
        Files.walkFileTree(root, REMOVE);
        return;
      } catch (java.nio.file.DirectoryNotEmptyException e) {
        if (attempt == DELETE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Removes what it visits, children first; what is already gone it passes over. */
  private static final java.nio.file.FileVisitor<Path> REMOVE =
      new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult visitFile(
            Path file, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e)
            throws IOException {
          if (e instanceof java.nio.file.NoSuchFileException) {
            return java.nio.file.FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e)
            throws IOException {
          if (e != null && !(e instanceof java.nio.file.NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(dir);
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      };

  static final int DELETE_ATTEMPTS = 20;
}
