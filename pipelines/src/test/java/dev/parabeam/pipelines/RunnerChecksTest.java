package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The CSV jobs once with both DirectRunner checks on (the launcher turns them off by default): no
 * step mutates its input elements (the fan-in merges into accumulators of its own) and every
 * element survives its coder. Small chunks, so that a key's accumulators from several units merge.
 * Each run's results must equal the same run with the checks off.
 */
public class RunnerChecksTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path td = JobRun.testdata();

  private static final String[] CHECKS = {
    "--enforceImmutability=true", "--enforceEncodability=true"
  };

  private String[] with(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }

  private Path out(String name) {
    return tmp.getRoot().toPath().resolve(name);
  }

  private static void ok(JobRun r) {
    assertThat("exit code; stderr: " + r.err, r.exitCode, is(0));
  }

  @Test
  public void aggregateWithBothChecks() throws Exception {
    String[] base = {
      "--input=" + td.resolve("sample/sales.csv"),
      "--keyColumn=region",
      "--valueColumn=amount",
      "--chunkBytes=64",
      "--launcherScanMaxBytes=0",
      "--targetParallelism=3"
    };
    JobRun checked = JobRun.aggregate(with(base, with(CHECKS, "--output=" + out("checked"))));
    ok(checked);
    JobRun plain = JobRun.aggregate(with(base, "--output=" + out("plain")));
    ok(plain);
    assertThat(
        JobRun.read(out("checked").resolve("results.csv")),
        equalTo(JobRun.read(out("plain").resolve("results.csv"))));
  }

  @Test
  public void groupbyWithEveryAggregationAndBothChecks() throws Exception {
    String[] base = {
      "--input=" + td.resolve("groupby") + "/*.csv",
      "--keyColumns=region",
      "--aggregations=count,sum(amount),min(amount),max(amount),mean(amount),"
          + "countDistinct(customer),p50(amount),p90(amount),p99(amount)",
      "--chunkBytes=64",
      "--launcherScanMaxBytes=0",
      "--targetParallelism=3"
    };
    JobRun checked = JobRun.groupby(with(base, with(CHECKS, "--output=" + out("checked"))));
    ok(checked);
    JobRun plain = JobRun.groupby(with(base, "--output=" + out("plain")));
    ok(plain);
    assertThat(
        JobRun.read(out("checked").resolve("results.csv")),
        equalTo(JobRun.read(out("plain").resolve("results.csv"))));
  }
}
