package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.baseline.Baseline;
import dev.parabeam.pipelines.bench.Bench;
import dev.parabeam.pipelines.bench.Generate;
import dev.parabeam.pipelines.cluster.ClusterCommandAccess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The one argument parser of the non-Beam commands: help, misuse in the house's words. */
public class CliTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** What a command printed and returned. */
  record Run(int exit, String out, String err) {}

  static Run run(Callable<Integer> command, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Cli.execute(
            command,
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertMisuse(Run r, String message) {
    assertThat(r.err(), r.exit(), is(2));
    assertThat(r.err(), startsWith("error: " + message));
    assertThat(r.err(), r.err().strip().lines().count(), is(1L));
    assertThat(r.err(), not(containsString("\tat ")));
  }

  @Test
  public void helpListsEveryOptionWithItsDefault() {
    Run g = run(new Generate.Options(), "--help");
    assertThat(g.exit(), is(0));
    assertThat(g.out(), containsString("--rows"));
    assertThat(g.out(), containsString("--seed"));
    assertThat(g.out(), containsString("Default: 42"));
    Run b = run(new Baseline(), "--help");
    assertThat(b.exit(), is(0));
    assertThat(b.out(), containsString("well-formed input only"));
    assertThat(b.out(), containsString("--aggregations"));
    Run bench = run(new Bench.Options(), "--help");
    assertThat(bench.out(), containsString("Default: 1000000,10000000"));
    assertThat(bench.out(), containsString("build/bench/<time>"));
  }

  @Test
  public void misuseIsOneLineInTheHousesWords() {
    assertMisuse(
        run(new Generate.Options(), "--rows=10", "--outptu=x.csv"),
        "unknown option --outptu for generate (did you mean --output?)");
    assertMisuse(run(new Generate.Options()), "missing required options --rows, --output");
    assertMisuse(
        run(new Generate.Options(), "--rows=abc", "--output=x.csv"),
        "--rows: not a whole number: 'abc'");
    assertMisuse(run(new Bench.Options(), "stray"), "unexpected argument 'stray' for bench");
    assertMisuse(
        run(new Bench.Options(), "--manyKeys=yes"), "--manyKeys=yes: expected false, true or only");
    assertMisuse(
        run(new Bench.Options(), "--manyKeys=only", "--manyKeysProducts=0"),
        "--manyKeysRows, --manyKeysProducts and --manyKeysGroupbyRows must be >= 1");
    assertMisuse(
        run(new Baseline(), "--input=x.csv", "--keyColumn=k"),
        "missing required option --valueColumn (--job=aggregate)");
    assertMisuse(
        run(new Baseline(), "--input=x.csv", "--job=groupby", "--keyColumn=k"),
        "--keyColumn is not an option of --job=groupby");
    assertMisuse(run(new Baseline(), "--job=sort", "--input=x.csv"), "--job=sort: no plain-Java");
    assertMisuse(
        run(new Bench.Options(), "--jobs=aggregate,sort"),
        "--jobs=aggregate,sort: unknown job 'sort'");
  }

  @Test
  public void baselineMakesTheDirectoriesOfItsOutput() throws Exception {
    Path sample = Paths.get("").toAbsolutePath().getParent().resolve("testdata/sample/sales.csv");
    Path out = tmp.getRoot().toPath().resolve("a/b/results.csv");
    Run r =
        run(
            new Baseline(),
            "--input=" + sample,
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out);
    assertThat(r.err(), r.exit(), is(0));
    assertThat(Files.readString(out), startsWith("key,count,sum,min,max,mean\n"));
  }

  @Test
  public void generateWritesItsRows() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("d/gen.csv");
    Run r = run(new Generate.Options(), "--rows=5", "--output=" + out);
    assertThat(r.err(), r.exit(), is(0));
    assertThat(Files.readAllLines(out).size(), is(6));
  }

  @Test
  public void generateRefusesAnExistingFileWithoutOverwrite() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("mine.csv");
    Files.writeString(out, "a user's data\n");
    assertMisuse(
        run(new Generate.Options(), "--rows=5", "--output=" + out),
        "--output=" + out + " exists; give --overwrite=true to replace it");
    assertThat(Files.readString(out), is("a user's data\n"));
    assertMisuse(
        run(new Generate.Options(), "--rows=5", "--output=" + tmp.getRoot()),
        "--output=" + tmp.getRoot() + " is a directory");
    Run r = run(new Generate.Options(), "--rows=5", "--output=" + out, "--overwrite=true");
    assertThat(r.err(), r.exit(), is(0));
    assertThat(Files.readAllLines(out).size(), is(6));
  }

  @Test
  public void baselineRefusesADirectoryAsItsOutput() throws Exception {
    Path sample = Paths.get("").toAbsolutePath().getParent().resolve("testdata/sample/sales.csv");
    Path dir = tmp.newFolder("outdir").toPath();
    assertMisuse(
        run(
            new Baseline(),
            "--input=" + sample,
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + dir),
        "--output=" + dir + " is a directory; give the file to write");
  }

  @Test
  public void anUnknownClusterCommandNamesTheNearestOne() {
    ClusterCommandAccess.Result stat = ClusterCommandAccess.run("stat");
    assertMisuse(
        new Run(stat.exit(), stat.out(), stat.err()),
        "unknown cluster command 'stat' (did you mean status?); the commands: start, stop,");
    ClusterCommandAccess.Result jbos = ClusterCommandAccess.run("jbos");
    assertThat(
        jbos.err(), startsWith("error: unknown cluster command 'jbos' (did you mean jobs?)"));
  }

  /** Exit 3 is "no cluster is up", for every command that needs one. */
  @Test
  public void withoutAClusterItsCommandsExitThree() throws Exception {
    String dir = "--dir=" + tmp.newFolder("no-cluster");
    ClusterCommandAccess.Result status = ClusterCommandAccess.run("status", dir);
    assertThat(status.out(), status.exit(), is(3));
    for (String[] args : new String[][] {{"jobs", dir}, {"cancel", dir, "0123abcd"}}) {
      ClusterCommandAccess.Result r = ClusterCommandAccess.run(args);
      assertThat(r.err(), r.exit(), is(3));
      assertThat(r.err(), startsWith("error: no Flink cluster answers from"));
      assertThat(r.err().strip().lines().count(), is(1L));
    }
  }

  @Test
  public void clusterHelpListsEachCommandsOptions() {
    ClusterCommandAccess.Result help = ClusterCommandAccess.run("--help");
    assertThat(help.exit(), is(0));
    String after = help.out().substring(help.out().indexOf("Options of each command"));
    assertThat(after, containsString("  start\n"));
    assertThat(after, containsString("--slots=<slots>"));
    assertThat(after, containsString("--port=<port>"));
    assertThat(after, containsString("Default: 8081"));
    assertThat(after, containsString("  cancel\n      JOB_ID"));
    assertThat(after.split("--dir=<dir>", -1).length - 1, is(6));
  }

  @Test
  public void clusterNeedsACommandAndAJobId() {
    ClusterCommandAccess.Result none = ClusterCommandAccess.run();
    assertThat(none.err(), none.exit(), is(2));
    assertThat(none.err(), startsWith("error: cluster needs a command"));
    ClusterCommandAccess.Result cancel = ClusterCommandAccess.run("cancel");
    assertThat(cancel.exit(), is(2));
    assertThat(cancel.err(), startsWith("error: missing required option JOB_ID"));
    ClusterCommandAccess.Result bad = ClusterCommandAccess.run("start", "--slots=0");
    assertThat(bad.exit(), is(2));
    assertThat(bad.err(), startsWith("error: --slots must be a positive whole number"));
    ClusterCommandAccess.Result unknown = ClusterCommandAccess.run("stop", "--slots=2");
    assertThat(unknown.exit(), is(2));
    assertThat(unknown.err(), startsWith("error: unknown option --slots for stop"));
  }
}
