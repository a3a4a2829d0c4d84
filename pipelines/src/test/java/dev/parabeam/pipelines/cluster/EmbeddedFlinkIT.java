package dev.parabeam.pipelines.cluster;

import static dev.parabeam.pipelines.cluster.JarProcess.aggregate;
import static dev.parabeam.pipelines.cluster.JarProcess.assertSameBytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.parabeam.pipelines.Compressed;
import dev.parabeam.pipelines.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The real jar on an embedded Flink ({@code --flinkMaster=[local]}) gives the DirectRunner's bytes.
 */
public class EmbeddedFlinkIT {
  private static Path work;

  @BeforeClass
  public static void generate() throws Exception {
    work = Paths.get("target", "it-embedded-flink").toAbsolutePath();
    JarProcess.deleteTree(work);
    JarProcess.ok(work, "generate", 120, "generate", "--rows=100000", "--output=gen.csv");
    JarProcess.ok(work, "direct-gen", 300, aggregate("gen.csv", "direct-gen"));
    String sample = JarProcess.repo().resolve("testdata/sample/sales.csv").toString();
    JarProcess.ok(work, "direct-sample", 300, aggregate(sample, "direct-sample"));
  }

  private static void check(String input, String reference, int parallelism) throws Exception {
    String out = reference.replace("direct", "flink-p" + parallelism);
    JarProcess r =
        JarProcess.ok(
            work,
            out,
            300,
            aggregate(input, out, "--runner=FlinkRunner", "--parallelism=" + parallelism));
    assertThat(r.out, containsString("\"runner\": \"FlinkRunner\""));
    assertThat(r.out, containsString("\"parallelism\": " + parallelism));
    assertSameBytes(
        work.resolve(reference).resolve("results.csv"), work.resolve(out).resolve("results.csv"));
  }

  @Test
  public void generatedDataAtParallelism1() throws Exception {
    check("gen.csv", "direct-gen", 1);
  }

  @Test
  public void generatedDataAtParallelism4() throws Exception {
    check("gen.csv", "direct-gen", 4);
  }

  /** Stray quotes, text after closing quotes and unterminated quotes, cut into 7-byte chunks. */
  @Test
  public void dirtyInputInSmallChunksMatchesTheOracle() throws Exception {
    Path td = JarProcess.repo().resolve("testdata");
    String out = "flink-dirty";
    JarProcess r =
        JarProcess.ok(
            work,
            out,
            300,
            aggregate(
                td.resolve("dirty").toString() + "/*.csv",
                out,
                "--runner=FlinkRunner",
                "--parallelism=4",
                "--chunkBytes=7",
                "--launcherScanMaxBytes=0"));
    assertThat(r.out, containsString("\"records_read\": 59"));
    assertThat(r.out, containsString("\"dead_letters\": 5"));
    assertSameBytes(
        td.resolve("expected/dirty-all-results.csv"), work.resolve(out).resolve("results.csv"));
  }

  /**
   * The generated file gzipped, bzip2ed and zipped (detected from the name): the DirectRunner's
   * results for the plain file, at parallelism 1 and 4.
   */
  @Test
  public void compressedCopiesOfTheGeneratedData() throws Exception {
    for (Compression c : List.of(Compression.GZIP, Compression.BZIP2, Compression.ZIP)) {
      Path copy = Compressed.copy(work.resolve("gen.csv"), work.resolve("compressed"), c);
      for (int p : new int[] {1, 4}) {
        String out = "flink-p" + p + "-" + c;
        JarProcess r =
            JarProcess.ok(
                work,
                out,
                300,
                aggregate(copy.toString(), out, "--runner=FlinkRunner", "--parallelism=" + p));
        assertThat(r.out, containsString("\"records_ok\": 100000"));
        assertSameBytes(
            work.resolve("direct-gen").resolve("results.csv"),
            work.resolve(out).resolve("results.csv"));
      }
    }
  }

