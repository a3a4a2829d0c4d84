package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.aggregate.AggregateOptions;
import dev.parabeam.pipelines.launcher.OptionsCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every misuse stops before the pipeline: exit code 2, one {@code error:} line, nothing written.
 */
public class MisuseTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private Path input;
  private Path out;

  @Before
  public void setUp() throws IOException {
    input = tmp.newFile("in.csv").toPath();
    Files.writeString(input, "k,v\na,1\n");
    out = tmp.getRoot().toPath().resolve("out");
  }

  private void assertMisuse(JobRun r, String messagePart) {
    assertThat("stdout: " + r.out, r.exitCode, is(2));
    assertThat(r.err, startsWith("error: "));
    assertThat(r.err.strip().lines().count(), is(1L));
    assertThat(r.err, containsString(messagePart));
    assertThat(r.out, equalTo(""));
  }

  private List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  public void inputMatchingNoFile() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        JobRun.aggregate(
            "--input=" + tmp.getRoot() + "/nothing*.csv",
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out),
        "matches no file");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  @Test
  public void aMemoryBudgetThatIsNoSize() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    for (String bad : List.of("lots", "-1m", "12q", "")) {
      assertMisuse(
          JobRun.aggregate(
              "--input=" + input,
              "--keyColumn=k",
              "--valueColumn=v",
              "--output=" + out,
              "--memoryBudget=" + bad),
          "--memoryBudget=" + bad + ": give bytes, or a number with k, m or g");
    }
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  @Test
  public void missingKeyOrValueColumn() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input, "--keyColumn=nope", "--valueColumn=v", "--output=" + out),
        "no column 'nope'");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input, "--keyColumn=k", "--valueColumn=amount", "--output=" + out),
        "no column 'amount'");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  @Test
  public void oneOfSeveralFilesWithoutTheColumn() throws IOException {
    Path dir = tmp.newFolder("in").toPath();
    Files.writeString(dir.resolve("a.csv"), "k,v\na,1\n");
    Files.writeString(dir.resolve("b.csv"), "key,v\na,1\n");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + dir + "/*.csv", "--keyColumn=k", "--valueColumn=v", "--output=" + out),
        "b.csv has no column 'k'");
    assertThat(Files.exists(out), is(false));
  }

  @Test
  public void nonEmptyOutputWithoutOverwrite() throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve("results.csv"), "keep me");
    assertMisuse(
        JobRun.aggregate("--input=" + input, "--keyColumn=k", "--valueColumn=v", "--output=" + out),
        "is not empty");
    assertThat(Files.readString(out.resolve("results.csv")), equalTo("keep me"));
    assertThat(tree(out).size(), is(2));
  }

  @Test
  public void outputThatHoldsAnInputFileEvenWithOverwrite() throws IOException {
    Path dir = tmp.newFolder("data").toPath();
    Files.writeString(dir.resolve("x.csv"), "k,v\na,1\n");
    List<String> before = tree(dir);
    assertMisuse(
        JobRun.aggregate(
            "--input=" + dir + "/x.csv",
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + dir,
            "--overwrite=true"),
        "holds input file");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + dir + "/x.csv",
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + tmp.getRoot(),
            "--overwrite=true"),
        "holds input file");
    assertThat(tree(dir), equalTo(before));
  }

  @Test
  public void unknownOptionAndMissingRequiredOption() {
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--colour=blue"),
        "colour");
    assertMisuse(
        JobRun.aggregate("--input=" + input, "--valueColumn=v", "--output=" + out), "keyColumn");
    assertThat(Files.exists(out), is(false));
  }

  @Test
  public void badOptionValues() {
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--delimiter=;;"),
        "delimiter");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--work=gpu"),
        "--work must be none, cpu or io");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--maxRecordBytes=0"),
        "maxRecordBytes");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--launcherScanMaxBytes=-1"),
        "--launcherScanMaxBytes must be 0");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--targetParallelism=many"),
        "targetParallelism");
    for (String f : new String[] {"1.5", "-0.01", "NaN", "Infinity"}) {
      assertMisuse(
          JobRun.aggregate(
              "--input=" + input,
              "--keyColumn=k",
              "--valueColumn=v",
              "--output=" + out,
              "--maxDeadLetterFraction=" + f),
          "--maxDeadLetterFraction must be between 0 and 1");
    }
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--maxDeadLetterFraction=1%"),
        "maxDeadLetterFraction");
    assertThat(Files.exists(out), is(false));
  }

  /**
   * --compression and --encoding take only what the reader can read; the message says what it can.
   */
  @Test
  public void badCompressionAndEncoding() throws IOException {
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--compression=RAR"),
        "--compression=RAR is not one of AUTO, UNCOMPRESSED, GZIP, BZIP2, ZIP, DEFLATE, ZSTD");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--compression=SNAPPY"),
        "--compression=SNAPPY is not one of");
    for (String multi : new String[] {"UTF-16", "UTF-16LE", "UTF-32", "Shift_JIS", "GBK"}) {
      assertMisuse(
          JobRun.aggregate(
              "--input=" + input,
              "--keyColumn=k",
              "--valueColumn=v",
              "--output=" + out,
              "--encoding=" + multi),
          "--encoding=" + multi + " (");
      assertMisuse(
          JobRun.aggregate(
              "--input=" + input,
              "--keyColumn=k",
              "--valueColumn=v",
              "--output=" + out,
              "--encoding=" + multi),
          "is a multi-byte charset; only UTF-8 and single-byte charsets");
    }
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--encoding=klingon"),
        "--encoding=klingon is not a charset this Java knows");
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + out,
            "--encoding=IBM037"),
        "does not keep ASCII");
    // a name that Beam's Compression.detect maps to a codec the job does not read
    Path lzo = tmp.newFile("in.csv.lzo").toPath();
    Files.writeString(lzo, "k,v\na,1\n");
    assertMisuse(
        JobRun.aggregate("--input=" + lzo, "--keyColumn=k", "--valueColumn=v", "--output=" + out),
        "in.csv.lzo: LZOP compression (from its name) is not supported; give --compression=UNCOMPRESSED");
    assertThat(Files.exists(out), is(false));
  }

  @Test
  public void outputThatIsAFileAndEmptyInputFile() throws IOException {
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input, "--keyColumn=k", "--valueColumn=v", "--output=" + input),
        "not a directory");
    Path empty = tmp.newFile("empty.csv").toPath();
    assertMisuse(
        JobRun.aggregate("--input=" + empty, "--keyColumn=k", "--valueColumn=v", "--output=" + out),
        "empty");
    assertThat(Files.readString(input), equalTo("k,v\na,1\n"));
  }

  /**
   * Option mistakes in the job's words: every missing option at once, the nearest known name, the
   * bad value.
   */
  @Test
  public void optionMistakesAreNamedInTheJobsWords() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(JobRun.aggregate(), "missing --input, --keyColumn, --output, --valueColumn");
    String[] ok = {"--input=" + input, "--keyColumn=k", "--valueColumn=v", "--output=" + out};
    assertMisuse(
        JobRun.aggregate(with(ok, "--valueColum=v")),
        "unknown option --valueColum (did you mean --valueColumn?)");
    assertMisuse(JobRun.aggregate(with(ok, "--frobnicate=1")), "unknown option --frobnicate");
    assertMisuse(JobRun.aggregate(with(ok, "--keyColumn=product")), "--keyColumn is given twice");
    // an option of any options interface Beam has registered is not "unknown" (it may still be bad)
    assertThat(
        OptionsCheck.properties(AggregateOptions.class)
            .keySet()
            .containsAll(
                List.of(
                    "experiments",
                    "tempLocation",
                    "jobName",
                    "enforceImmutability",
                    "flinkMaster",
                    "keyColumn")),
        is(true));
    assertMisuse(
        JobRun.aggregate(with(ok, "--targetParallelism=abc")),
        "--targetParallelism: not an integer: 'abc'");
    assertMisuse(
        JobRun.aggregate(with(ok, "--targetParallelism=0")),
        "--targetParallelism must be at least 1, got 0");
    assertMisuse(
        JobRun.aggregate(with(ok, "--targetParallelism=-1")),
        "--targetParallelism must be at least 1, got -1");
    assertMisuse(
        JobRun.aggregate(with(ok, "--maxDeadLetterFraction=lots")),
        "--maxDeadLetterFraction: not a number: 'lots'");
    assertMisuse(
        JobRun.aggregate(with(ok, "--overwrite=yes")), "--overwrite: not true or false: 'yes'");
    assertMisuse(
        JobRun.aggregate(with(ok, "--runner=FlinkRunner", "--parallelism=0")),
        "--parallelism must be at least 1");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  /** A slip a user makes: a space for the '=', an unknown runner (test runners not listed). */
  @Test
  public void aSpaceForTheEqualsSignAndAnUnknownRunner() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        JobRun.aggregate("--input", input.toString(), "--keyColumn=k", "--valueColumn=v"),
        "unexpected argument '"
            + input
            + "' after --input: options look like --name=value (write --input="
            + input
            + ")");
    String[] ok = {"--input=" + input, "--keyColumn=k", "--valueColumn=v", "--output=" + out};
    assertMisuse(
        JobRun.aggregate(with(ok, "stray")),
        "unexpected argument 'stray': options look like --name=value");
    JobRun nope = JobRun.aggregate(with(ok, "--runner=Nope"));
    assertMisuse(nope, "--runner=Nope is not a runner; the runners: DirectRunner, FlinkRunner");
    assertThat(nope.err, not(containsString("Test")));
    assertMisuse(JobRun.aggregate(with(ok, "--runner=FlinkRuner")), "(did you mean FlinkRunner?)");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  @Test
  public void outputUnderARegularFile() throws IOException {
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        JobRun.aggregate(
            "--input=" + input,
            "--keyColumn=k",
            "--valueColumn=v",
            "--output=" + input.resolve("sub/out")),
        "is under " + input + ", which is a file");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  private static String[] with(String[] base, String... more) {
    return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
  }

  private JobRun groupby(String keyColumns, String aggregations) {
    return JobRun.groupby(
        "--input=" + groupByInput,
        "--keyColumns=" + keyColumns,
        "--aggregations=" + aggregations,
        "--output=" + out);
  }

  private Path groupByInput;

  /**
   * groupby: a column it names is not in the file: the message names it and lists the file's
   * columns.
   */
  @Test
  public void groupByUnknownKeyOrAggregationColumn() throws IOException {
    groupByInput = tmp.newFile("sales.csv").toPath();
    Files.writeString(groupByInput, "region,product,amount\nnorth,w,1\n");
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        groupby("region,colour", "count"),
        "has no column 'colour' (its columns: region, product, amount)");
    assertMisuse(
        groupby("region", "count,sum(price)"),
        "has no column 'price' (its columns: region, product, amount)");
    assertMisuse(groupby("region", "countDistinct(customer)"), "has no column 'customer'");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }

  /** groupby: every malformed --aggregations and --keyColumns is one line naming what is wrong. */
  @Test
  public void groupByMalformedLists() throws IOException {
    groupByInput = tmp.newFile("sales.csv").toPath();
    Files.writeString(groupByInput, "region,product,amount\nnorth,w,1\n");
    List<String> before = tree(tmp.getRoot().toPath());
    assertMisuse(
        groupby("region", "median(amount)"),
        "--aggregations: unknown aggregation 'median(amount)' (known: count,");
    assertMisuse(groupby("region", "Sum(amount)"), "unknown aggregation 'Sum(amount)'");
    assertMisuse(groupby("region", "sum("), "--aggregations: unbalanced '(' in 'sum('");
    assertMisuse(groupby("region", "sum(amount))"), "unbalanced ')'");
    assertMisuse(groupby("region", "count(x)"), "'count(x)' takes no column: write count");
    assertMisuse(groupby("region", "count()"), "'count()' takes no column");
    assertMisuse(groupby("region", "sum()"), "'sum()' needs a column: sum(column)");
    assertMisuse(groupby("region", "sum"), "'sum' needs a column");
    assertMisuse(
        groupby("region", "count,,sum(amount)"), "an empty item in the list of aggregations");
    assertMisuse(groupby("region", "count,"), "an empty item");
    assertMisuse(
        groupby("region", "count,sum(amount),count"), "aggregation 'count' is listed twice");
    assertMisuse(
        groupby("region", "sum(amount), sum(amount)"), "aggregation 'sum(amount)' is listed twice");
    assertMisuse(groupby("region", ""), "the list of aggregations is empty");
    assertMisuse(groupby("", "count"), "--keyColumns=: an empty column name");
    assertMisuse(
        groupby("region,,product", "count"), "--keyColumns=region,,product: an empty column name");
    assertMisuse(groupby("region,", "count"), "an empty column name");
    assertMisuse(groupby("region,region", "count"), "--keyColumns names 'region' twice");
    assertMisuse(
        JobRun.groupby("--input=" + groupByInput, "--aggregations=count", "--output=" + out),
        "keyColumns");
    assertMisuse(
        JobRun.groupby("--input=" + groupByInput, "--keyColumns=region", "--output=" + out),
        "aggregations");
    assertThat(tree(tmp.getRoot().toPath()), equalTo(before));
  }
}
