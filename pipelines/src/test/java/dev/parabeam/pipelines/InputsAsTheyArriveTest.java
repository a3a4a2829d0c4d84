package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Compressed inputs (detected from the name, or --compression) and single-byte encodings
 * (--encoding), end to end on the DirectRunner: the same bytes out as from the plain UTF-8 files.
 */
public class InputsAsTheyArriveTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path td = JobRun.testdata();

  private JobRun job(String input, int parallelism, String... extra) {
    Path out = tmp.getRoot().toPath().resolve("out-" + System.nanoTime());
    String[] base = {
      "--input=" + input,
      "--keyColumn=region",
      "--valueColumn=amount",
      "--output=" + out,
      "--targetParallelism=" + parallelism
    };
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private Path run(String input, int parallelism, String... extra) {
    JobRun r = job(input, parallelism, extra);
    assertThat("exit code; stderr: " + r.err, r.exitCode, is(0));
    return Path.of(r.out.substring(r.out.indexOf("output: ") + 8).strip().split("\n")[0]);
  }

  private String expected(String name) throws IOException {
    return JobRun.read(td.resolve("expected").resolve(name));
  }

  /**
   * The three files of testdata/multi-dead (bad records in each, columns in three orders, quoted
   * line breaks) compressed with each codec: results, dead letters (naming the compressed file and
   * the line in its decompressed text) and counts are those of the plain files, at parallelism 1
   * and 4, with boundaries found by the launcher or the pipeline, whatever --chunkBytes says.
   */
  @Test
  public void compressedCopiesGiveTheResultsOfThePlainFiles() throws IOException {
    String results = expected("multi-dead-results.csv");
    String deadLetters = expected("multi-dead-dead-letters.csv");
    Map<String, String> counts =
        AggregateJobTest.properties(td.resolve("expected/multi-dead-counts.properties"));
    for (Compression c :
        new Compression[] {
          Compression.GZIP,
          Compression.BZIP2,
          Compression.ZIP,
          Compression.DEFLATE,
          Compression.ZSTD
        }) {
      Path dir = tmp.newFolder("multi-dead-" + c).toPath();
      for (String part : new String[] {"part-a.csv", "part-b.csv", "part-c.csv"}) {
        Compressed.copy(td.resolve("multi-dead").resolve(part), dir, c);
      }
      boolean required = c == Compression.GZIP || c == Compression.BZIP2 || c == Compression.ZIP;
      for (int p : required ? new int[] {1, 4} : new int[] {4}) {
        for (String extra :
            required
                ? new String[] {
                  "--launcherScanMaxBytes=0", "--chunkBytes=7", "--launcherScanMaxBytes=1048576"
                }
                : new String[] {"--chunkBytes=0"}) {
          String label = c + " p=" + p + " " + extra;
          Path out = run(dir + "/*", p, extra);
          assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(results));
          assertThat(
              label,
              JobRun.read(out.resolve("dead-letters.csv")),
              equalTo(
                  deadLetters
                      .replace("multi-dead/part-", dir + "/part-")
                      .replaceAll("(part-.\\.csv),", "$1" + Compressed.suffix(c) + ",")));
          Map<String, String> s = JobRun.summary(out);
          for (String k : counts.keySet()) {
            assertThat(label + " " + k, s.get(k), equalTo(counts.get(k)));
          }
          assertThat(label, s.get("chunks"), equalTo("3"));
        }
      }
    }
  }

  /**
   * Compressed and plain files in one glob: each read its own way, results as from the plain ones.
   */
  @Test
  public void compressedAndPlainFilesMixInOneInput() throws IOException {
    Path dir = tmp.newFolder("mixed").toPath();
    Compressed.copy(td.resolve("multi-dead/part-a.csv"), dir, Compression.GZIP);
    Files.copy(td.resolve("multi-dead/part-b.csv"), dir.resolve("part-b.csv"));
    Compressed.copy(td.resolve("multi-dead/part-c.csv"), dir, Compression.BZIP2);
    for (int p : new int[] {1, 4}) {
      Path out = run(dir + "/*", p, "--chunkBytes=5");
      assertThat(
          JobRun.read(out.resolve("results.csv")), equalTo(expected("multi-dead-results.csv")));
      // part-b is cut into many chunks, the compressed parts are one chunk each
      assertThat(Integer.parseInt(JobRun.summary(out).get("chunks")) > 3, is(true));
    }
  }

  /** The sample and the CRLF + BOM file gzipped: the same results.csv as the plain files. */
  @Test
  public void gzippedSampleAndBomFileMatchThePlainOnes() throws IOException {
    Path dir = tmp.newFolder("gz").toPath();
    Path sales = Compressed.copy(td.resolve("sample/sales.csv"), dir, Compression.GZIP);
    Path bom = Compressed.copy(td.resolve("quoting/crlf-bom.csv"), dir, Compression.GZIP);
    for (int p : new int[] {1, 4}) {
      assertThat(
          JobRun.read(run(sales.toString(), p).resolve("results.csv")),
          equalTo(expected("sample-results.csv")));
      assertThat(
          JobRun.read(run(bom.toString(), p).resolve("results.csv")),
          equalTo(expected("quoting-results.csv")));
    }
  }

  /** --compression overrides the name: a gzip file without .gz, and a plain file named .gz. */
  @Test
  public void compressionOptionOverridesTheName() throws IOException {
    Path dir = tmp.newFolder("named").toPath();
    Path gz = Compressed.copy(td.resolve("sample/sales.csv"), dir, Compression.GZIP);
    Path noSuffix = dir.resolve("sales-gzip.dat");
    Files.move(gz, noSuffix);
    JobRun plain = job(noSuffix.toString(), 1);
    assertThat(plain.exitCode, is(2)); // read as text, its gzip header is not a CSV header
    Path out = run(noSuffix.toString(), 1, "--compression=gzip");
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo(expected("sample-results.csv")));
    Path fake = dir.resolve("plain.csv.bz2");
    Files.copy(td.resolve("sample/sales.csv"), fake);
    Path out2 = run(fake.toString(), 4, "--compression=UNCOMPRESSED");
    assertThat(JobRun.read(out2.resolve("results.csv")), equalTo(expected("sample-results.csv")));
  }

  /**
   * A truncated .gz is an error that names the file, and nothing is published: a run fails when the
   * damage lies past the text the launcher reads for the header, and stops before starting when it
   * lies within it. Records before the damage are never counted as if they were the whole file.
   */
  @Test
  public void aTruncatedGzipFileIsAnErrorNamingIt() throws IOException {
    StringBuilder sb = new StringBuilder("id,region,amount\n");
    for (int i = 0; i < 20000; i++) {
      sb.append(i).append(",r").append(i % 13).append(',').append(i % 97).append(".25\n");
    }
    Path dir = tmp.newFolder("truncated").toPath();
    Path whole = dir.resolve("whole.csv.gz");
    Compressed.write(sb.toString().getBytes(StandardCharsets.UTF_8), whole, Compression.GZIP);
    byte[] gz = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.csv.gz");
    Files.write(cut, Arrays.copyOf(gz, gz.length * 3 / 4));
    for (int p : new int[] {1, 4}) {
      for (String scan :
          new String[] {"--launcherScanMaxBytes=0", "--launcherScanMaxBytes=1048576"}) {
        Path out = tmp.getRoot().toPath().resolve("out-cut-" + p + scan.length());
        JobRun r =
            JobRun.aggregate(
                "--input=" + cut,
                "--keyColumn=region",
                "--valueColumn=amount",
                "--output=" + out,
                "--targetParallelism=" + p,
                scan);
        assertThat(r.err, r.exitCode, is(1));
        assertThat(r.err, startsWith("error: job failed: "));
        assertThat(r.err, containsString(cut + " is corrupt or truncated"));
        assertThat("one line", r.err.strip().contains("\n"), is(false));
        assertThat(Files.exists(out.resolve("results.csv")), is(false));
      }
    }
    // damage within the first 64 KiB of text: found while reading the header, before anything runs
    Path small = dir.resolve("small.csv.gz");
    byte[] sample =
        Files.readAllBytes(Compressed.copy(td.resolve("sample/sales.csv"), dir, Compression.GZIP));
    Files.write(small, Arrays.copyOf(sample, sample.length - 4));
    JobRun r = job(small.toString(), 1);
    assertThat(r.err, r.exitCode, is(2));
    assertThat(r.err, startsWith("error: " + small + " is corrupt or truncated"));
    // the whole file reads
    assertThat(JobRun.summary(run(whole.toString(), 4)).get("records_ok"), equalTo("20000"));
  }

  /**
   * A windows-1252 export (CRLF, accents, curly quotes inside quoted fields, the euro sign in a key
   * and in a value that is therefore not a number, a quoted line break, two bytes windows-1252
   * leaves unassigned) against testdata/oracle.py, which decodes it with Python's cp1252. Outputs
   * are UTF-8; an unassigned byte makes its record a dead letter. Gzipped, the same.
   */
  @Test
  public void windows1252MatchesTheOracle() throws IOException {
    Path file = td.resolve("encoding/cp1252.csv");
    Map<String, String> counts =
        AggregateJobTest.properties(td.resolve("expected/encoding-cp1252-counts.properties"));
    Path gz = Compressed.copy(file, tmp.newFolder("cp1252").toPath(), Compression.GZIP);
    for (String input : new String[] {file.toString(), gz.toString()}) {
      for (int p : new int[] {1, 4}) {
        for (String chunk : new String[] {"--chunkBytes=0", "--chunkBytes=9"}) {
          String label = input + " p=" + p + " " + chunk;
          Path out = run(input, p, "--encoding=windows-1252", chunk);
          assertThat(
              label,
              JobRun.read(out.resolve("results.csv")),
              equalTo(expected("encoding-cp1252-results.csv")));
          Map<String, String> s = JobRun.summary(out);
          for (String k : counts.keySet()) {
            assertThat(label + " " + k, s.get(k), equalTo(counts.get(k)));
          }
          String dead = JobRun.read(out.resolve("dead-letters.csv"));
          // the record decoded with the input's charset, written in UTF-8; an unassigned byte as
          // U+FFFD
          assertThat(
              label,
              dead,
              equalTo(
                  "file,line,reason,record\n"
                      + input
                      + ",4,amount: not a number: '€5',\"3,Zürich,Bière,€5,price in euros is not a number\"\n"
                      + input
                      + ",8,invalid windows-1252,\"7,Málaga,Turrón,8.10,byte \uFFFD is unassigned\"\n"
                      + input
                      + ",11,invalid windows-1252,\"9,Málaga,Churros,4.00,byte \uFFFD too\"\n"));
        }
      }
    }
    // read as UTF-8 (the default), every record with a byte above 0x7F is a dead letter
    Path out = run(file.toString(), 1);
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo("key,count,sum,min,max,mean\n"));
  }
}
