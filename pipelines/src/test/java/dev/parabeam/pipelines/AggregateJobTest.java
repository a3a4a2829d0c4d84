package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.aggregate.AggregateOptions;
import dev.parabeam.pipelines.baseline.PlainJavaAggregate;
import dev.parabeam.pipelines.baseline.PlainJavaCsv;
import dev.parabeam.pipelines.launcher.RunnerDefaults;
import dev.parabeam.transforms.io.StatsCsv;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The aggregate job end to end in this JVM on the DirectRunner: every output file against the
 * expected files in testdata/expected (written by testdata/oracle.py or by hand), at parallelism 1
 * and 4 and at several chunk sizes, including chunks smaller than one record.
 */
public class AggregateJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path td = JobRun.testdata();

  private Path run(
      String input, String key, String value, int parallelism, long chunkBytes, String... extra)
      throws IOException {
    Path out = tmp.getRoot().toPath().resolve("out-" + System.nanoTime());
    String[] base = {
      "--input=" + input,
      "--keyColumn=" + key,
      "--valueColumn=" + value,
      "--output=" + out,
      "--targetParallelism=" + parallelism,
      "--chunkBytes=" + chunkBytes
    };
    String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
    JobRun r = JobRun.aggregate(args);
    assertThat("exit code; stderr: " + r.err, r.exitCode, is(0));
    assertThat(r.out, containsString("output: " + out));
    return out;
  }

  /** Record boundaries found inside the pipeline (parallel scan pass), and by the launcher. */
  private static final String[] SCANS = {
    "--launcherScanMaxBytes=0", "--launcherScanMaxBytes=" + (1 << 20)
  };

  private static String where(String scan) {
    return scan.endsWith("=0") ? "pipeline" : "launcher";
  }

  private String expected(String name) throws IOException {
    return JobRun.read(td.resolve("expected").resolve(name));
  }

  @Test
  public void sampleMatchesExpectedAtParallelismOneAndFour() throws IOException {
    for (int p : new int[] {1, 4}) {
      Path out = run(td.resolve("sample/sales.csv").toString(), "region", "amount", p, 0);
      assertThat(JobRun.read(out.resolve("results.csv")), equalTo(expected("sample-results.csv")));
      assertThat(
          JobRun.read(out.resolve("dead-letters.csv")), equalTo("file,line,reason,record\n"));
      Map<String, String> s = JobRun.summary(out);
      assertThat(s.get("records_read"), equalTo("16"));
      assertThat(s.get("records_ok"), equalTo("16"));
      assertThat(s.get("dead_letters"), equalTo("0"));
      assertThat(s.get("keys"), equalTo("8"));
      assertThat(s.get("runner"), equalTo("DirectRunner"));
      assertThat(
          "a small input is scanned by the launcher by default",
          s.get("record_boundaries"),
          equalTo("launcher"));
      assertThat(s.get("parallelism"), equalTo(Integer.toString(p)));
      assertThat(Double.parseDouble(s.get("wall_seconds")) > 0, is(true));
      try (Stream<Path> files = Files.list(out)) {
        assertThat(
            files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList()),
            equalTo(JobRun.PUBLISHED));
      }
    }
  }

  @Test
  public void quotedFieldsCrlfAndBomGiveTheSameBytesWhateverTheChunking() throws IOException {
    String want = expected("quoting-results.csv");
    for (long chunk : new long[] {0, 1, 3, 7, 64, 1 << 20}) {
      for (int p : new int[] {1, 4}) {
        for (String scan : SCANS) {
          Path out =
              run(
                  td.resolve("quoting/crlf-bom.csv").toString(),
                  "region",
                  "amount",
                  p,
                  chunk,
                  scan);
          String label = "chunkBytes=" + chunk + " p=" + p + " " + scan;
          assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(want));
          assertThat(label, JobRun.summary(out).get("records_read"), equalTo("5"));
          assertThat(label, JobRun.summary(out).get("record_boundaries"), equalTo(where(scan)));
        }
      }
    }
  }

  @Test
  public void globOverFilesWithDifferentColumnOrders() throws IOException {
    for (long chunk : new long[] {0, 5}) {
      for (String scan : SCANS) {
        Path out =
            run(td.resolve("multi").toString() + "/*.csv", "region", "amount", 4, chunk, scan);
        assertThat(
            scan, JobRun.read(out.resolve("results.csv")), equalTo(expected("multi-results.csv")));
        assertThat(scan, JobRun.summary(out).get("files"), equalTo("2"));
      }
    }
  }

  /** Files in testdata/dirty, each with results and counts from testdata/oracle.py. */
  static final String[] DIRTY = {
    "stray-quotes",
    "space-after-closing-quote",
    "unterminated-start",
    "unterminated-middle",
    "unterminated-end"
  };

  public static Map<String, String> properties(Path f) throws IOException {
    Map<String, String> m = new TreeMap<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }

  /**
   * A quote inside an unquoted field (inch marks, O"Brien) is a literal; text after a closing quote
   * costs its one record; a quoted field never closed costs one record that runs to the end of the
   * file. The same results as Python's csv (testdata/oracle.py) and the same dead-letter bytes for
   * chunks from 1 byte up, at parallelism 1 and 4, with boundaries found by the launcher or by the
   * pipeline's parallel scan.
   */
  @Test
  public void strayAndUnterminatedQuotesMatchTheOracleWhateverTheChunking() throws IOException {
    for (String name : DIRTY) {
      String results = expected("dirty-" + name + "-results.csv");
      String deadLetters = expected("dirty-" + name + "-dead-letters.csv");
      Map<String, String> counts =
          properties(td.resolve("expected/dirty-" + name + "-counts.properties"));
      for (long chunk : new long[] {0, 1, 7, 64}) {
        for (int p : new int[] {1, 4}) {
          for (String scan : SCANS) {
            Path out =
                run(
                    td.resolve("dirty/" + name + ".csv").toString(),
                    "region",
                    "amount",
                    p,
                    chunk,
                    scan);
            String label = name + " chunkBytes=" + chunk + " p=" + p + " " + scan;
            assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(results));
            assertThat(
                label,
                JobRun.read(out.resolve("dead-letters.csv")).replace(td + "/", ""),
                equalTo(deadLetters));
            Map<String, String> s = JobRun.summary(out);
            for (String k : List.of("records_read", "records_ok", "dead_letters")) {
              assertThat(label + " " + k, s.get(k), equalTo(counts.get(k)));
            }
            assertThat(
                label,
                s.get("unterminated_quotes"),
                equalTo(name.startsWith("unterminated") ? "1" : "0"));
          }
        }
      }
    }
  }

  private void assertCounts(String label, Path out, Map<String, String> counts) throws IOException {
    Map<String, String> s = JobRun.summary(out);
    for (String k : List.of("records_read", "records_ok", "dead_letters")) {
      assertThat(label + " " + k, s.get(k), equalTo(counts.get(k)));
    }
  }

  /**
   * Bad records in every one of three files (columns in three orders, a quoted line break before
   * some of them): one dead-letters.csv in input order (file, then line), byte-identical to the
   * checked expected file whatever the chunk size, the parallelism and where boundaries are found;
   * results and counts from testdata/oracle.py.
   */
  @Test
  public void deadLettersOfSeveralFilesJoinInInputOrderWhateverTheChunking() throws IOException {
    String results = expected("multi-dead-results.csv");
    String deadLetters = expected("multi-dead-dead-letters.csv");
    Map<String, String> counts = properties(td.resolve("expected/multi-dead-counts.properties"));
    for (long chunk : new long[] {0, 1, 7, 64}) {
      for (int p : new int[] {1, 4}) {
        for (String scan : SCANS) {
          Path out = run(td.resolve("multi-dead") + "/*.csv", "region", "amount", p, chunk, scan);
          String label = "chunkBytes=" + chunk + " p=" + p + " " + scan;
          assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(results));
          assertThat(
              label,
              JobRun.read(out.resolve("dead-letters.csv")).replace(td + "/", ""),
              equalTo(deadLetters));
          assertCounts(label, out, counts);
          assertThat(label, JobRun.summary(out).get("files"), equalTo("3"));
        }
      }
    }
  }

  /**
   * A second dataset, through the whole pipeline with {@code --delimiter=';' --quote="'"}: means
   * that land exactly on a rounding tie at the 6th place (HALF_EVEN: 0.0000025 gives 0.000002,
   * 0.0000035 gives 0.000004, -0.0000025 gives -0.000002, 1000000.0000005 gives 1000000), keys
   * whose first byte is not ASCII, a good record of 1,510 bytes and a bad one of 1,115 bytes (kept
   * whole) at the default maximum record size, a quoted field never closed whose 1,734 bytes are
   * cut to the first 1 KiB, invalid UTF-8, text after a closing quote. Results and counts from
   * testdata/oracle.py (Python's csv with the same dialect), dead letters as checked.
   */
  @Test
  public void semicolonsAndSingleQuotesTiesAndLongRecordsMatchTheOracle() throws IOException {
    String results = expected("dialect-results.csv");
    String deadLetters = expected("dialect-dead-letters.csv");
    Map<String, String> counts = properties(td.resolve("expected/dialect-counts.properties"));
    Path in = td.resolve("dialect/semicolon-quote.csv");
    for (long chunk : new long[] {0, 7, 64, 1000}) {
      for (int p : new int[] {1, 4}) {
        for (String scan : SCANS) {
          Path out =
              run(in.toString(), "region", "amount", p, chunk, scan, "--delimiter=;", "--quote='");
          String label = "chunkBytes=" + chunk + " p=" + p + " " + scan;
          assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(results));
          assertThat(
              label,
              JobRun.read(out.resolve("dead-letters.csv")).replace(td + "/", ""),
              equalTo(deadLetters));
          assertCounts(label, out, counts);
        }
      }
    }
    // the never-closed field's dead letter holds exactly the first 1 KiB of its record, read here
    // straight from the input's bytes
    byte[] bytes = Files.readAllBytes(in);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int start = text.indexOf("24;east;5;'never closed");
    String firstKiB = new String(bytes, start, 1024, StandardCharsets.UTF_8);
    List<String> last = JobRun.csvRows(td.resolve("expected/dialect-dead-letters.csv"), "").get(5);
    assertThat(last.get(2), startsWith("unterminated quoted field"));
    assertThat(last.get(3), equalTo(firstKiB));
    assertThat(bytes.length - start > 1024 + 512, is(true));
  }

  @Test
  public void anUnterminatedQuoteIsVisibleOnStderrAndInTheSummary() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("unterminated");
    JobRun r =
        JobRun.aggregate(
            "--input=" + td.resolve("dirty/unterminated-start.csv"),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out);
    assertThat(r.err, r.exitCode, is(0));
    assertThat(
        r.err,
        containsString(
            "warning: 1 quoted field is never closed, so the rest of its file is one dead"
                + " letter; see "
                + out.resolve("dead-letters.csv")));
    // 1 of 3 records, but 460 of 526 bytes: both shares are named
    assertThat(
        r.err,
        containsString("warning: 1 of 3 records (33.3%) are dead letters, 460 of 526 input bytes"));
    Map<String, String> s = JobRun.summary(out);
    assertThat(s.get("unterminated_quotes"), equalTo("1"));
    assertThat(s.get("dead_letter_bytes"), equalTo("460"));
  }

  /**
   * A thousand small files of random sizes (two column orders, quoted line breaks up to the last
   * record, a bad record in every fifth, header-only and blank ones among them) pack into a few
   * units of work and give the results of the same rows in one file and of the plain-Java baseline,
   * and the dead letters in file order with their true file names and lines, whatever the chunk
   * size and parallelism, on the DirectRunner and embedded Flink.
   */
  @Test
  public void manySmallFilesPackIntoFewUnitsAndLoseNothing() throws Exception {
    Path dir = tmp.newFolder("parts").toPath();
    StringBuilder one = new StringBuilder("region,amount\n");
    List<List<String>> wantDead = new ArrayList<>();
    Random rnd = new Random(9);
    int files = 1000;
    for (int f = 0; f < files; f++) {
      boolean swapped = f % 2 == 1;
      StringBuilder part = new StringBuilder(swapped ? "amount,region\n" : "region,amount\n");
      int rows =
          f % 50 == 7 ? 0 : 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 60 : 8); // some are a header only
      long line = 2;
      for (int r = 0; r < rows; r++) {
        String region = "r" + rnd.nextInt(12) + (rnd.nextInt(9) == 0 ? " \"x\"" : "");
        if (rnd.nextInt(7) == 0) {
          region =
              "\"r" + rnd.nextInt(3) + "\nline\""; // a quoted line break, the last record's too
        }
        String amount = rnd.nextInt(1000) + "." + rnd.nextInt(100);
        if (f % 5 == 0 && r == rows / 2) {
          amount = "n/a";
          wantDead.add(
              List.of(
                  String.format("part-%04d.csv", f),
                  Long.toString(line),
                  "amount: not a number: 'n/a'",
                  swapped ? "n/a," + region : region + ",n/a"));
        } else {
          one.append(region).append(',').append(amount).append('\n');
        }
        part.append(swapped ? amount + "," + region : region + "," + amount).append('\n');
        line += region.contains("\n") ? 2 : 1;
      }
      Files.writeString(
          dir.resolve(String.format("part-%04d.csv", f)), part.toString(), StandardCharsets.UTF_8);
    }
    Path single = tmp.newFile("one.csv").toPath();
    Files.writeString(single, one.toString(), StandardCharsets.UTF_8);
    String want =
        JobRun.read(run(single.toString(), "region", "amount", 1, 0).resolve("results.csv"));
    PlainJavaAggregate.Outcome baseline =
        PlainJavaAggregate.run(PlainJavaCsv.files(dir + "/*.csv"), "region", "amount", 4);
    StringWriter baselineCsv = new StringWriter();
    StatsCsv.write(baseline.results, baselineCsv);
    assertThat(
        "the baseline reads the glob as the job does", baselineCsv.toString(), equalTo(want));
    for (long chunk : new long[] {0, 1 << 20}) {
      for (int p : new int[] {1, 4}) {
        for (String scan : SCANS) {
          Path out = run(dir + "/*.csv", "region", "amount", p, chunk, scan);
          String label = "chunkBytes=" + chunk + " p=" + p + " " + scan;
          assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(want));
          assertThat(
              label,
              JobRun.csvRows(out.resolve("dead-letters.csv"), "").stream()
                  .map(
                      r ->
                          List.of(
                              Path.of(r.get(0)).getFileName().toString(),
                              r.get(1),
                              r.get(2),
                              r.get(3)))
                  .collect(Collectors.toList()),
              equalTo(wantDead));
          Map<String, String> s = JobRun.summary(out);
          assertThat(label, s.get("files"), equalTo(Integer.toString(files)));
          int units = Integer.parseInt(s.get("units"));
          assertThat(
              label + " units " + units, units <= (chunk == 0 ? 2 * p : files / 10), is(true));
          assertThat(label, Long.parseLong(s.get("chunks")) >= files - files / 50, is(true));
        }
      }
    }
    Path flink =
        run(dir + "/*.csv", "region", "amount", 4, 0, "--runner=FlinkRunner", "--parallelism=4");
    assertThat("embedded Flink", JobRun.read(flink.resolve("results.csv")), equalTo(want));
  }

  @Test
  public void everyBadRecordKindBecomesADeadLetterAndNothingIsLost() throws IOException {
    List<List<String>> want = JobRun.csvRows(td.resolve("expected/malformed-dead-letters.csv"), "");
    for (long chunk : new long[] {0, 1, 13, 100}) {
      for (int p : new int[] {1, 4}) {
        for (String scan : SCANS) {
          Path out =
              run(
                  td.resolve("malformed/bad.csv").toString(),
                  "region",
                  "amount",
                  p,
                  chunk,
                  "--maxRecordBytes=200",
                  scan);
          String label = "chunkBytes=" + chunk + " p=" + p + " " + scan;
          assertThat(
              label,
              JobRun.read(out.resolve("results.csv")),
              equalTo(expected("malformed-results.csv")));
          assertThat(label, JobRun.deadLetterRows(out), equalTo(want));
          // one file, in input order (file, then line), the same bytes whatever the chunking
          assertThat(
              label,
              JobRun.read(out.resolve("dead-letters.csv")).replace(td + "/", ""),
              equalTo(expected("malformed-dead-letters.csv")));
          Map<String, String> s = JobRun.summary(out);
          assertThat(s.get("records_read"), equalTo("11"));
          assertThat(s.get("records_ok"), equalTo("3"));
          assertThat(s.get("dead_letters"), equalTo("8"));
        }
      }
    }
  }

  @Test
  public void noGoodRecordStillWritesEveryFile() throws IOException {
    Path in = tmp.newFile("allbad.csv").toPath();
    Files.writeString(in, "k,v\na,x\nb\n");
    Path out = run(in.toString(), "k", "v", 4, 0);
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo("key,count,sum,min,max,mean\n"));
    assertThat(
        JobRun.read(out.resolve("dead-letters.csv")),
        equalTo(
            "file,line,reason,record\n"
                + in
                + ",2,v: not a number: 'x',\"a,x\"\n"
                + in
                + ",3,\"expected 2 fields, found 1\",b\n"));
    Map<String, String> s = JobRun.summary(out);
    assertThat(s.get("records_read"), equalTo("2"));
    assertThat(s.get("keys"), equalTo("0"));
  }

  /** A header and no record is a valid, empty input: every file written, with its header only. */
  static void assertEmptyOutputs(Path out) throws IOException {
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo("key,count,sum,min,max,mean\n"));
    assertThat(JobRun.read(out.resolve("dead-letters.csv")), equalTo("file,line,reason,record\n"));
    Map<String, String> s = JobRun.summary(out);
    for (String zero : List.of("records_read", "records_ok", "dead_letters", "keys")) {
      assertThat(zero, s.get(zero), equalTo("0"));
    }
    try (Stream<Path> files = Files.list(out)) {
      assertThat(
          files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList()),
          equalTo(JobRun.PUBLISHED));
    }
  }

  @Test
  public void headerOnlyInputsAreValidEmptyInputs() throws IOException {
    Path headerOnly = tmp.newFile("header-only.csv").toPath();
    Files.writeString(headerOnly, "k,v\n");
    Path noNewline = tmp.newFile("header-no-lf.csv").toPath();
    Files.writeString(noNewline, "k,v");
    Path blanks = tmp.newFile("header-blanks.csv").toPath();
    Files.writeString(blanks, "k,v\r\n\n\r\n\n");
    Path dir = tmp.newFolder("headers").toPath();
    Files.writeString(dir.resolve("a.csv"), "k,v\n");
    Files.writeString(dir.resolve("b.csv"), "v,k\r\n");
    for (String input :
        List.of(headerOnly.toString(), noNewline.toString(), blanks.toString(), dir + "/*.csv")) {
      for (String scan : SCANS) {
        for (int p : new int[] {1, 4}) {
          Path out = run(input, "k", "v", p, 0, scan);
          assertEmptyOutputs(out);
        }
      }
    }
    assertThat(JobRun.summary(run(dir + "/*.csv", "k", "v", 2, 0)).get("files"), equalTo("2"));
  }

  @Test
  public void simulatedWorkNeverChangesResults() throws IOException {
    String want = expected("sample-results.csv");
    for (String work : new String[] {"cpu", "io"}) {
      Path out =
          run(
              td.resolve("sample/sales.csv").toString(),
              "region",
              "amount",
              4,
              0,
              "--work=" + work,
              "--workMicros=200");
      assertThat(work, JobRun.read(out.resolve("results.csv")), equalTo(want));
      assertThat(JobRun.summary(out).get("work"), startsWith(work));
    }
  }

  @Test
  public void overwriteReplacesEarlierResultsAndKeepsOtherFiles() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("again");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "mine");
    Files.writeString(out.resolve("dead-letters-00000-of-00002.csv"), "stale");
    Files.writeString(out.resolve("results.csv"), "stale");
    JobRun r =
        JobRun.aggregate(
            "--input=" + td.resolve("sample/sales.csv"),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out,
            "--overwrite=true");
    assertThat(r.err, r.exitCode, is(0));
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo(expected("sample-results.csv")));
    assertThat(JobRun.read(out.resolve("notes.txt")), equalTo("mine"));
    assertThat(Files.exists(out.resolve("dead-letters-00000-of-00002.csv")), is(false));
    try (Stream<Path> s = Files.list(out)) {
      assertThat(
          s.filter(f -> f.getFileName().toString().startsWith(".")).collect(Collectors.toList()),
          empty());
    }
  }

  @Test
  public void keysAreSortedByUtf8BytesAndRoundTrip() throws IOException {
    Path in = tmp.newFile("keys.csv").toPath();
    // U+FF21 (3 UTF-8 bytes, 0xEF..) sorts before U+1F600 (4 bytes, 0xF0..) in UTF-8 byte order,
    // but after it in UTF-16 order; "Z" (0x5A) < "a" (0x61) < "x" (0x78) < "é" (0xC3 0xA9).
    Files.writeString(
        in,
        "k,v\n\uD83D\uDE00,1\n\uFF21,2\na,3\nZ,4\n\u00e9,5\n\"x\"\"\ny,z\",6\n",
        StandardCharsets.UTF_8);
    Path out = run(in.toString(), "k", "v", 2, 0);
    List<String> keys =
        CSVParser.parse(
                out.resolve("results.csv"),
                StandardCharsets.UTF_8,
                CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())
            .getRecords()
            .stream()
            .map(r -> r.get("key"))
            .collect(Collectors.toList());
    assertThat(keys, equalTo(List.of("Z", "a", "x\"\ny,z", "\u00e9", "\uFF21", "\uD83D\uDE00")));
  }

  @Test
  public void runnerDefaultsApplyOnlyWhereTheCommandLineIsSilent() {
    String[] base = {"--input=x.csv", "--keyColumn=k", "--valueColumn=v", "--output=o"};
    AggregateOptions quiet = options(base);
    RunnerDefaults.applyRunnerDefaults(quiet, base);
    assertThat(quiet.as(DirectOptions.class).isEnforceImmutability(), is(false));
    assertThat(quiet.as(DirectOptions.class).isEnforceEncodability(), is(false));
    assertThat(quiet.as(FlinkPipelineOptions.class).getFasterCopy(), is(true));

    String[] given =
        Stream.concat(
                Stream.of(base),
                Stream.of(
                    "--enforceImmutability=true", "--enforceEncodability", "--fasterCopy=false"))
            .toArray(String[]::new);
    AggregateOptions loud = options(given);
    RunnerDefaults.applyRunnerDefaults(loud, given);
    assertThat(loud.as(DirectOptions.class).isEnforceImmutability(), is(true));
    assertThat(loud.as(DirectOptions.class).isEnforceEncodability(), is(true));
    assertThat(loud.as(FlinkPipelineOptions.class).getFasterCopy(), is(false));
  }

  private static AggregateOptions options(String[] args) {
    PipelineOptionsFactory.register(AggregateOptions.class);
    return PipelineOptionsFactory.fromArgs(args).as(AggregateOptions.class);
  }
}
