package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link FanOut} on the DirectRunner. The elements are documents {@code "id:text"}; the analyses
 * count words, upper-case the text and measure it.
 */
public class FanOutTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final List<String> DOCS = List.of("1:a b c", "2:hello world", "3:x");

  @Before
  public void resetProbe() {
    Probe.reset();
  }

  private static String id(String doc) {
    return doc.substring(0, doc.indexOf(':'));
  }

  private static String text(String doc) {
    return doc.substring(doc.indexOf(':') + 1);
  }

  private static String words(String doc) {
    return Integer.toString(text(doc).split(" ").length);
  }

  private static String upper(String doc) {
    return text(doc).toUpperCase(Locale.ROOT);
  }

  private static String length(String doc) {
    return Integer.toString(text(doc).length());
  }

  private static FanOut<String, String> byId() {
    return FanOut.byId(FanOutTest::id, StringUtf8Coder.of());
  }

  private static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Gathered<String> complete(String doc) {
    return new Gathered<>(
        id(doc), map("words", words(doc), "upper", upper(doc), "length", length(doc)), map());
  }

  private PCollection<String> docs(List<String> docs) {
    return pipeline.apply(Create.of(docs).withCoder(StringUtf8Coder.of()));
  }

  private static long fanOutCounter(PipelineResult result, String name) {
    long n = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(FanOut.METRICS_NAMESPACE, name))
                    .build())
            .getCounters()) {
      n += c.getAttempted();
    }
    return n;
  }

  @Test
  public void theAnalysesAreNamedBranchesJoinedById() {
    FanOut<String, String> fan =
        byId()
            .withAnalysis("words", FanOutTest::words)
            .withAnalysis("upper", FanOutTest::upper)
            .withAnalysis("length", FanOutTest::length);
    PCollection<Gathered<String>> out = docs(DOCS).apply("Analyze", fan);

    PAssert.that(out)
        .containsInAnyOrder(complete(DOCS.get(0)), complete(DOCS.get(1)), complete(DOCS.get(2)));
    List<String> steps = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            steps.add(node.getFullName());
          }
        });
    assertThat(
        steps,
        hasItems(
            "Analyze/KeyById",
            "Analyze/words",
            "Analyze/upper",
            "Analyze/length",
            "Analyze/Join",
            "Analyze/Gather"));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(fanOutCounter(result, FanOut.RECORDS), is(3L));
    assertThat(fanOutCounter(result, FanOut.PARTIAL_RECORDS), is(0L));
  }

  @Test
  public void aFailedAnalysisLeavesAnErrorEntryBesideTheOtherResults() {
    FanOut<String, String> fan =
        byId()
            .withAnalysis(
                "entities",
                doc -> {
                  if (id(doc).equals("2")) {
                    throw new IllegalStateException("no entities in " + id(doc));
                  }
                  return "E" + id(doc);
                })
            .withAnalysis("upper", doc -> id(doc).equals("3") ? null : upper(doc))
            .withAnalysis("length", FanOutTest::length);
    PCollection<Gathered<String>> out = docs(DOCS).apply("Analyze", fan);

    PAssert.that(out)
        .containsInAnyOrder(
            new Gathered<>("1", map("entities", "E1", "upper", "A B C", "length", "5"), map()),
            new Gathered<>(
                "2",
                map("upper", "HELLO WORLD", "length", "11"),
                map("entities", "IllegalStateException: no entities in 2")),
            new Gathered<>(
                "3",
                map("entities", "E3", "length", "1"),
                map("upper", "the analysis returned null")));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(fanOutCounter(result, FanOut.PARTIAL_RECORDS), is(2L));
    assertThat(fanOutCounter(result, FanOut.ANALYSIS_ERRORS), is(2L));
  }

  /** A call of {@code fn} that fails the first {@code id % 3} attempts for each document. */
  private static ResilientCall<String, String> flaky(
      String name, SerializableFunction<String, String> fn) {
    return ResilientCall.of(
            (String doc) -> {
              int attempt = Probe.attempt(name + id(doc));
              if (attempt <= Integer.parseInt(id(doc)) % 3) {
                throw new IllegalStateException(name + " busy");
              }
              return fn.apply(doc);
            })
        .withMaxAttempts(3)
        .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));
  }

  /** Sums each analysis's bundle calls into one "name=calls" line per analysis. */
  private static final class SumBundles
      extends PTransform<PCollection<KV<String, CallBundle>>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<KV<String, CallBundle>> bundles) {
      return bundles
          .apply(
              "Calls",
              MapElements.into(
                      TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                  .via((KV<String, CallBundle> kv) -> KV.of(kv.getKey(), kv.getValue().calls())))
          .apply("Sum", Sum.longsPerKey())
          .apply(
              "AsText",
              MapElements.into(TypeDescriptors.strings())
                  .via((KV<String, Long> kv) -> kv.getKey() + "=" + kv.getValue()));
    }
  }

  /**
   * The call analyses' bundles reach the sink named by analysis, their calls one per element
   * (retries are attempts of one call); a plain function's analysis has none.
   */
  @Test
  public void callBundlesReachTheSinkWithOneCallPerElement() {
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      docs.add(i + ":doc number " + i);
    }
    PCollection<String>[] sums = new PCollection[1];
    FanOut<String, String> fan =
        byId()
            .withAnalysis("words", flaky("words", FanOutTest::words))
            .withAnalysis("upper", flaky("upper", FanOutTest::upper))
            .withAnalysis("length", FanOutTest::length)
            .withCallBundlesTo(
                new PTransform<PCollection<KV<String, CallBundle>>, PCollection<Void>>() {
                  @Override
                  public PCollection<Void> expand(PCollection<KV<String, CallBundle>> b) {
                    sums[0] = b.apply("SumBundles", new SumBundles());
                    return b.apply(
                        "Nothing",
                        MapElements.into(TypeDescriptors.voids()).via(kv -> (Void) null));
                  }
                });
    docs(docs).apply("Analyze", fan);
    PAssert.that(sums[0]).containsInAnyOrder("words=12", "upper=12");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void resilientAnalysesWithTransientFailuresGiveTheFailureFreeRecords() {
    List<String> docs = new ArrayList<>();
    List<Gathered<String>> expected = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      docs.add(i + ":doc number " + i);
      expected.add(complete(docs.get(i)));
    }
    FanOut<String, String> fan =
        byId()
            .withAnalysis("words", flaky("words", FanOutTest::words))
            .withAnalysis("upper", flaky("upper", FanOutTest::upper))
            .withAnalysis("length", flaky("length", FanOutTest::length));
    PAssert.that(docs(docs).apply("Analyze", fan)).containsInAnyOrder(expected);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    long retriesPerAnalysis = 4 * (0 + 1 + 2);
    CallCounts words = CallCounts.of(result, "Analyze/words");
    assertThat(words.toString(), words.retries(), is(retriesPerAnalysis));
    assertThat(words.calls(), is(12L));
    CallCounts all = CallCounts.of(result);
    assertThat(all.toString(), all.retries(), is(3 * retriesPerAnalysis));
    assertThat(all.deadLetters(), is(0L));
  }

  @Test
  public void aCallThatGivesUpBecomesAnErrorEntryWithItsAttempts() {
    ResilientCall<String, String> summary =
        ResilientCall.of(
                (String doc) -> {
                  if (id(doc).equals("2")) {
                    throw new IllegalStateException("summariser down");
                  }
                  return "S" + id(doc);
                })
            .withMaxAttempts(2)
            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));
    ResilientCall<String, String> sentiment =
        ResilientCall.of(
                (String doc) -> {
                  if (!id(doc).equals("1")) {
                    throw new IllegalStateException("no sentiment");
                  }
                  return "positive";
                })
            .withMaxAttempts(1)
            .withFallback(doc -> "neutral");
    FanOut<String, String> fan =
        byId().withAnalysis("summary", summary).withAnalysis("sentiment", sentiment);

    PAssert.that(docs(DOCS).apply("Analyze", fan))
        .containsInAnyOrder(
            new Gathered<>("1", map("summary", "S1", "sentiment", "positive"), map()),
            new Gathered<>(
                "2",
                map("sentiment", "neutral"),
                map("summary", "IllegalStateException: summariser down (2 attempts)")),
            new Gathered<>("3", map("summary", "S3", "sentiment", "neutral"), map()));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertThat(CallCounts.of(result, "Analyze/summary").deadLetters(), is(1L));
    assertThat(CallCounts.of(result, "Analyze/sentiment").fallbacks(), is(2L));
  }

  /** Marks every document "seen" except document 1, for which it emits nothing. */
  private static final class SeenExceptOne
      extends PTransform<PCollection<KV<String, String>>, PCollection<KV<String, String>>> {
    @Override
    public PCollection<KV<String, String>> expand(PCollection<KV<String, String>> input) {
      return input
          .apply(Filter.by((KV<String, String> kv) -> !kv.getKey().equals("1")))
          .apply(
              MapElements.into(
                      TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                  .via((KV<String, String> kv) -> KV.of(kv.getKey(), "seen")));
    }
  }

  @Test
  public void aKeyedTransformThatEmitsNothingForAnIdGivesNoResult() {
    FanOut<String, String> fan =
        byId()
            .withAnalysis("length", FanOutTest::length)
            .withKeyedAnalysis("seen", new SeenExceptOne());
    PAssert.that(docs(DOCS).apply("Analyze", fan))
        .containsInAnyOrder(
            new Gathered<>("1", map("length", "5"), map("seen", FanOut.NO_RESULT)),
            new Gathered<>("2", map("length", "11", "seen", "seen"), map()),
            new Gathered<>("3", map("length", "1", "seen", "seen"), map()));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void twoElementsWithOneIdAreReportedNotMerged() {
    FanOut<String, String> fan = byId().withAnalysis("upper", FanOutTest::upper);
    PAssert.that(docs(List.of("1:a", "1:b", "2:c")).apply("Analyze", fan))
        .containsInAnyOrder(
            new Gathered<>(
                "1",
                map(),
                map(
                    FanOut.INPUT_ERROR,
                    "2 input elements have this id",
                    "upper",
                    "2 results and 0 errors for one id")),
            new Gathered<>("2", map("upper", "C"), map()));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void everyBuilderMethodChecksItsArgument() {
    SerializableFunction<String, String> fn = FanOutTest::upper;
    assertThrows(IllegalArgumentException.class, () -> FanOut.byId(null, StringUtf8Coder.of()));
    assertThrows(IllegalArgumentException.class, () -> FanOut.byId(FanOutTest::id, null));
    FanOut<String, String> base = byId().withAnalysis("upper", fn);
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withAnalysis(" ", fn)).getMessage(),
        containsString("must not be empty"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withAnalysis("a/b", fn))
            .getMessage(),
        containsString("'/'"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withAnalysis("Join", fn))
            .getMessage(),
        containsString("reserved"));
    assertThrows(IllegalArgumentException.class, () -> base.withAnalysis(FanOut.INPUT_ERROR, fn));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withAnalysis("upper", fn))
            .getMessage(),
        containsString("already an analysis named 'upper'"));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withAnalysis("x", (SerializableFunction<String, String>) null));
    assertThrows(
        IllegalArgumentException.class,
        () -> base.withAnalysis("x", (ResilientCall<String, String>) null));
    assertThrows(IllegalArgumentException.class, () -> base.withKeyedAnalysis("x", null));
  }

  @Test
  public void withAnalysisLeavesTheOriginalAlone() {
    FanOut<String, String> base = byId();
    FanOut<String, String> one = base.withAnalysis("upper", FanOutTest::upper);
    FanOut<String, String> two = one.withAnalysis("length", FanOutTest::length);
    assertThat(base.analysisNames(), is(empty()));
    assertThat(one.analysisNames(), contains("upper"));
    assertThat(two.analysisNames(), contains("upper", "length"));
  }

  @Test
  public void aFanOutWithoutAnalysesCannotBeApplied() {
    pipeline.enableAbandonedNodeEnforcement(false);
    PCollection<String> in = docs(DOCS);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> in.apply("Analyze", byId()));
    assertThat(e.getMessage(), containsString("withAnalysis"));
  }

  @Test
  public void displayDataNamesTheAnalyses() {
    DisplayData d =
        DisplayData.from(
            byId()
                .withAnalysis("upper", FanOutTest::upper)
                .withAnalysis("length", FanOutTest::length));
    assertThat(d.toString(), containsString("analyses=upper,length"));
  }
}