  /**
   * Three parts with bad records, one gzipped, one bzip2ed, one zipped, in one glob, and a
   * windows-1252 file: the oracle's results, and dead letters that name the compressed files.
   */
  @Test
  public void compressedPartsAndWindows1252MatchTheOracle() throws Exception {
    Path td = JarProcess.repo().resolve("testdata");
    Path dir = work.resolve("mixed");
    Compressed.copy(td.resolve("multi-dead/part-a.csv"), dir, Compression.GZIP);
    Compressed.copy(td.resolve("multi-dead/part-b.csv"), dir, Compression.BZIP2);
    Compressed.copy(td.resolve("multi-dead/part-c.csv"), dir, Compression.ZIP);
    JarProcess r =
        JarProcess.ok(
            work,
            "flink-mixed",
            300,
            aggregate(dir + "/*", "flink-mixed", "--runner=FlinkRunner", "--parallelism=4"));
    assertThat(r.out, containsString("\"chunks\": 3"));
    assertSameBytes(
        td.resolve("expected/multi-dead-results.csv"), work.resolve("flink-mixed/results.csv"));
    String dead = Files.readString(work.resolve("flink-mixed/dead-letters.csv"));
    assertThat(dead, containsString(dir + "/part-a.csv.gz,"));
    assertThat(dead, containsString(dir + "/part-c.csv.zip,"));
    JarProcess.ok(
        work,
        "flink-cp1252",
        300,
        aggregate(
            td.resolve("encoding/cp1252.csv").toString(),
            "flink-cp1252",
            "--runner=FlinkRunner",
            "--parallelism=4",
            "--encoding=windows-1252",
            "--chunkBytes=9"));
    assertSameBytes(
        td.resolve("expected/encoding-cp1252-results.csv"),
        work.resolve("flink-cp1252/results.csv"));
  }

  @Test
  public void sampleAtParallelism4() throws Exception {
    check(JarProcess.repo().resolve("testdata/sample/sales.csv").toString(), "direct-sample", 4);
  }

