package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/** {@link ExpandTasks} on the DirectRunner: how many tasks, and where they run. */
public class ExpandTasksTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  /** Bundles numbered as a DoFn starts them; the numbers of the bundles that saw a task. */
  private static final AtomicInteger BUNDLES = new AtomicInteger();

  private static final Set<Integer> BUNDLES_SEEN = ConcurrentHashMap.newKeySet();

  @Before
  public void reset() {
    Probe.reset();
    BUNDLES_SEEN.clear();
  }

  /** Result {@code n} asks for n tasks, "n/0" .. "n/(n-1)". */
  private static List<String> tasksFor(int n) {
    List<String> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(n + "/" + i);
    }
    return tasks;
  }

  private static ExpandTasks<Integer, String> expand() {
    return ExpandTasks.via(ExpandTasksTest::tasksFor).withOutputCoder(StringUtf8Coder.of());
  }

  private PCollection<Integer> results(Integer... values) {
    return pipeline.apply(Create.of(List.of(values)).withCoder(VarIntCoder.of()));
  }

  /** Notes the bundle each task is processed in. */
  private static final class RecordBundle extends DoFn<String, String> {
    private transient int bundle;

    @StartBundle
    public void startBundle() {
      bundle = BUNDLES.incrementAndGet();
    }

    @ProcessElement
    public void processElement(@Element String task, OutputReceiver<String> out) {
      BUNDLES_SEEN.add(bundle);
      out.output(task);
    }
  }

  /** Result n's tasks, expanded by a plain DoFn. */
  private static final class PlainExpansion extends DoFn<Integer, String> {
    @ProcessElement
    public void processElement(@Element Integer n, OutputReceiver<String> out) {
      tasksFor(n).forEach(out::output);
    }
  }

  private static long counter(PipelineResult result, String name) {
    long n = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(ExpandTasks.METRICS_NAMESPACE, name))
                    .build())
            .getCounters()) {
      n += c.getAttempted();
    }
    return n;
  }

  @Test
  public void eachResultGetsAsManyTasksAsItAsksFor() {
    PCollection<String> tasks = results(0, 1, 2, 3, 5).apply("Tasks", expand());

    List<String> all = new ArrayList<>();
    for (int n : List.of(0, 1, 2, 3, 5)) {
      all.addAll(tasksFor(n));
    }
    PAssert.that(tasks).containsInAnyOrder(all);
    PCollection<KV<String, Long>> perResult =
        tasks
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via((String t) -> t.substring(0, t.indexOf('/'))))
            .apply(Count.perElement());
    PAssert.that(perResult)
        .containsInAnyOrder(KV.of("1", 1L), KV.of("2", 2L), KV.of("3", 3L), KV.of("5", 5L));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(counter(result, ExpandTasks.INPUTS), is(5L));
    assertThat(counter(result, ExpandTasks.TASKS), is(11L));
  }

  @Test
  public void theTasksOfOneResultAreSpreadOverBundles() {
    PCollection<String> tasks =
        results(40).apply("Tasks", expand()).apply("Work", ParDo.of(new RecordBundle()));
    PAssert.that(tasks).containsInAnyOrder(tasksFor(40));
    pipeline.run().waitUntilFinish();

    assertThat(BUNDLES_SEEN.size(), greaterThan(1));
  }

  @Test
  public void withoutTheRedistributionTheTasksStayInTheirResultsBundle() {
    // The control for the test above: a plain expansion keeps the 40 tasks in one bundle.
    PCollection<String> tasks =
        results(40)
            .apply("Tasks", ParDo.of(new PlainExpansion()))
            .apply("Work", ParDo.of(new RecordBundle()));
    PAssert.that(tasks).containsInAnyOrder(tasksFor(40));
    pipeline.run().waitUntilFinish();

    assertThat(BUNDLES_SEEN.size(), is(1));
  }

  @Test
  public void tasksCanGoThroughAResilientCall() {
    ResilientCall<String, String> call =
        ResilientCall.of(
                (String task) -> {
                  if (Probe.attempt(task) == 1 && task.endsWith("/0")) {
                    throw new IllegalStateException("cold start");
                  }
                  return "done " + task;
                })
            .withOutputCoder(StringUtf8Coder.of())
            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));
    PCollectionTuple out =
        results(2, 3).apply("Tasks", expand().withNumBuckets(2)).apply("Work", call);

    PAssert.that(out.get(call.results()))
        .containsInAnyOrder("done 2/0", "done 2/1", "done 3/0", "done 3/1", "done 3/2");
    PAssert.that(out.get(call.failures())).empty();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(CallCounts.of(result).retries(), is(2L));
  }

  @Test
  public void aDoFnCanExpandTheTasks() {
    PCollection<String> tasks = results(2, 3).apply("Tasks", ExpandTasks.of(new PlainExpansion()));
    PAssert.that(tasks).containsInAnyOrder("2/0", "2/1", "3/0", "3/1", "3/2");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void aFunctionsTasksNeedACoder() {
    pipeline.enableAbandonedNodeEnforcement(false);
    PCollection<Integer> in = results(1);
    ExpandTasks<Integer, String> noCoder = ExpandTasks.via(ExpandTasksTest::tasksFor);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> in.apply("Tasks", noCoder));
    assertThat(e.getMessage(), containsString("withOutputCoder"));
  }

  @Test
  public void everyBuilderMethodChecksItsArgument() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ExpandTasks.via((SerializableFunction<Integer, List<String>>) null));
    assertThrows(IllegalArgumentException.class, () -> ExpandTasks.of(null));
    assertThrows(IllegalArgumentException.class, () -> expand().withOutputCoder(null));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> expand().withNumBuckets(0)).getMessage(),
        containsString("numBuckets must be at least 1, got 0"));
  }

  @Test
  public void displayDataShowsTheBuckets() {
    assertThat(
        DisplayData.from(expand().withNumBuckets(8)).toString(), containsString("numBuckets=8"));
  }
}
