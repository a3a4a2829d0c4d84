package dev.parabeam.pipelines.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.stats.Aggregation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The bench's check of the groupby job's results against its baseline's (the timing is not tested).
 */
public class BenchTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final List<Aggregation> AGGS = Aggregation.parseList(Bench.GROUPBY_AGGREGATIONS);
  private static final String HEADER =
      "region,product,count,sum(amount),mean(amount),p90(amount)\n";

  private Path file(String name, String text) throws Exception {
    Path f = tmp.getRoot().toPath().resolve(name);
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  public void percentilesMayDifferAndAreCounted() throws Exception {
    Path base =
        file(
            "base.csv",
            HEADER + "\"Paris, FR\",P1,3,9,3,10\nnorth,P1,2,3,1.5,2\nnorth,P2,1,1,1,1\n");
    Path job =
        file(
            "job.csv", HEADER + "\"Paris, FR\",P1,3,9,3,9\nnorth,P1,2,3,1.5,2\nnorth,P2,1,1,1,1\n");
    assertThat(Bench.compareGroupBy(base, base, AGGS, 2), is(0L));
    assertThat(Bench.compareGroupBy(base, job, AGGS, 2), is(1L));
  }

  @Test
  public void everyOtherColumnMustBeIdentical() throws Exception {
    Path base = file("base.csv", HEADER + "north,P1,2,3,1.5,2\n");
    for (String other :
        new String[] {
          HEADER + "north,P1,2,3.0,1.5,2\n", // same number, other text: still a difference
          HEADER + "north,P1,3,3,1.5,2\n",
          HEADER + "north,P2,2,3,1.5,2\n",
          HEADER + "north,P1,2,3,1.5,2\nsouth,P1,1,1,1,1\n",
          HEADER.replace("p90", "p50") + "north,P1,2,3,1.5,2\n"
        }) {
      Path job = file("job.csv", other);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> Bench.compareGroupBy(base, job, AGGS, 2));
      assertThat(e.getMessage(), containsString("groupby"));
    }
  }

  @Test
  public void peakRssIsTheHighWaterMarkOfAProcStatusFile() throws Exception {
    Path status = tmp.newFile("status").toPath();
    Files.writeString(
        status, "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 100 kB\n");
    assertThat(FreshJvm.highWaterMarkKb(status), is(123456L));
    assertThat(FreshJvm.highWaterMarkKb(tmp.getRoot().toPath().resolve("gone")), is(-1L));
  }

  @Test
  public void benchmarkJobsGetRunShsCollectorUnlessTheirOptionsChooseOne() {
    assertThat(FreshJvm.forJob(List.of("-Xmx1g")), is(List.of("-Xmx1g", "-XX:+UseParallelGC")));
    assertThat(
        FreshJvm.forJob(List.of("-XX:+UseG1GC", "-Xmx1g")), is(List.of("-XX:+UseG1GC", "-Xmx1g")));
  }
}
