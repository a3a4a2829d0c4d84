package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.pipelines.launcher.Staging;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Publishing is all-or-nothing as a reader sees it: {@code summary.json} is written last and names
 * the files of its run with their sizes; a problem after it is in place (a late writer still
 * creating files in staging, as a zombie attempt of a worker would) is a warning, never a failure
 * reported over published results.
 */
public class PublishTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path sample = JobRun.testdata().resolve("sample/sales.csv");

  @After
  public void removeSeam() {
    Launcher.beforePipelineRun = staging -> {};
    Launcher.beforeFinish = staging -> {};
    Staging.beforeMarker = () -> {};
  }

  /**
   * A fan-in attempt killed while writing leaves a short results.csv (the counts say how many keys
   * the merge wrote): the run fails with one error line and the earlier outputs stay as they were.
   */
  @Test
  public void aShortResultsFileIsNeverPublished() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun first = aggregate(out);
    assertThat(first.err, first.exitCode, is(0));
    Map<String, String> before = tree(out);
    Launcher.beforeFinish =
        staging -> {
          try {
            Path results = staging.resolve("results.csv");
            byte[] all = Files.readAllBytes(results);
            // cut inside the last row, as a writer that died there leaves it
            Files.write(results, java.util.Arrays.copyOf(all, all.length - 3));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    JobRun r = aggregate(out, "--overwrite=true");
    assertThat(r.out, r.exitCode, is(1));
    assertThat(r.err, startsWith("error: "));
    assertThat(r.err, containsString("incomplete results file"));
    assertThat(r.err.strip().lines().count(), is(1L));
    assertThat(tree(out), equalTo(before));
  }

  /** Every entry under {@code dir} (relative path to bytes; directories as ""). */
  private static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> !p.equals(dir)).collect(Collectors.toList())) {
        m.put(
            dir.relativize(p) + (Files.isDirectory(p) ? "/" : ""),
            Files.isDirectory(p) ? "" : Files.readString(p, StandardCharsets.ISO_8859_1));
      }
    }
    return m;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.collect(Collectors.toList())) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private JobRun aggregate(Path out, String... extra) {
    String[] base = {
      "--input=" + sample,
      "--keyColumn=region",
      "--valueColumn=amount",
      "--output=" + out,
      "--runner=DirectRunner",
      "--targetParallelism=2"
    };
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /**
   * A writer that keeps creating files in staging from before the pipeline runs until the run has
   * ended, recreating the directories it writes into as Beam's LocalFileSystem does: the run
   * succeeds with its results, its summary.json naming them and their sizes, and at most a warning
   * about what it could not remove; the next run removes what the writer left.
   */
  @Test
  public void aLateWriterInStagingNeverTurnsAPublishedRunIntoAFailure() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun first = aggregate(out);
    assertThat(first.err, first.exitCode, is(0));
    String earlierSummary = JobRun.read(out.resolve("summary.json"));

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    Thread[] zombie = new Thread[1];
    Launcher.beforePipelineRun =
        staging -> {
          zombie[0] =
              new Thread(
                  () -> {
                    for (long i = 0; !stop.get(); i++) {
                      try {
                        Path dir = Files.createDirectories(staging.resolve("zombie-attempt"));
                        Files.writeString(dir.resolve("part-" + i), "late");
                        written.incrementAndGet();
                      } catch (IOException e) {
                        // removed under us: try again, as a retried attempt would
                      }
                    }
                  },
                  "zombie-writer");
          zombie[0].setDaemon(true);
          zombie[0].start();
        };
    JobRun r;
    try {
      r = aggregate(out, "--overwrite=true");
    } finally {
      stop.set(true);
      if (zombie[0] != null) {
        zombie[0].join();
      }
    }
    assertThat("the zombie wrote", written.get() > 0, is(true));
    assertThat("stdout: " + r.out + "\nstderr: " + r.err, r.exitCode, is(0));
    for (String line : r.err.strip().lines().filter(l -> !l.isBlank()).toList()) {
      assertThat(line, startsWith("warning: "));
    }
    assertThat(
        JobRun.read(out.resolve("results.csv")),
        equalTo(JobRun.read(JobRun.testdata().resolve("expected/sample-results.csv"))));
    String summary = JobRun.read(out.resolve("summary.json"));
    assertThat("a new summary.json", summary, not(equalTo(earlierSummary)));
    assertThat("the marker names this run's files", Staging.isPublished(out), is(true));

    Launcher.beforePipelineRun = staging -> {};
    JobRun again = aggregate(out, "--overwrite=true");
    assertThat(again.err, again.exitCode, is(0));
    assertThat(again.err, equalTo(""));
    assertThat(names(out), equalTo(JobRun.PUBLISHED));
  }

  /**
   * The last moment before summary.json goes in, the latest a {@code kill -9} could stop a publish
   * short: the new files are in, and no reader takes the directory for a complete run. A copy of
   * the directory as it is then (the killed run's lock file, staging and replaced files included)
   * is taken over by the next run with --overwrite=true, which leaves only its own outputs.
   */
  @Test
  public void untilTheMarkerIsInNoReaderTakesTheDirectoryForACompleteRun() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    Path killed = tmp.getRoot().toPath().resolve("killed");
    assertThat(aggregate(out).exitCode, is(0));
    assertThat(Staging.isPublished(out), is(true));
    List<Boolean> seen = new ArrayList<>();
    Staging.beforeMarker =
        () -> {
          try {
            seen.add(Staging.isPublished(out));
            seen.add(Files.exists(out.resolve("summary.json")));
            copyTree(out, killed);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    JobRun r = aggregate(out, "--overwrite=true");
    assertThat(r.err, r.exitCode, is(0));
    assertThat("published? summary.json there?", seen, equalTo(List.of(false, false)));
    assertThat(Staging.isPublished(out), is(true));
    List<String> left = names(killed);
    assertThat(
        "what a kill -9 there would leave, besides staging",
        left.stream().filter(n -> !n.startsWith(Launcher.STAGING_PREFIX)).toList(),
        equalTo(JobRun.published(List.of(".parabeam.lock"), List.of("summary.json"))));
    // and staging, and the earlier files moved aside
    assertThat(left.toString(), left.size(), is(JobRun.PUBLISHED.size() + 2));
    assertThat(Staging.isPublished(killed), is(false));

    Staging.beforeMarker = () -> {};
    JobRun next = aggregate(killed, "--overwrite=true");
    assertThat(next.err, next.exitCode, is(0));
    assertThat(names(killed), equalTo(JobRun.PUBLISHED));
    assertThat(Staging.isPublished(killed), is(true));
  }

  /**
   * A publish that fails before its marker is in (here a failure made by the seam) moves every file
   * back: the earlier run's files, summary.json included, byte for byte, and nothing else.
   */
  @Test
  public void aPublishThatFailsBeforeItsMarkerLeavesTheEarlierRunAsItWas() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    assertThat(aggregate(out).exitCode, is(0));
    Files.writeString(out.resolve("dead-letters-00001-of-00002.csv"), "an earlier version's");
    Files.writeString(out.resolve("notes.txt"), "mine");
    Map<String, String> before = tree(out);
    Staging.beforeMarker =
        () -> {
          throw new UncheckedIOException(new IOException("No space left on device"));
        };
    JobRun r = aggregate(out, "--overwrite=true");
    assertThat(r.exitCode, is(1));
    assertThat(r.err.strip().lines().count(), is(1L));
    assertThat(r.err, startsWith("error: job failed: "));
    assertThat(r.err, containsString("No space left on device"));
    assertThat(tree(out), equalTo(before));
  }
}
