package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyArray;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.aggregate.AggregateOptions;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.engine.ChunkResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A unit whose result never reaches the fan-in (here filtered out; in a real run, a lost or dropped
 * result) leaves the counts adding up, since its records are missing on both sides: the run still
 * fails, because the units and chunks the merge saw are not the plan's, and nothing is published.
 */
public class LostUnitTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** The aggregate job with the results of unit {@code lost} dropped before the fan-in. */
  static final class LosingJob implements ChunkedJob<AggregateOptions> {
    private final int lost;

    LosingJob(int lost) {
      this.lost = lost;
    }

    @Override
    public String name() {
      return "losing";
    }

    @Override
    public String summary() {
      return "aggregate that loses a unit";
    }

    @Override
    public String usage() {
      return AggregateJob.INSTANCE.usage();
    }

    @Override
    public Class<AggregateOptions> optionsClass() {
      return AggregateOptions.class;
    }

    @Override
    public List<String> requiredColumns(AggregateOptions o) {
      return AggregateJob.INSTANCE.requiredColumns(o);
    }

    @Override
    public JobOutputs<?, ?, ?> build(Pipeline p, AggregateOptions o, JobInput input) {
      return lose(AggregateJob.INSTANCE.build(p, o, input));
    }

    private <K, A, R> JobOutputs<K, A, R> lose(JobOutputs<K, A, R> all) {
      int drop = lost;
      PCollection<ChunkResult<K, A>> kept =
          all.results()
              .apply("LoseAUnit", Filter.by((ChunkResult<K, A> r) -> r.unit() != drop))
              .setCoder(all.results().getCoder());
      return new JobOutputs<>(kept, all.combineFn(), all.table());
    }
  }

  private int run(ChunkedJob<AggregateOptions> job, Path out, StringBuilder err) {
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int rc;
    try (PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8);
        PrintStream po = new PrintStream(new ByteArrayOutputStream(), true)) {
      rc =
          Launcher.run(
              job,
              new String[] {
                "--input=" + JobRun.testdata().resolve("sample/sales.csv"),
                "--keyColumn=region",
                "--valueColumn=amount",
                "--chunkBytes=128",
                "--targetParallelism=2",
                "--output=" + out
              },
              po,
              pe);
    }
    err.append(e.toString(StandardCharsets.UTF_8));
    return rc;
  }

  @Test
  public void aRunThatLostAUnitIsNotPublished() {
    StringBuilder whole = new StringBuilder();
    assertThat(whole.toString(), run(new LosingJob(-1), out("whole"), whole), is(0));
    StringBuilder err = new StringBuilder();
    Path out = out("lost");
    assertThat(run(new LosingJob(1), out, err), is(1));
    assertThat(err.toString(), startsWith("error: "));
    assertThat(err.toString(), containsString("units"));
    assertThat(err.toString().strip().lines().count(), is(1L));
    // nothing published: no directory, or one with nothing but the lock
    String[] left = out.toFile().list((d, n) -> !n.equals(".parabeam.lock"));
    assertThat(left == null ? new String[0] : left, emptyArray());
  }

  private Path out(String name) {
    return tmp.getRoot().toPath().resolve(name);
  }
}