  /**
   * A header and no record (one file, blank lines after it, a glob of such files) is a valid empty
   * input.
   */
  @Test
  public void headerOnlyInputs() throws Exception {
    Path in = work.resolve("header-only");
    Files.createDirectories(in.resolve("glob"));
    Files.writeString(in.resolve("header.csv"), "region,amount\n");
    Files.writeString(in.resolve("blanks.csv"), "region,amount\r\n\n\r\n\n");
    Files.writeString(in.resolve("glob/a.csv"), "region,amount\n");
    Files.writeString(in.resolve("glob/b.csv"), "amount,region\n");
    for (String input : List.of("header.csv", "blanks.csv", "glob/*.csv")) {
      String out = "flink-empty-" + input.replaceAll("[^a-z]", "");
      JarProcess r =
          JarProcess.ok(
              work,
              out,
              300,
              aggregate(
                  in.resolve(input).toString(), out, "--runner=FlinkRunner", "--parallelism=2"));
      assertThat(r.out, containsString("\"runner\": \"FlinkRunner\""));
      for (String zero : List.of("records_read", "records_ok", "dead_letters", "keys")) {
        assertThat(input + " " + zero, r.out, containsString("\"" + zero + "\": 0,"));
      }
      Path dir = work.resolve(out);
      assertThat(
          input,
          Files.readString(dir.resolve("results.csv")),
          equalTo("key,count,sum,min,max,mean\n"));
      assertThat(
          input,
          Files.readString(dir.resolve("dead-letters.csv")),
          equalTo("file,line,reason,record\n"));
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(
            input,
            files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList()),
            equalTo(JobRun.PUBLISHED));
      }
    }
  }

  /** The aggregations of the groupby comparisons: every kind. */
  private static final String ALL_AGGREGATIONS =
      "--aggregations=count,sum(amount),min(amount),max(amount),"
          + "mean(amount),countDistinct(customer),p50(amount),p90(amount),p99(amount)";

  /**
   * groupby with two key columns and every aggregation kind: the DirectRunner at parallelism 1 and
   * 4 and embedded Flink at parallelism 4 (in 50,000-byte chunks, so other partials are merged)
   * write the same results.csv, byte for byte. The 20,000 generated rows over 50 products make 500
   * (region, product) keys of about 40 values each, so that the percentile sketches hold every
   * value (exact) however the chunks are cut and merged: with keys of tens of thousands of values
   * they are approximate, and the merge order (which chunk's sketch meets which) can legitimately
   * change them between chunkings and runners.
   */
  @Test
  public void groupByWithEveryAggregationIsTheSameOnDirectAndFlink() throws Exception {
    JarProcess.ok(
        work,
        "generate-groupby",
        120,
        "generate",
        "--rows=20000",
        "--products=50",
        "--output=gb.csv");
    String[] groupby = {
      "groupby", "--input=gb.csv", "--keyColumns=region,product", ALL_AGGREGATIONS
    };
    List<String> outs = List.of("gb-direct-p1", "gb-direct-p4", "gb-flink-p4");
    List<String[]> runner =
        List.of(
            new String[] {"--targetParallelism=1"},
            new String[] {"--targetParallelism=4"},
            new String[] {"--runner=FlinkRunner", "--parallelism=4", "--chunkBytes=50000"});
    for (int i = 0; i < outs.size(); i++) {
      List<String> args = new ArrayList<>(List.of(groupby));
      args.add("--output=" + outs.get(i));
      args.addAll(List.of(runner.get(i)));
      JarProcess r = JarProcess.ok(work, outs.get(i), 300, args.toArray(new String[0]));
      assertThat(r.out, containsString("\"records_read\": 20000,"));
      assertThat(r.out, containsString("\"dead_letters\": 0,"));
    }
    Matcher chunks =
        Pattern.compile("\"chunks\": (\\d+)")
            .matcher(Files.readString(work.resolve("gb-flink-p4/summary.json")));
    assertThat(
        "Flink's chunks", chunks.find() && Integer.parseInt(chunks.group(1)) > 4, equalTo(true));
    Path reference = work.resolve("gb-direct-p1/results.csv");
    List<String> lines = Files.readAllLines(reference);
    assertThat(
        lines.get(0),
        equalTo(
            "region,product,count,sum(amount),min(amount),max(amount),mean(amount),"
                + "countDistinct(customer),p50(amount),p90(amount),p99(amount)"));
    assertThat("(region, product) keys", lines.size() > 400, equalTo(true));
    assertSameBytes(reference, work.resolve("gb-direct-p4/results.csv"));
    assertSameBytes(reference, work.resolve("gb-flink-p4/results.csv"));
  }

  /**
   * groupby on Flink over testdata/groupby (keys with commas, quotes, a line break, non-ASCII text;
   * dead letters, one of them for a bad value of the second numeric column) in 7-byte chunks: the
   * results testdata/oracle.py wrote, and its counts.
   */
  @Test
  public void groupByOnFlinkMatchesTheOracle() throws Exception {
    Path td = JarProcess.repo().resolve("testdata");
    String out = "gb-flink-oracle";
    JarProcess r =
        JarProcess.ok(
            work,
            out,
            300,
            "groupby",
            "--input=" + td.resolve("groupby") + "/*.csv",
            "--keyColumns=customer",
            "--aggregations=countDistinct(region),sum(qty),p50(amount),p90(amount),p99(amount)",
            "--output=" + out,
            "--runner=FlinkRunner",
            "--parallelism=4",
            "--chunkBytes=7");
    assertThat(r.out, containsString("\"runner\": \"FlinkRunner\""));
    assertThat(r.out, containsString("\"records_read\": 24,"));
    assertThat(r.out, containsString("\"dead_letters\": 5,"));
    assertSameBytes(
        td.resolve("expected/groupby-customer-results.csv"),
        work.resolve(out).resolve("results.csv"));
  }
}
