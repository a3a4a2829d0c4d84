package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The job as a user runs it: through {@code run.sh} and the shaded jar, each run its own JVM. Runs
 * after {@code package}, so run.sh finds the jar up to date and does not rebuild.
 */
public class RunScriptIT {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path REPO =
      Paths.get(System.getProperty("parabeam.repo", "..")).toAbsolutePath().normalize();

  private static final class Result {
    int exit;
    String out;
    String err;
  }

  private Result runSh(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", REPO.resolve("run.sh").toString()));
    cmd.addAll(Arrays.asList(args));
    Path o = tmp.newFile().toPath();
    Path e = tmp.newFile().toPath();
    Process p =
        new ProcessBuilder(cmd)
            .directory(REPO.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(o.toFile())
            .redirectError(e.toFile())
            .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("run.sh " + String.join(" ", args) + " did not finish");
    }
    Result r = new Result();
    r.exit = p.exitValue();
    r.out = Files.readString(o, StandardCharsets.UTF_8);
    r.err = Files.readString(e, StandardCharsets.UTF_8);
    return r;
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  public void noArgumentsRunsTheSampleAndSaysWhereTheOutputWent() throws Exception {
    Result r = runSh();
    assertThat(r.err, r.exit, is(0));
    Path out = REPO.resolve("build/sample-output");
    assertThat(r.out, containsString("output: " + out));
    assertThat(
        read(out.resolve("results.csv")),
        equalTo(read(REPO.resolve("testdata/expected/sample-results.csv"))));
    assertThat(read(out.resolve("summary.json")), containsString("\"records_read\": 16"));
  }

  @Test
  public void helpListsTheOptions() throws Exception {
    Result r = runSh("aggregate", "--help");
    assertThat(r.exit, is(0));
    for (String option :
        List.of(
            "--input",
            "--keyColumn",
            "--valueColumn",
            "--output",
            "--overwrite",
            "--maxRecordBytes",
            "--chunkBytes",
            "--work",
            "--workMicros",
            "--delimiter")) {
      assertThat(r.out, containsString(option));
    }
  }

  @Test
  public void misuseIsOneErrorLineWithoutStackTrace() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("never");
    Result r =
        runSh(
            "aggregate",
            "--input=testdata/sample/sales.csv",
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out,
            "--parallelizm=4");
    assertThat(r.exit, is(2));
    assertThat(r.err, startsWith("error: "));
    assertThat(r.err, r.err.strip().lines().count(), is(1L));
    assertThat(r.err, not(containsString("\tat ")));
    assertThat(Files.exists(out), is(false));
    Result unknown = runSh("frobnicate");
    assertThat(unknown.exit, is(2));
    assertThat(unknown.err, startsWith("error: unknown command"));
  }

  @Test
  public void generatedDataGivesTheSameBytesAtParallelismOneAndFourAndMatchesThePlainJavaBaseline()
      throws Exception {
    Path data = tmp.getRoot().toPath().resolve("gen.csv");
    Path again = tmp.getRoot().toPath().resolve("gen-again.csv");
    assertThat(runSh("generate", "--rows=30000", "--output=" + data, "--seed=7").exit, is(0));
    assertThat(runSh("generate", "--rows=30000", "--output=" + again, "--seed=7").exit, is(0));
    assertThat(
        "same seed, same bytes",
        Arrays.equals(Files.readAllBytes(data), Files.readAllBytes(again)),
        is(true));
    assertThat(read(data), containsString("\"\n")); // quoted line breaks are in there

    List<String> results = new ArrayList<>();
    for (int p : new int[] {1, 4}) {
      Path out = tmp.getRoot().toPath().resolve("p" + p);
      Result r =
          runSh(
              "aggregate",
              "--input=" + data,
              "--keyColumn=product",
              "--valueColumn=amount",
              "--output=" + out,
              "--targetParallelism=" + p);
      assertThat(r.err, r.exit, is(0));
      results.add(read(out.resolve("results.csv")));
      assertThat(read(out.resolve("dead-letters.csv")), equalTo("file,line,reason,record\n"));
      assertThat(read(out.resolve("summary.json")), containsString("\"records_ok\": 30000"));
    }
    assertThat(results.get(1), equalTo(results.get(0)));
    Path baseline = tmp.getRoot().toPath().resolve("baseline.csv");
    Result b =
        runSh(
            "baseline",
            "--input=" + data,
            "--keyColumn=product",
            "--valueColumn=amount",
            "--threads=1",
            "--output=" + baseline);
    assertThat(b.err, b.exit, is(0));
    assertThat("commons-csv + HashMap agrees", results.get(0), equalTo(read(baseline)));
  }
}
