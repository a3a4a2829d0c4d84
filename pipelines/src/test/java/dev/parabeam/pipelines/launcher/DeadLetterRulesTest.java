package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The dead-letter rules are the launcher's, for any job: one that is not a CSV job gets the warning
 * and --maxDeadLetterFraction by saying what it read ({@link Job.Run#deadLetters()}).
 */
public class DeadLetterRulesTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** A job of a user's own: 3 of its 10 records are dead letters (or it counts none). */
  static final class OwnJob implements Job<JobOptions> {
    private final boolean counts;

    OwnJob(boolean counts) {
      this.counts = counts;
    }

    @Override
    public String name() {
      return "own";
    }

    @Override
    public String summary() {
      return "a job of a user's own";
    }

    @Override
    public Class<JobOptions> optionsClass() {
      return JobOptions.class;
    }

    @Override
    public String usage() {
      return "own --output=DIR";
    }

    @Override
    public Job.Run prepare(JobOptions o, int parallelism, Path output) {
      return new Job.Run() {
        @Override
        public void beforeBuild(Path staging) throws IOException {
          Files.writeString(staging.resolve("bad.txt"), "r1\nr2\nr3\n");
        }

        @Override
        public void build(Pipeline p, Path staging) {
          p.apply("Nothing", Create.of(1));
        }

        @Override
        public List<String> outputs() {
          return List.of("bad.txt");
        }

        @Override
        public Map<String, Object> finish(PipelineResult result, Path staging) {
          return Map.of("read", 10);
        }

        @Override
        public Job.DeadLetters deadLetters() {
          return counts ? new Job.DeadLetters(10, 3, 0, 0, "bad.txt") : null;
        }
      };
    }
  }

  record Ran(int exitCode, String err) {}

  private Ran run(boolean counts, String... args) {
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    int code =
        Launcher.run(
            new OwnJob(counts), args, quiet, new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Ran(code, e.toString(StandardCharsets.UTF_8));
  }

  private Path out(String name) {
    return tmp.getRoot().toPath().resolve(name);
  }

  @Test
  public void aJobThatCountsItsDeadLettersGetsTheWarningAndTheLimit() {
    Ran warned = run(true, "--output=" + out("warned"));
    assertThat(warned.err(), warned.exitCode(), is(0));
    assertThat(
        warned.err(),
        equalTo(
            "warning: 3 of 10 records (30%) are dead letters; see "
                + out("warned").resolve("bad.txt")
                + "\n"));

    Ran failed = run(true, "--output=" + out("failed"), "--maxDeadLetterFraction=0.25");
    assertThat(failed.exitCode(), is(1));
    assertThat(
        failed.err(),
        equalTo(
            "error: job failed: 3 of 10 records (30%) are dead letters, more than"
                + " --maxDeadLetterFraction=0.25 allows (at most 2); nothing was published\n"));
    assertThat(Files.exists(out("failed")), is(false));

    Ran allowed = run(true, "--output=" + out("allowed"), "--maxDeadLetterFraction=0.3");
    assertThat(allowed.err(), allowed.exitCode(), is(0));
    assertThat(Files.exists(out("allowed").resolve("bad.txt")), is(true));

    Ran misuse = run(true, "--output=" + out("never"), "--maxDeadLetterFraction=-0.1");
    assertThat(misuse.exitCode(), is(2));
    assertThat(
        misuse.err(),
        equalTo("error: --maxDeadLetterFraction must be between 0 and 1 (0.01 = 1%), got -0.1\n"));
    assertThat(Files.exists(out("never")), is(false));
  }

  @Test
  public void aJobWithoutDeadLettersIsLeftAlone() {
    Ran r = run(false, "--output=" + out("none"), "--maxDeadLetterFraction=0");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.err(), not(containsString("dead letters")));
  }
}
