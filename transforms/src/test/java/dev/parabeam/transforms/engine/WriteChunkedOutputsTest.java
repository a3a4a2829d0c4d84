package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import dev.parabeam.transforms.stats.StatsFns;
import dev.parabeam.transforms.stats.StatsTable;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class WriteChunkedOutputsTest {
  private static final ChunkResult.ResultCoder<String, DecimalStats> CODER =
      ChunkResult.ResultCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of());

  private static WriteChunkedOutputs<String, DecimalStats, DecimalStats> write(Path dir) {
    return WriteChunkedOutputs.to(dir.toString(), new StatsFns.OfValues(), new StatsTable());
  }

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /** No chunk at all (every input file is only a header): the files are still written, empty. */
  @Test
  public void writesHeadersAndZeroCountsWhenNoReportArrives() throws IOException {
    Path dir = tmp.getRoot().toPath();
    pipeline.apply(Create.empty(CODER)).apply(write(dir));
    pipeline.run().waitUntilFinish();
    assertThat(read(dir.resolve("results.csv")), is("key,count,sum,min,max,mean\n"));
    assertThat(read(dir.resolve("dead-letters.csv")), is("file,line,reason,record\n"));
    assertThat(
        read(dir.resolve("counts.properties")),
        is(
            "chunks=0\ndead_letter_bytes=0\ndead_letters=0\nkeys=0\nrecords_ok=0\nrecords_read=0\n"
                + "run_files=0\nunits=0\nunterminated_quotes=0\n"));
  }

  @Test
  public void mergesReportsPerKey() throws IOException {
    Path dir = tmp.getRoot().toPath();
    Map<String, DecimalStats> a = new TreeMap<>();
    a.put("x", stats("1", "2"));
    Map<String, DecimalStats> b = new TreeMap<>();
    b.put("x", stats("3"));
    b.put("y", stats("5"));
    pipeline
        .apply(
            Create.of(
                    List.of(
                        new ChunkResult<>("f.csv", 0, 3, 2, 1, 40, 1, "", a),
                        new ChunkResult<>("f.csv", 1, 4, 2, 2, 9, 0, "", b)))
                .withCoder(CODER))
        .apply(write(dir));
    pipeline.run().waitUntilFinish();
    assertThat(
        read(dir.resolve("results.csv")),
        is("key,count,sum,min,max,mean\nx,3,6,1,3,2\ny,1,5,5,5,5\n"));
    assertThat(
        read(dir.resolve("counts.properties")),
        is(
            "chunks=2\ndead_letter_bytes=49\ndead_letters=3\nkeys=2\nrecords_ok=4\nrecords_read=7\n"
                + "run_files=0\nunits=2\nunterminated_quotes=1\n"));
  }

  /**
   * Partitions sent to their merges under shuffle keys of their own (not the partition numbers)
   * still give every key once, in key order, with the keys' merged figures.
   */
  @Test
  public void shuffleKeysOfTheirOwnMergeEveryPartition() throws IOException {
    Path dir = tmp.newFolder("out").toPath();
    Map<String, DecimalStats> a = new TreeMap<>();
    Map<String, DecimalStats> b = new TreeMap<>();
    StringBuilder expected = new StringBuilder("key,count,sum,min,max,mean\n");
    for (int k = 10; k < 60; k++) {
      a.put("k" + k, stats("1"));
      b.put("k" + k, stats("3"));
      expected.append("k").append(k).append(",2,4,1,3,2\n");
    }
    pipeline
        .apply(
            Create.of(
                    List.of(
                        new ChunkResult<>("f.csv", 0, 50, 50, 0, 0, 0, "", a),
                        new ChunkResult<>("f.csv", 1, 50, 50, 0, 0, 0, "", b)))
                .withCoder(CODER))
        .apply(
            write(dir)
                .withPartitions(4, tmp.newFolder("work").toString())
                .withShuffleKeys(new int[] {17, 3, 250, 0}));
    pipeline.run().waitUntilFinish();
    assertThat(read(dir.resolve("results.csv")), is(expected.toString()));
  }

  @Test
  public void shuffleKeysMustBeOneDistinctKeyPerPartition() throws IOException {
    WriteChunkedOutputs<String, DecimalStats, DecimalStats> w =
        write(tmp.getRoot().toPath()).withPartitions(3, tmp.newFolder("w").toString());
    for (int[] bad : new int[][] {{1, 2}, {1, 2, 1}, {0, 1, 2, 3}}) {
      try {
        w.withShuffleKeys(bad);
        throw new AssertionError("accepted " + java.util.Arrays.toString(bad));
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage().startsWith("one distinct shuffle key"), is(true));
      }
    }
  }

  /**
   * The units' dead-letter files are joined in input order (by unit), whatever order the results
   * arrive in: here they are created in a shuffled order.
   */
  @Test
  public void joinsTheDeadLetterFilesInInputOrder() throws IOException {
    Path dir = tmp.newFolder("out").toPath();
    List<ChunkResult<String, DecimalStats>> results = new ArrayList<>();
    StringBuilder expected = new StringBuilder("file,line,reason,record\n");
    for (int unit = 0; unit < 24; unit++) {
      String rows =
          "f.csv," + (2 * unit + 2) + ",bad,u" + unit + "\nf.csv," + (2 * unit + 3) + ",bad,v\n";
      Path part = tmp.getRoot().toPath().resolve("dead-" + unit + ".csv");
      Files.writeString(part, rows, StandardCharsets.UTF_8);
      expected.append(rows);
      results.add(
          new ChunkResult<>(unit, 1, "f.csv", unit, 2, 0, 2, 20, 0, part.toString(), Map.of()));
    }
    Collections.shuffle(results, new Random(3));
    pipeline.apply(Create.of(results).withCoder(CODER)).apply(write(dir));
    pipeline.run().waitUntilFinish();
    assertThat(read(dir.resolve("dead-letters.csv")), is(expected.toString()));
  }

  /**
   * A second attempt of the fan-in (speculative, or a zombie after failover) never writes into the
   * file an earlier attempt wrote: it writes its own and renames it into place, so a reader holding
   * the earlier file (here a hard link to it) sees it whole, and one that dies leaves only a
   * temporary file behind, never a short file under a final name.
   */
  @Test
  public void replacesTheFilesOfAnEarlierAttemptInsteadOfWritingIntoThem() throws IOException {
    Path dir = tmp.newFolder("out").toPath();
    Path earlier = tmp.getRoot().toPath().resolve("earlier-results.csv");
    Files.writeString(dir.resolve("results.csv"), "key,count,sum,min,max,mean\nold,1,1,1,1,1\n");
    Files.createLink(earlier, dir.resolve("results.csv"));
    Map<String, DecimalStats> a = new TreeMap<>();
    a.put("x", stats("1", "2"));
    pipeline
        .apply(
            Create.of(List.of(new ChunkResult<>("f.csv", 0, 2, 2, 0, 0, 0, "", a)))
                .withCoder(CODER))
        .apply(write(dir));
    pipeline.run().waitUntilFinish();
    assertThat(read(dir.resolve("results.csv")), is("key,count,sum,min,max,mean\nx,2,3,1,2,1.5\n"));
    assertThat(read(earlier), is("key,count,sum,min,max,mean\nold,1,1,1,1,1\n"));
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(
          files
              .map(f -> f.getFileName().toString())
              .sorted()
              .collect(java.util.stream.Collectors.toList()),
          is(List.of("counts.properties", "dead-letters.csv", "results.csv", "unit-spans.csv")));
    }
  }

  private static DecimalStats stats(String... values) {
    DecimalStats s = new DecimalStats();
    for (String v : values) {
      s.add(new BigDecimal(v));
    }
    return s;
  }

  /**
   * A unit's span travels with its counts: the coder keeps it (and its absence) exactly, the piece
   * without partials keeps it, and the fan-in writes one row per unit that has one.
   */
  @Test
  public void aUnitsSpanTravelsWithItsCountsAndIsWrittenOnce() throws Exception {
    Map<String, DecimalStats> a = new TreeMap<>();
    a.put("x", stats("1", "2"));
    UnitSpan span =
        new UnitSpan("worker \"w\", #1 @ pid 7", 1_700_000_000_000L, 1_700_000_000_250L, 99);
    ChunkResult<String, DecimalStats> timed =
        new ChunkResult<>("f.csv", 0, 2, 2, 0, 0, 0, "", a).withSpan(span);
    org.apache.beam.sdk.testing.CoderProperties.coderDecodeEncodeEqual(CODER, timed);
    org.apache.beam.sdk.testing.CoderProperties.coderDecodeEncodeEqual(
        CODER, new ChunkResult<>("f.csv", 1, 2, 2, 0, 0, 0, "", a));
    assertThat(org.apache.beam.sdk.util.CoderUtils.clone(CODER, timed).span(), is(span));
    assertThat(timed.withoutPartials().span(), is(span));
    assertThat(new ChunkResult<>("f.csv", 1, 2, 2, 0, 0, 0, "", a).span(), is((UnitSpan) null));

    Path dir = tmp.newFolder("spans").toPath();
    ChunkResult<String, DecimalStats> second =
        new ChunkResult<String, DecimalStats>("f.csv", 1, 3, 3, 0, 0, 0, "", new TreeMap<>())
            .withSpan(new UnitSpan("w2", 1_700_000_000_100L, 1_700_000_000_400L, 7));
    pipeline.apply(Create.of(List.of(timed, second)).withCoder(CODER)).apply(write(dir));
    pipeline.run().waitUntilFinish();
    assertThat(
        read(dir.resolve(WriteChunkedOutputs.SPANS_FILE)),
        is(
            "unit,worker,start_epoch_ms,end_epoch_ms,records,bytes\n"
                + "0,\"worker \"\"w\"\", #1 @ pid 7\",1700000000000,1700000000250,2,99\n"
                + "1,w2,1700000000100,1700000000400,3,7\n"));
  }
}
