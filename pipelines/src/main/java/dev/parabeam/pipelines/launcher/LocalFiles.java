package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.cluster.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The local files an {@code --input} names, for the commands that read them without Beam's IO. */
public final class LocalFiles {
  private LocalFiles() {}

  /**
   * The files {@code input} names, sorted: one file, a glob over the files of one directory ({@code
   * dir/*.csv}, as the chunked jobs' {@code --input} takes) or a directory ({@link #filesIn}); a
   * {@link UsageException} when it names none.
   */
  public static List<Path> match(String input) throws IOException {

    Path path = Paths.get(input).toAbsolutePath();
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    if (!name.contains("*") && !name.contains("?") && !name.contains("[") && !name.contains("{")) {
      if (Files.isDirectory(path)) {
        return filesIn(path, "input");
      }
      if (!Files.isRegularFile(path)) {
        throw new UsageException("--input=" + input + " is not a file");
      }
      return List.of(path);
    }
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(path.getParent())) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(path.getParent(), name)) {
        for (Path p : ds) {
          if (Files.isRegularFile(p)) {
            out.add(p);
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new UsageException("--input=" + input + " matches no file");
    }
    out.sort(null);
    return out;
  }

  /**
   * {@code input} as given, or, when it is the job's bundled default ({@code bundled}, relative to
   * the repository) and nothing is there from the current directory, the same path in the
   * repository checkout: a bundled default works from any directory.
   */
  public static String orBundled(String input, String bundled) {
    Path here = Paths.get(input);
    Path probe = here.getFileName().toString().matches(".*[*?\\[{].*") ? here.getParent() : here;
    if (input.equals(bundled) && (probe == null || !Files.exists(probe))) {
      return LocalFlinkCluster.defaultRepo().resolve(bundled).toString();
    }
    return input;
  }

  /**
   * The files a directory given as an input stands for, as Spark reads a directory: its regular
   * files (not those of its subdirectories), without the hidden ones (names starting with {@code .}
   * or {@code _}, such as {@code _SUCCESS} or {@code .part-0.crc}), sorted by name; a {@link
   * UsageException} naming {@code option} when there is none.
   */
  public static List<Path> filesIn(Path dir, String option) throws IOException {
    List<Path> out = new ArrayList<>();
    boolean subdirectories = false;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || name.startsWith("_")) {
          continue;
        }
        if (Files.isRegularFile(p)) {
          out.add(p);
        } else if (Files.isDirectory(p)) {
          subdirectories = true;
        }
      }
    }
    if (out.isEmpty()) {
      throw new UsageException(
          "--"
              + option
              + "="
              + dir
              + " is a directory without a file to read (files whose names start with . or _ do"
              + " not count)"
              + (subdirectories
                  ? "; its subdirectories are not read: give a glob such as '" + dir + "/*/*'"
                  : ""));
    }
    out.sort(null);
    return out;
  }
}
