package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.launcher.Messages;
import dev.parabeam.pipelines.launcher.RunReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The input a new user brings: headers that repeat a name or are missing, a directory, a file whose
 * name lies about its compression, a tab-separated file, lists typed with spaces, old Mac line
 * ends, keys that do not fit on a line. Misuse is exit 2, one {@code error:} line, nothing written.
 */
public class CsvInputRulesTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final String NORTH_SOUTH =
      "key,count,sum,min,max,mean\nnorth,2,4,1,3,2\nsouth,1,2,2,2,2\n";

  private Path out() {
    return tmp.getRoot().toPath().resolve("out-" + System.nanoTime());
  }

  private Path write(String name, String text) throws IOException {
    Path p = tmp.getRoot().toPath().resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private static String[] with(String[] base, String... more) {
    return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
  }

  /**
   * aggregate on {@code input} (key, value) with {@code extra}; the results of a run that ends 0.
   */
  private String results(Path input, String key, String value, String... extra) throws IOException {
    Path o = out();
    JobRun r =
        JobRun.aggregate(
            with(
                new String[] {
                  "--input=" + input,
                  "--keyColumn=" + key,
                  "--valueColumn=" + value,
                  "--output=" + o
                },
                extra));
    assertThat("stderr: " + r.err, r.exitCode, is(0));
    return JobRun.read(o.resolve("results.csv"));
  }

  private JobRun aggregate(Path input, String key, String value, String... extra) {
    Path o = out();
    JobRun r =
        JobRun.aggregate(
            with(
                new String[] {
                  "--input=" + input,
                  "--keyColumn=" + key,
                  "--valueColumn=" + value,
                  "--output=" + o
                },
                extra));
    assertThat("nothing written", Files.exists(o) && r.exitCode == 2, is(false));
    return r;
  }

  private static void assertMisuse(JobRun r, String messagePart) {
    assertThat("stdout: " + r.out, r.exitCode, is(2));
    assertThat(r.err, startsWith("error: "));
    assertThat(r.err, r.err.strip().lines().count(), is(1L));
    assertThat(r.err, containsString(messagePart));
    assertThat(r.out, equalTo(""));
  }

  /**
   * Two empty header cells (trailing commas) or a name given twice do not stop a job that uses
   * neither; a reference to such a name is misuse naming its 1-based positions.
   */
  @Test
  public void repeatedHeaderNamesAreReadAndOnlyAReferenceToThemIsRefused() throws IOException {
    Path trailing = write("trailing.csv", "region,amount,,\nnorth,1,,\nsouth,2,,\nnorth,3,,\n");
    assertThat(results(trailing, "region", "amount"), equalTo(NORTH_SOUTH));
    Path twice = write("twice.csv", "x,region,x,amount\n1,north,2,1\n3,south,4,2\n5,north,6,3\n");
    assertThat(results(twice, "region", "amount"), equalTo(NORTH_SOUTH));
    assertMisuse(
        aggregate(twice, "x", "amount"),
        "twice.csv: column 'x' is ambiguous: the header names it at positions 1 and 3;"
            + " give each column a name of its own with --columns=");
    assertMisuse(
        JobRun.groupby(
            "--input=" + twice,
            "--keyColumns=region",
            "--aggregations=count,countDistinct(x)",
            "--output=" + out()),
        "column 'x' is ambiguous");
    // --columns names them apart
    assertThat(
        results(twice, "b", "amount", "--columns=a,region,b,amount"),
        equalTo("key,count,sum,min,max,mean\n2,1,1,1,1,1\n4,1,2,2,2,2\n6,1,3,3,3,3\n"));
    assertMisuse(
        aggregate(twice, "b", "amount", "--columns=a,region,b"),
        "twice.csv: its header has 4 columns, --columns names 3");
    // files of one glob may order their columns differently, but --columns renames by position
    write("two/a.csv", "region,amount\nnorth,1\n");
    write("two/b.csv", "amount,region\n2,south\n");
    Path two = tmp.getRoot().toPath().resolve("two");
    assertThat(
        results(two, "region", "amount"),
        equalTo("key,count,sum,min,max,mean\nnorth,1,1,1,1,1\nsouth,1,2,2,2,2\n"));
    assertMisuse(
        aggregate(two, "r", "a", "--columns=r,a"),
        "b.csv: its header (amount, region) is not that of "
            + two.resolve("a.csv")
            + " (region, amount); --columns renames by position");
  }

  /**
   * --header=false: every record is data, the columns column1, column2, ... or as --columns says;
   * each file of a glob counts its own (and one without the column is misuse naming it).
   */
  @Test
  public void filesWithoutAHeaderRow() throws IOException {
    Path plain = write("nohdr/a.csv", "north,1\nsouth,2\nnorth,3\n");
    assertThat(results(plain, "column1", "column2", "--header=false"), equalTo(NORTH_SOUTH));
    assertThat(
        results(plain, "region", "amount", "--header=false", "--columns= region , amount"),
        equalTo(NORTH_SOUTH));
    // a record with another number of fields is a dead letter, as with a header
    Path dir = plain.getParent();
    write("nohdr/b.csv", "south,5\nwest,6,7\n");
    Path o = out();
    JobRun r =
        JobRun.aggregate(
            "--input=" + dir + "/*.csv",
            "--keyColumn=column1",
            "--valueColumn=column2",
            "--header=false",
            "--output=" + o);
    assertThat(r.err, r.exitCode, is(0));
    assertThat(
        JobRun.read(o.resolve("results.csv")),
        equalTo("key,count,sum,min,max,mean\nnorth,2,4,1,3,2\nsouth,2,7,2,5,3.5\n"));
    assertThat(JobRun.summary(o).get("records_read"), equalTo("5"));
    assertThat(JobRun.summary(o).get("dead_letters"), equalTo("1"));
    write("nohdr/c.csv", "east\n");
    assertMisuse(
        aggregate(dir.resolve("*.csv"), "column1", "column2", "--header=false"),
        "c.csv has no column 'column2' (its columns: column1)");
    // without a header, the first line is data, not names
    assertMisuse(aggregate(plain, "north", "1", "--header=false"), "has no column 'north'");
  }

  /**
   * A directory stands for its regular files, sorted, as in Spark: not its subdirectories' files,
   * not hidden ones (.crc, _SUCCESS). One with no such file is misuse.
   */
  @Test
  public void aDirectoryIsReadAsItsFiles() throws IOException {
    write("d/b.csv", "region,amount\nsouth,2\nnorth,3\n");
    write("d/a.csv", "amount,region\n1,north\n");
    write("d/_SUCCESS", "");
    write("d/.b.csv.crc", "\u0001\u0002");
    write("d/sub/c.csv", "region,amount\nwest,9\n");
    Path dir = tmp.getRoot().toPath().resolve("d");
    assertThat(results(dir, "region", "amount"), equalTo(NORTH_SOUTH));
    Path o = out();
    JobRun.aggregate(
        "--input=" + dir + "/", "--keyColumn=region", "--valueColumn=amount", "--output=" + o);
    assertThat(JobRun.summary(o).get("files"), equalTo("2"));
    Path empty = tmp.newFolder("empty").toPath();
    assertMisuse(
        aggregate(empty, "region", "amount"),
        "--input=" + empty + " is a directory without a file to read");
    write("hidden/.x.csv", "region,amount\n");
    write("hidden/sub/c.csv", "region,amount\n");
    assertMisuse(
        aggregate(tmp.getRoot().toPath().resolve("hidden"), "region", "amount"),
        "its subdirectories are not read: give a glob such as '");
  }

  /**
   * Compression is checked against the file's first bytes: a name or --compression that says gzip
   * on a plain file, or a plain name on a compressed one, is misuse that says what the file is.
   */
  @Test
  public void compressionIsCheckedAgainstTheFirstBytes() throws IOException {
    String text = "region,amount\nnorth,1\nsouth,2\nnorth,3\n";
    Path plainGz = write("plain.csv.gz", text);
    assertMisuse(
        aggregate(plainGz, "region", "amount"),
        plainGz
            + " is plain text (it starts with 'region,amoun…'), not GZIP-compressed as its name"
            + " says; rename it without .gz or give --compression=UNCOMPRESSED");
    Path plain = write("plain.csv", text);
    assertMisuse(
        aggregate(plain, "region", "amount", "--compression=GZIP"),
        "not GZIP-compressed as --compression=GZIP says; give --compression=UNCOMPRESSED");
    Path gzip = tmp.getRoot().toPath().resolve("gzip.csv");
    Compressed.write(text.getBytes(StandardCharsets.UTF_8), gzip, Compression.GZIP);
    assertMisuse(
        aggregate(gzip, "region", "amount"),
        gzip + " is GZIP-compressed (it starts with bytes 1f 8b");
    assertMisuse(
        aggregate(gzip, "region", "amount", "--compression=UNCOMPRESSED"),
        "not plain text as --compression=UNCOMPRESSED says; give --compression=GZIP");
    Path bzip = tmp.getRoot().toPath().resolve("bzip.csv.gz");
    Compressed.write(text.getBytes(StandardCharsets.UTF_8), bzip, Compression.BZIP2);
    assertMisuse(
        aggregate(bzip, "region", "amount"),
        "is BZIP2-compressed (it starts with bytes 42 5a 68 39), not GZIP-compressed as its name"
            + " says; rename it to *.bz2 or give --compression=BZIP2");
    Path zst = tmp.getRoot().toPath().resolve("z.csv.bz2");
    Compressed.write(text.getBytes(StandardCharsets.UTF_8), zst, Compression.ZSTD);
    assertMisuse(aggregate(zst, "region", "amount"), "is ZSTD-compressed");
    assertMisuse(
        aggregate(plain, "region", "amount", "--compression=DEFLATE"),
        "not DEFLATE-compressed as --compression=DEFLATE says");
    // text that happens to start like a zlib header (0x78 0x5e is "x^") or like bzip2's "BZh9" is
    // plain text where plain text is expected
    Path zlibLike = write("zlib-like.csv", "x^,BZh91AY,amount\nnorth,1,1\nsouth,2,2\nnorth,3,3\n");
    assertThat(results(zlibLike, "x^", "amount"), equalTo(NORTH_SOUTH));
    // each codec's own files still read
    for (Compression c :
        new Compression[] {
          Compression.GZIP,
          Compression.BZIP2,
          Compression.ZIP,
          Compression.DEFLATE,
          Compression.ZSTD
        }) {
      Path f = Compressed.copy(plain, tmp.newFolder("c-" + c).toPath(), c);
      assertThat(c.toString(), results(f, "region", "amount"), equalTo(NORTH_SOUTH));
    }
  }

  /**
   * The dead letters' bytes are bytes of text: for a compressed input they are not compared with
   * the compressed size (which made 1 long dead letter in 300 records a warning); a plain input
   * still warns by bytes.
   */
  @Test
  public void deadLetterBytesOfACompressedInputAreNotComparedWithItsCompressedSize()
      throws IOException {
    StringBuilder sb = new StringBuilder("region,amount\n");
    for (int i = 0; i < 300; i++) {
      sb.append("north,1\n");
    }
    sb.append("south,").append("x".repeat(300)).append('\n');
    Path plain = write("long-dead.csv", sb.toString());
    Path gz = Compressed.copy(plain, tmp.newFolder("gz").toPath(), Compression.GZIP);
    assertThat("compressed well", Files.size(gz) * 30 < 301 * 100, is(true));
    Path o = out();
    JobRun r =
        JobRun.aggregate(
            "--input=" + gz, "--keyColumn=region", "--valueColumn=amount", "--output=" + o);
    assertThat(r.err, r.exitCode, is(0));
    assertThat(JobRun.summary(o).get("dead_letters"), equalTo("1"));
    assertThat(r.err, not(containsString("warning")));
    JobRun p =
        JobRun.aggregate(
            "--input=" + plain, "--keyColumn=region", "--valueColumn=amount", "--output=" + out());
    assertThat(p.err, containsString("1 of 301 records (0.3%) are dead letters, 306 of "));
    // unit: an unknown text size leaves only the records' share
    Path f = Path.of("/d/dead-letters.csv");
    assertThat(RunReport.deadLetterWarning(1, 301, 306, -1, f), nullValue());
    assertThat(
        RunReport.deadLetterWarning(5, 301, 306, -1, f),
        equalTo("warning: 5 of 301 records (1.7%) are dead letters; see /d/dead-letters.csv"));
  }

  /**
   * A tab is --delimiter=tab or '\t'; a missing column in a header that holds another delimiter
   * says which; the message about a bad delimiter names the option.
   */
  @Test
  public void tabDelimiterAndDelimiterHints() throws IOException {
    Path tsv = write("t.tsv", "region\tamount\nnorth\t1\nsouth\t2\nnorth\t3\n");
    assertThat(results(tsv, "region", "amount", "--delimiter=tab"), equalTo(NORTH_SOUTH));
    assertThat(results(tsv, "region", "amount", "--delimiter=\\t"), equalTo(NORTH_SOUTH));
    assertMisuse(
        aggregate(tsv, "region", "amount"),
        "t.tsv has no column 'region' (its columns: region\\tamount); its header looks like"
            + " --delimiter=tab");
    assertMisuse(
        aggregate(write("s.csv", "region;amount\nnorth;1\n"), "region", "amount"),
        "its header looks like --delimiter=';'");
    assertMisuse(
        aggregate(write("p.csv", "region|amount\nnorth|1\n"), "region", "amount"),
        "its header looks like --delimiter='|'");
    Path comma = write("c.csv", "region,amount\nnorth,1\n");
    assertMisuse(
        aggregate(comma, "region", "amount", "--delimiter=;"),
        "its header looks like --delimiter=','");
    JobRun plainMissing = aggregate(comma, "nope", "amount");
    assertMisuse(plainMissing, "has no column 'nope' (its columns: region, amount)");
    assertThat(plainMissing.err, not(containsString("looks like")));
    assertMisuse(
        aggregate(comma, "region", "amount", "--delimiter=;;"),
        "error: --delimiter must be exactly one character (or tab), got ';;'");
  }

  /** Column lists take spaces after their commas (and around a column inside parentheses). */
  @Test
  public void spacesAroundCommasInColumnLists() throws IOException {
    Path in = write("g.csv", "region,product,amount\nnorth,w,1\nsouth,g,2\nnorth,w,3\n");
    Path tight = out();
    Path spaced = out();
    JobRun a =
        JobRun.groupby(
            "--input=" + in,
            "--keyColumns=region,product",
            "--aggregations=count,sum(amount)",
            "--output=" + tight);
    JobRun b =
        JobRun.groupby(
            "--input=" + in,
            "--keyColumns=region, product",
            "--aggregations=count, sum( amount )",
            "--output=" + spaced);
    assertThat(a.err, a.exitCode, is(0));
    assertThat(b.err, b.exitCode, is(0));
    assertThat(
        JobRun.read(spaced.resolve("results.csv")),
        equalTo(
            JobRun.read(tight.resolve("results.csv"))
                .replaceFirst("sum\\(amount\\)", "sum( amount )")));
    assertThat(
        JobRun.read(spaced.resolve("results.csv")),
        equalTo("region,product,count,sum( amount )\nnorth,w,2,4\nsouth,g,1,2\n"));
    // a header with spaces after its commas: the names with spaces are shown quoted
    Path spacedHeader = write("sh.csv", "region, product\nnorth,w\n");
    assertMisuse(
        JobRun.groupby(
            "--input=" + spacedHeader,
            "--keyColumns=region,product",
            "--aggregations=count",
            "--output=" + out()),
        "has no column 'product' (its columns: region, ' product')");
  }

  /** A file whose lines end with CR alone: misuse in words, never a raw CR in the line. */
  @Test
  public void crOnlyLineEndsAreNamedWithoutEchoingThem() throws IOException {
    Path cr = write("cr.csv", "region,amount\rnorth,1\rsouth,2\r");
    for (String header : new String[] {"--header=true", "--header=false"}) {
      JobRun r = aggregate(cr, "region", "amount", header);
      assertMisuse(r, "cr.csv: its lines end with CR alone");
      assertThat(r.err, containsString("records must end with LF or CRLF"));
      assertThat(r.err.strip().contains("\r"), is(false));
    }
    // whatever a message holds, its error line shows control characters escaped
    assertThat(Messages.firstLine(" a\rb\tc\u001bd\nsecond line"), equalTo("a\\rb\\tc\\u001bd"));
  }

  /**
   * The preview counts records (a key with a line break is one row) and shows each value on one
   * line, cut at 60 characters.
   */
  @Test
  public void previewCountsRecordsAndCutsLongValues() throws IOException {
    String longKey = "k".repeat(5000);
    Path in =
        write("keys.csv", "key,v\n\"line\nbreak\",1\n\"" + longKey + "\",2\n\"a,b\",3\nplain,4\n");
    Path o = out();
    JobRun r =
        JobRun.aggregate("--input=" + in, "--keyColumn=key", "--valueColumn=v", "--output=" + o);
    assertThat(r.err, r.exitCode, is(0));
    String preview = r.out.substring(r.out.indexOf("results.csv ("));
    assertThat(preview, startsWith("results.csv (4 rows):\n"));
    assertThat(preview, containsString("\n  \"a,b\",1,3,3,3,3\n"));
    assertThat(preview, containsString("\n  " + "k".repeat(60) + "\u2026,1,2,2,2,2\n"));
    assertThat(preview, containsString("\n  line\\nbreak,1,1,1,1,1\n"));
    for (String line : preview.split("\n")) {
      assertThat(line, line.length(), lessThan(100));
    }
  }
}
