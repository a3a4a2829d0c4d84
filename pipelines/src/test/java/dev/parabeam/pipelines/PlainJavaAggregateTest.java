package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.io.StatsCsv;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Test;

/**
 * The plain-Java baseline (commons-csv) is the yardstick for every input the job accepts: on files
 * with stray quotes, text after closing quotes and unterminated quoted fields it gives the job's
 * results (the oracle's expected files) and the job's counts, on one thread and on four.
 */
public class PlainJavaAggregateTest {
  private final Path td = JobRun.testdata();

  @Test
  public void agreesWithTheJobOnDirtyInput() throws Exception {
    // space-after-closing-quote is left out on purpose: commons-csv drops a space after a closing
    // quote, where the job (and Python's strict csv) make the record a dead letter
    for (String name : new String[] {"stray-quotes", "unterminated-start", "unterminated-middle", "unterminated-end"}) {
      Map<String, String> counts =
          AggregateJobTest.properties(td.resolve("expected/dirty-" + name + "-counts.properties"));
      for (int threads : new int[] {1, 4}) {
        PlainJavaAggregate.Outcome o =
            PlainJavaAggregate.run(td.resolve("dirty/" + name + ".csv"), "region", "amount", threads);
        StringWriter w = new StringWriter();
        StatsCsv.write(o.results, w);
        String label = name + " threads=" + threads;
        assertThat(label, w.toString(), equalTo(JobRun.read(td.resolve("expected/dirty-" + name + "-results.csv"))));
        assertThat(label, Long.toString(o.ok), is(counts.get("records_ok")));
        assertThat(label, Long.toString(o.bad), is(counts.get("dead_letters")));
      }
    }
  }

  /** A glob of files with their own headers and column orders gives what the job gives for it. */
  @Test
  public void takesTheSameGlobsAsTheJob() throws Exception {
    java.util.List<java.nio.file.Path> files = PlainJavaCsv.files(td.resolve("multi") + "/*.csv");
    assertThat(files.size(), is(2));
    for (int threads : new int[] {1, 3}) {
      PlainJavaAggregate.Outcome o = PlainJavaAggregate.run(files, "region", "amount", threads);
      StringWriter w = new StringWriter();
      StatsCsv.write(o.results, w);
      assertThat(w.toString(), equalTo(JobRun.read(td.resolve("expected/multi-results.csv"))));
    }
    org.junit.Assert.assertThrows(UsageException.class, () -> PlainJavaCsv.files(td.resolve("multi") + "/*.tsv"));
    org.junit.Assert.assertThrows(UsageException.class, () -> PlainJavaCsv.files(td.resolve("nothing.csv").toString()));
  }
}
