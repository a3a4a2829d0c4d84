package dev.parabeam.pipelines.baseline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.AggregateJobTest;
import dev.parabeam.pipelines.Compressed;
import dev.parabeam.pipelines.JobRun;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.junit.Assert;
import org.junit.Test;

/**
 * The plain-Java baseline (commons-csv) is the yardstick for every input the job accepts: on files
 * with stray quotes, text after closing quotes and unterminated quoted fields it gives the job's
 * results (the oracle's expected files) and the job's counts, on one thread and on four.
 */
public class PlainJavaAggregateTest {
  private final Path td = JobRun.testdata();

  @Test
  public void agreesWithTheJobOnDirtyInput() throws Exception {
    // space-after-closing-quote is left out on purpose: commons-csv drops a space after a closing
    // quote, where the job (and Python's strict csv) make the record a dead letter
    for (String name :
        new String[] {
          "stray-quotes", "unterminated-start", "unterminated-middle", "unterminated-end"
        }) {
      Map<String, String> counts =
          AggregateJobTest.properties(td.resolve("expected/dirty-" + name + "-counts.properties"));
      for (int threads : new int[] {1, 4}) {
        PlainJavaAggregate.Outcome o =
            PlainJavaAggregate.run(
                td.resolve("dirty/" + name + ".csv"), "region", "amount", threads);
        StringWriter w = new StringWriter();
        StatsCsv.write(o.results, w);
        String label = name + " threads=" + threads;
        assertThat(
            label,
            w.toString(),
            equalTo(JobRun.read(td.resolve("expected/dirty-" + name + "-results.csv"))));
        assertThat(label, Long.toString(o.ok), is(counts.get("records_ok")));
        assertThat(label, Long.toString(o.bad), is(counts.get("dead_letters")));
      }
    }
  }

  /**
   * --compression and --encoding as the job takes them: gzipped and bzip2ed parts (one thread per
   * compressed file, whatever --threads says) and a windows-1252 file give the job's results.
   */
  @Test
  public void readsCompressedFilesAndSingleByteEncodings() throws Exception {
    Path dir = Files.createTempDirectory("baseline-compressed");
    try {
      Compressed.copy(td.resolve("multi-dead/part-a.csv"), dir, Compression.GZIP);
      Compressed.copy(td.resolve("multi-dead/part-b.csv"), dir, Compression.BZIP2);
      Files.copy(td.resolve("multi-dead/part-c.csv"), dir.resolve("part-c.csv"));
      List<Path> files = PlainJavaCsv.files(dir + "/*");
      for (int threads : new int[] {1, 4}) {
        PlainJavaAggregate.Outcome o =
            PlainJavaAggregate.run(
                files,
                "region",
                "amount",
                threads,
                SimulatedWork.none(),
                PlainJavaCsv.Reading.DEFAULT);
        StringWriter w = new StringWriter();
        StatsCsv.write(o.results, w);
        assertThat(
            w.toString(), equalTo(JobRun.read(td.resolve("expected/multi-dead-results.csv"))));
      }
      Path gz = Compressed.copy(td.resolve("sample/sales.csv"), dir, Compression.GZIP);
      PlainJavaAggregate.Outcome one =
          PlainJavaAggregate.run(
              List.of(gz),
              "region",
              "amount",
              4,
              SimulatedWork.none(),
              PlainJavaCsv.Reading.DEFAULT);
      StringWriter w1 = new StringWriter();
      StatsCsv.write(one.results, w1);
      assertThat(w1.toString(), equalTo(JobRun.read(td.resolve("expected/sample-results.csv"))));
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    // the baseline is written for well-formed input and does not check the encoding (an unassigned
    // byte becomes U+FFFD): it reads the file without the two records that hold one, which the job
    // makes dead letters, so the results are the same
    byte[] all = Files.readAllBytes(td.resolve("encoding/cp1252.csv"));
    ByteArrayOutputStream valid = new ByteArrayOutputStream();
    int from = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        byte[] line = Arrays.copyOfRange(all, from, i + 1);
        boolean unassigned = false;
        for (byte b : line) {
          unassigned |= b == (byte) 0x81 || b == (byte) 0x9D;
        }
        if (!unassigned) {
          valid.write(line);
        }
        from = i + 1;
      }
    }
    Path wellFormed = Files.createTempFile("cp1252-", ".csv");
    Files.write(wellFormed, valid.toByteArray());
    PlainJavaCsv.Reading cp1252 =
        new PlainJavaCsv.Reading(Compression.AUTO, CsvDialect.RFC4180.withEncoding("windows-1252"));
    PlainJavaAggregate.Outcome o;
    try {
      o =
          PlainJavaAggregate.run(
              List.of(wellFormed), "region", "amount", 2, SimulatedWork.none(), cp1252);
    } finally {
      Files.delete(wellFormed);
    }
    assertThat(o.ok, is(8L));
    StringWriter w = new StringWriter();
    StatsCsv.write(o.results, w);
    assertThat(
        w.toString(), equalTo(JobRun.read(td.resolve("expected/encoding-cp1252-results.csv"))));
  }

  /** A glob of files with their own headers and column orders gives what the job gives for it. */
  @Test
  public void takesTheSameGlobsAsTheJob() throws Exception {
    List<Path> files = PlainJavaCsv.files(td.resolve("multi") + "/*.csv");
    assertThat(files.size(), is(2));
    for (int threads : new int[] {1, 3}) {
      PlainJavaAggregate.Outcome o = PlainJavaAggregate.run(files, "region", "amount", threads);
      StringWriter w = new StringWriter();
      StatsCsv.write(o.results, w);
      assertThat(w.toString(), equalTo(JobRun.read(td.resolve("expected/multi-results.csv"))));
    }
    Assert.assertThrows(
        UsageException.class, () -> PlainJavaCsv.files(td.resolve("multi") + "/*.tsv"));
    Assert.assertThrows(
        UsageException.class, () -> PlainJavaCsv.files(td.resolve("nothing.csv").toString()));
  }
}
