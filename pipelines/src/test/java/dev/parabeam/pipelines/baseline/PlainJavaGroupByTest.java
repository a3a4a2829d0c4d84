package dev.parabeam.pipelines.baseline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.JobRun;
import dev.parabeam.pipelines.Main;
import dev.parabeam.pipelines.groupby.GroupByJob;
import dev.parabeam.transforms.stats.Aggregation;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.beam.sdk.transforms.ApproximateQuantiles.ApproximateQuantilesCombineFn;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The plain-Java groupby baseline: against figures worked out by hand for a small file with two key
 * columns, against the oracle's expected files (Python's csv and decimal) for
 * count/sum/min/max/mean by one key, and its exact percentile against what the job's quantiles give
 * while they are exact.
 */
public class PlainJavaGroupByTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path td = JobRun.testdata();

  private static String results(Path input, String keys, String aggregations, int threads)
      throws Exception {
    List<String> keyColumns = GroupByJob.keyColumns(keys);
    List<Aggregation> aggs = Aggregation.parseList(aggregations);
    PlainJavaGroupBy.Outcome o = PlainJavaGroupBy.run(input, keyColumns, aggs, threads);
    StringWriter w = new StringWriter();
    PlainJavaGroupBy.write(keyColumns, aggs, o.results, w);
    return w.toString();
  }

  @Test
  public void twoKeysFourAggregationsWorkedOutByHand() throws Exception {
    Path f = tmp.newFile("small.csv").toPath();
    Files.writeString(
        f,
        "region,product,customer,amount\n"
            + "north,a,c1,1\n"
            + "north,a,c2,2\n"
            + "north,a,c1,3\n"
            + "north,a,c3,4\n"
            + "north,a,c1,5\n"
            + "north,a,c1,6\n"
            + "north,a,c1,7\n"
            + "north,a,c1,8\n"
            + "north,a,c1,9\n"
            + "north,a,c1,10.00\n"
            + "north,b,c1,2.5\n"
            + "\"Paris, FR\",a,c9,-1.25\n"
            + "\"Paris, FR\",a,c9,1E+1\n"
            + "north,b,c1,abc\n" // not a number: bad, counted nowhere
            + "north,b,c1\n" // three fields: bad
            + "\"Paris, FR\",\"a\",c9,0.25\n",
        StandardCharsets.UTF_8);
    String aggs =
        "count,sum(amount),mean(amount),p90(amount),min(amount),max(amount),countDistinct(customer),p50(amount)";
    // north,a: 1..10, sum 55, mean 5.5, p90 = rank ceil(9) = 9, p50 = rank 5 = 5, customers c1 c2
    // c3
    // north,b: 2.5 alone; Paris: -1.25, 10, 0.25: sum 9, mean 3, p90 rank ceil(2.7) = 3 -> 10, p50
    // rank 2 -> 0.25
    String want =
        "region,product,count,sum(amount),mean(amount),p90(amount),min(amount),max(amount),"
            + "countDistinct(customer),p50(amount)\n"
            + "\"Paris, FR\",a,3,9,3,10,-1.25,10,1,0.25\n"
            + "north,a,10,55,5.5,9,1,10,3,5\n"
            + "north,b,1,2.5,2.5,2.5,2.5,2.5,1,2.5\n";
    for (int threads : new int[] {1, 2, 4, 7}) {
      assertThat("threads=" + threads, results(f, "region,product", aggs, threads), equalTo(want));
      PlainJavaGroupBy.Outcome o =
          PlainJavaGroupBy.run(
              f, List.of("region", "product"), Aggregation.parseList(aggs), threads);
      assertThat(o.ok, is(14L));
      assertThat(o.bad, is(2L));
    }
  }

  @Test
  public void oneKeyAgreesWithTheOracle() throws Exception {
    String aggs = "count,sum(amount),min(amount),max(amount),mean(amount)";
    String[][] cases = {
      {"sample/sales.csv", "sample-results.csv"},
      {"quoting/crlf-bom.csv", "quoting-results.csv"},
      {"dirty/stray-quotes.csv", "dirty-stray-quotes-results.csv"},
      {"dirty/unterminated-start.csv", "dirty-unterminated-start-results.csv"},
      {"dirty/unterminated-middle.csv", "dirty-unterminated-middle-results.csv"},
      {"dirty/unterminated-end.csv", "dirty-unterminated-end-results.csv"},
    };
    for (String[] c : cases) {
      // the oracle's header is key,count,sum,min,max,mean; the rows are the same
      String expected = JobRun.read(td.resolve("expected/" + c[1]));
      String wantRows = expected.substring(expected.indexOf('\n') + 1);
      for (int threads : new int[] {1, 4}) {
        String got = results(td.resolve(c[0]), "region", aggs, threads);
        assertThat(
            c[0] + " threads=" + threads,
            got.substring(0, got.indexOf('\n')),
            equalTo("region,count,sum(amount),min(amount),max(amount),mean(amount)"));
        assertThat(
            c[0] + " threads=" + threads, got.substring(got.indexOf('\n') + 1), equalTo(wantRows));
      }
    }
  }

  @Test
  public void nearestRankPercentile() {
    List<BigDecimal> oneToTen = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      oneToTen.add(BigDecimal.valueOf(i));
    }
    assertThat(PlainJavaGroupBy.percentile(oneToTen, 90), equalTo(BigDecimal.valueOf(9)));
    assertThat(PlainJavaGroupBy.percentile(oneToTen, 50), equalTo(BigDecimal.valueOf(5)));
    assertThat(PlainJavaGroupBy.percentile(oneToTen, 99), equalTo(BigDecimal.valueOf(10)));
    assertThat(PlainJavaGroupBy.percentile(oneToTen.subList(0, 1), 90), equalTo(BigDecimal.ONE));
    assertThat(PlainJavaGroupBy.percentile(oneToTen.subList(0, 2), 50), equalTo(BigDecimal.ONE));
  }

  /**
   * While a key has fewer values than the quantile sketch's buffers hold, the job's pN is exact; it
   * is then the same value as the baseline's.
   */
  @Test
  public void exactPercentileIsWhatTheJobsQuantilesGiveWhileTheyAreExact() {
    ApproximateQuantilesCombineFn<BigDecimal, ?> fn =
        ApproximateQuantilesCombineFn.<BigDecimal>create(101).withEpsilon(0.01);
    SplittableRandom rnd = new SplittableRandom(7);
    for (int n = 1; n <= 400; n++) {
      List<BigDecimal> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        values.add(BigDecimal.valueOf(rnd.nextInt(-500, 500), 2));
      }
      List<BigDecimal> quantiles = fn.apply(values);
      List<BigDecimal> sorted = new ArrayList<>(values);
      sorted.sort(null);
      for (int p : new int[] {50, 90, 99}) {
        assertThat(
            "n=" + n + " p" + p, PlainJavaGroupBy.percentile(sorted, p), equalTo(quantiles.get(p)));
      }
    }
  }

  @Test
  public void baselineCommandWritesTheResultsFile() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("results.csv");
    int rc =
        Main.run(
            new String[] {
              "baseline",
              "--job=groupby",
              "--input=" + td.resolve("sample/sales.csv"),
              "--keyColumns=region,product",
              "--aggregations=count,sum(amount)",
              "--threads=2",
              "--output=" + out
            });
    assertThat(rc, is(0));
    assertThat(Files.readAllLines(out).get(0), equalTo("region,product,count,sum(amount)"));
    assertThat(Main.run(new String[] {"baseline", "--job=nope"}), is(2));
    assertThat(
        Main.run(
            new String[] {
              "baseline",
              "--job=groupby",
              "--input=" + td.resolve("sample/sales.csv"),
              "--keyColumns=region",
              "--aggregations=sum(nope)"
            }),
        is(2));
  }
}
