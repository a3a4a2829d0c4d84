package dev.parabeam.pipelines;

import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.groupby.GroupByJob;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Runs a job (aggregate, groupby) in this JVM and captures what it prints; helpers to read its
 * files.
 */
public final class JobRun {
  /** What a successful chunked run publishes in its output directory, sorted. */
  public static final List<String> PUBLISHED =
      List.of(
          "dead-letters.csv",
          "metrics.json",
          "report.html",
          "results.csv",
          "summary.json",
          "timeline.csv",
          "timeline.png");

  /**
   * The files that describe a run rather than hold its results (timings, workers, the command): two
   * runs of the same job on the same input differ in them, and only in them.
   */
  public static final java.util.Set<String> RUN_DESCRIPTION =
      java.util.Set.of(
          "summary.json", "metrics.json", "report.html", "timeline.csv", "timeline.png");

  /** {@link #PUBLISHED} with {@code more} names, without {@code less}, sorted. */
  public static List<String> published(List<String> more, List<String> less) {
    java.util.TreeSet<String> names = new java.util.TreeSet<>(PUBLISHED);
    names.addAll(more);
    names.removeAll(less);
    return List.copyOf(names);
  }

  public final int exitCode;
  public final String out;
  public final String err;

  private JobRun(int exitCode, String out, String err) {
    this.exitCode = exitCode;
    this.out = out;
    this.err = err;
  }

  public static JobRun aggregate(String... args) {
    return run(AggregateJob.INSTANCE, args);
  }

  static JobRun groupby(String... args) {
    return run(GroupByJob.INSTANCE, args);
  }

  private static <O extends ChunkedJobOptions> JobRun run(ChunkedJob<O> job, String[] args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      code = Launcher.run(job, args, po, pe);
    }
    return new JobRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  /** The repository's testdata directory. */
  public static Path testdata() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("testdata"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException(
          "testdata/ not found above " + Paths.get("").toAbsolutePath());
    }
    return p.resolve("testdata");
  }

  public static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /**
   * Every row of every dead-letters*.csv in {@code dir}, header excluded, paths made relative to
   * testdata.
   */
  static List<List<String>> deadLetterRows(Path dir) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    String prefix = testdata().toString() + "/";
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f :
          s.filter(x -> x.getFileName().toString().matches("dead-letters.*\\.csv"))
              .collect(Collectors.toList())) {
        rows.addAll(csvRows(f, prefix));
      }
    }
    rows.sort(
        (a, b) ->
            (a.get(0) + "\u0000" + String.format("%012d", Long.parseLong(a.get(1))))
                .compareTo(b.get(0) + "\u0000" + String.format("%012d", Long.parseLong(b.get(1)))));
    return rows;
  }

  /** Rows of a CSV file after its header, with {@code prefix} removed from the first column. */
  static List<List<String>> csvRows(Path f, String prefix) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    try (CSVParser p =
        CSVParser.parse(
            f,
            StandardCharsets.UTF_8,
            CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())) {
      if (!p.getHeaderNames().equals(List.of("file", "line", "reason", "record"))) {
        throw new AssertionError(f + " has header " + p.getHeaderNames());
      }
      for (CSVRecord r : p) {
        List<String> row = new ArrayList<>(r.toList());
        if (row.get(0).startsWith(prefix)) {
          row.set(0, row.get(0).substring(prefix.length()));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Summary fields as strings, from the flat JSON object the job writes. */
  public static Map<String, String> summary(Path dir) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : read(dir.resolve("summary.json")).split("\n")) {
      Matcher x = Pattern.compile("^\\s*\"([^\"]+)\": \"?(.*?)\"?,?$").matcher(line);
      if (x.matches()) {
        m.put(x.group(1), x.group(2));
      }
    }
    return m;
  }
}
