package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Runner options are never ignored without a word: {@code --workers} is every runner's number of
 * workers, an option of the other runner is a warning line, {@code --flinkMaster} means Flink.
 */
public class RunnerOptionsTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path input = JobRun.testdata().resolve("sample/sales.csv");
  private int runs;

  /** aggregate on the sample with {@code more}; the run's summary.json and what it printed. */
  private record Ran(JobRun run, Map<String, String> summary) {}

  private Ran aggregate(String... more) throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out-" + runs++);
    String[] args =
        Stream.concat(
                Stream.of(
                    "--input=" + input,
                    "--keyColumn=region",
                    "--valueColumn=amount",
                    "--output=" + out),
                Stream.of(more))
            .toArray(String[]::new);
    JobRun r = JobRun.aggregate(args);
    assertThat(r.err, r.exitCode, is(0));
    return new Ran(r, JobRun.summary(out));
  }

  private static int directDefault() {
    return PipelineOptionsFactory.create().as(DirectOptions.class).getTargetParallelism();
  }

  @Test
  public void workersIsTheDirectRunnersTargetParallelismAndFlinksParallelism() throws Exception {
    Ran direct = aggregate("--workers=2");
    assertThat(direct.summary().get("runner"), equalTo("DirectRunner"));
    assertThat(direct.summary().get("parallelism"), equalTo("2"));
    assertThat(direct.summary().get("workers"), equalTo("2"));
    assertThat(direct.run().err, not(containsString("warning")));
    Ran flink = aggregate("--runner=FlinkRunner", "--workers=3");
    assertThat(flink.summary().get("parallelism"), equalTo("3"));
    assertThat(flink.summary().get("workers"), equalTo("3"));
    // each runner's own option still works as before
    assertThat(aggregate("--targetParallelism=2").summary().get("workers"), equalTo("2"));
    Ran own = aggregate("--runner=FlinkRunner", "--parallelism=3");
    assertThat(own.summary().get("workers"), equalTo("3"));
    assertThat(own.run().err, not(containsString("warning")));
  }

  @Test
  public void theOtherRunnersOptionIsAWarningLine() throws Exception {
    Ran direct = aggregate("--parallelism=7");
    assertThat(
        direct.run().err,
        startsWith(
            "warning: --parallelism is a Flink option; the DirectRunner uses --targetParallelism"
                + " (or --workers)\n"));
    assertThat(direct.summary().get("parallelism"), equalTo(Integer.toString(directDefault())));
    Ran flink = aggregate("--runner=FlinkRunner", "--targetParallelism=7", "--workers=2");
    assertThat(
        flink.run().err,
        startsWith(
            "warning: --targetParallelism is a DirectRunner option; the FlinkRunner uses"
                + " --parallelism (or --workers)\n"));
    assertThat(flink.summary().get("parallelism"), equalTo("2"));
    assertThat(
        aggregate("--runner=FlinkRunner", "--enforceImmutability=true").run().err,
        containsString(
            "warning: --enforceImmutability is a DirectRunner option; the FlinkRunner ignores it"));
  }

  @Test
  public void flinkMasterImpliesTheFlinkRunner() throws Exception {
    Ran r = aggregate("--flinkMaster=[local]", "--workers=2");
    assertThat(r.summary().get("runner"), equalTo("FlinkRunner"));
    assertThat(r.summary().get("parallelism"), equalTo("2"));
  }

  @Test
  public void contradictingRunnerOptionsAreMisuse() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("never");
    String[] base = {
      "--input=" + input, "--keyColumn=region", "--valueColumn=amount", "--output=" + out
    };
    JobRun direct =
        JobRun.aggregate(with(base, "--runner=DirectRunner", "--flinkMaster=127.0.0.1:8081"));
    assertThat(direct.exitCode, is(2));
    assertThat(
        direct.err,
        startsWith("error: --flinkMaster is a FlinkRunner option, but --runner=DirectRunner"));
    JobRun both = JobRun.aggregate(with(base, "--workers=2", "--targetParallelism=3"));
    assertThat(both.exitCode, is(2));
    assertThat(
        both.err,
        equalTo(
            "error: --workers and --targetParallelism say the same for the DirectRunner; give one"
                + " of them\n"));
    JobRun zero = JobRun.aggregate(with(base, "--workers=0"));
    assertThat(zero.err, equalTo("error: --workers must be at least 1, got 0\n"));
    assertThat(Files.exists(out), is(false));
  }

  private static String[] with(String[] base, String... more) {
    return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
  }
}
