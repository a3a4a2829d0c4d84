package dev.parabeam.transforms.tasks;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Fan-out / fan-in with partial results: applies several named, independent analyses to every
 * element and joins their outputs per element into one {@link Gathered} record.
 *
 * <pre>
 *                     ┌─► sentiment ─┐
 *                     ├─► entities ──┤
 * elements ─► KeyById ┼─► summary ───┼─► Join (CoGroupByKey by id) ─► Gather ─► Gathered per id
 *                     └─► Ids ───────┘
 * </pre>
 *
 * <pre>{@code
 * PCollection<Gathered<String>> analysed =
 *     docs.apply("Analyze",
 *         FanOut.byId(Doc::id, StringUtf8Coder.of())
 *             .withAnalysis("sentiment", sentimentCall)      // a ResilientCall<Doc, String>
 *             .withAnalysis("entities", entitiesCall)
 *             .withAnalysis("summary", (Doc d) -> summarise(d)));
 * }</pre>
 *
 * <p>Each analysis is its own branch of the graph, a step named after it ({@code Analyze/sentiment}
 * above), so the runner can run the branches side by side and the Flink web UI and the metrics show
 * them apart. The branches meet in a {@link CoGroupByKey} on the element's id, never by arrival
 * order.
 *
 * <p>Gather with exceptions returned: when an analysis fails for an element, that element's record
 * still appears, with the other analyses' results and, under the failed analysis's name, the reason
 * (an exception of a function; the dead letter of a {@link ResilientCall}, with its attempt count;
 * {@code "no result"} when a keyed transform emitted nothing for the id). Every analysis name is in
 * exactly one of the record's two maps. Problems with the id itself (two input elements with one
 * id, or an analysis emitting an id that no input has) are reported under {@value #INPUT_ERROR}.
 *
 * <p>A {@link ResilientCall} analysis keeps its metrics under its step: {@code
 * CallCounts.of(result, "Analyze/sentiment")} gives the attempts, retries, timeouts, fallbacks and
 * dead letters of one analysis, {@code CallCounts.of(result)} those of all calls of the job.
 *
 * <p>Metrics (namespace {@value #METRICS_NAMESPACE}): {@value #RECORDS} records out, {@value
 * #PARTIAL_RECORDS} of them with at least one error, {@value #ANALYSIS_ERRORS} error entries.
 *
 * <p>Immutable: every {@code withX} returns a new transform and checks its argument.
 *
 * <p>A little over 300 lines: the builder, the three kinds of analysis and the join; its DoFns are
 * in {@link FanOutFns}.
 *
 * @param <T> element type
 * @param <R> result type of every analysis
 */
public final class FanOut<T, R> extends PTransform<PCollection<T>, PCollection<Gathered<R>>> {
  private static final long serialVersionUID = 1L;

  public static final String METRICS_NAMESPACE = "FanOut";
  public static final String RECORDS = "records";
  public static final String PARTIAL_RECORDS = "partial_records";
  public static final String ANALYSIS_ERRORS = "analysis_errors";

  /** The error name under which problems with an element's id are reported. */
  public static final String INPUT_ERROR = "(input)";

  /** Reason given for an analysis that emitted neither a result nor an error for an id. */
  public static final String NO_RESULT = "no result";

  private static final Set<String> RESERVED = Set.of("KeyById", "Ids", "Join", "Gather");

  private final SerializableFunction<T, String> idFn;
  private final Coder<R> resultCoder;
  private final List<Analysis<T, R>> analyses;
  // where the call analyses' bundles go (null: nowhere)
  private final PTransform<PCollection<KV<String, CallBundle>>, ?> bundleSink;

  /** The bundles of a call branch, each with its analysis's name. */
  private static final TupleTag<KV<String, CallBundle>> BUNDLES = new TupleTag<>("bundles");

  private FanOut(
      SerializableFunction<T, String> idFn,
      Coder<R> resultCoder,
      List<Analysis<T, R>> analyses,
      PTransform<PCollection<KV<String, CallBundle>>, ?> bundleSink) {
    this.idFn = idFn;
    this.resultCoder = resultCoder;
    this.analyses = analyses;
    this.bundleSink = bundleSink;
  }

  /**
   * A fan-out that joins by {@code idFn(element)} (ids must be unique per element and not null) and
   * encodes results with {@code resultCoder}. Add analyses with {@code withAnalysis}.
   */
  public static <T, R> FanOut<T, R> byId(
      SerializableFunction<T, String> idFn, Coder<R> resultCoder) {
    require(idFn != null, "idFn must not be null");
    require(resultCoder != null, "resultCoder must not be null");
    return new FanOut<>(idFn, resultCoder, List.of(), null);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private FanOut<T, R> plus(Analysis<T, R> a) {
    List<Analysis<T, R>> list = new ArrayList<>(analyses);
    list.add(a);
    return new FanOut<>(idFn, resultCoder, Collections.unmodifiableList(list), bundleSink);
  }

  private void checkName(String name) {
    require(name != null && !name.isBlank(), "analysis name must not be empty");
    require(!name.contains("/"), "analysis name must not contain '/', got '" + name + "'");
    require(
        !RESERVED.contains(name) && !name.equals(INPUT_ERROR),
        "analysis name '" + name + "' is reserved (" + RESERVED + ", " + INPUT_ERROR + ")");
    for (Analysis<T, R> a : analyses) {
      require(!a.name.equals(name), "there is already an analysis named '" + name + "'");
    }
  }

  /**
   * Adds the analysis {@code name}: {@code fn(element)} for every element. An exception it throws
   * (or a null result) becomes the error entry {@code name -> "ExceptionName: message"}.
   */
  public FanOut<T, R> withAnalysis(String name, SerializableFunction<T, R> fn) {
    checkName(name);
    require(fn != null, "analysis '" + name + "' needs a function, got null");
    return plus(new FnAnalysis<>(name, fn));
  }

  /**
   * Adds the analysis {@code name} as a {@link ResilientCall} with all its settings (applied to the
   * elements keyed by id, its results encoded with this fan-out's result coder). A call that gives
   * up without a fallback becomes the error entry {@code name -> "reason (N attempts)"}.
   */
  public FanOut<T, R> withAnalysis(String name, ResilientCall<T, R> call) {
    checkName(name);
    require(call != null, "analysis '" + name + "' needs a call, got null");
    return plus(new CallAnalysis<>(name, call));
  }

  /**
   * Adds the analysis {@code name} as a transform of {@code (id, element)} pairs into {@code (id,
   * result)} pairs, at most one per id. An id it emits nothing for gets the error entry {@code name
   * -> "no result"}.
   */
  public FanOut<T, R> withKeyedAnalysis(
      String name, PTransform<PCollection<KV<String, T>>, PCollection<KV<String, R>>> transform) {
    checkName(name);
    require(transform != null, "analysis '" + name + "' needs a transform, got null");
    return plus(new TransformAnalysis<>(name, transform));
  }

  /**
   * Hands every bundle of the {@link ResilientCall} analyses' calls ({@link CallBundle}: worker,
   * start, end, calls), each with its analysis's name, to {@code sink}: a timeline of the calls.
   * The sink gets an empty collection when there is no call analysis.
   */
  public FanOut<T, R> withCallBundlesTo(PTransform<PCollection<KV<String, CallBundle>>, ?> sink) {
    require(sink != null, "the bundles' sink must not be null");
    return new FanOut<>(idFn, resultCoder, analyses, sink);
  }

  /** The analysis names, in the order they were added. */
  public List<String> analysisNames() {
    List<String> names = new ArrayList<>();
    for (Analysis<T, R> a : analyses) {
      names.add(a.name);
    }
    return Collections.unmodifiableList(names);
  }

  @Override
  public PCollection<Gathered<R>> expand(PCollection<T> input) {
    if (analyses.isEmpty()) {
      throw new IllegalStateException("FanOut has no analysis: add one with withAnalysis(...)");
    }
    PCollection<KV<String, T>> keyed =
        input
            .apply("KeyById", ParDo.of(new FanOutFns.KeyByIdFn<>(idFn)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), input.getCoder()));
    TupleTag<Integer> idsTag = new TupleTag<>("ids");
    PCollection<KV<String, Integer>> ids =
        keyed
            .apply("Ids", ParDo.of(new FanOutFns.IdsFn<>()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of()));
    KeyedPCollectionTuple<String> join = KeyedPCollectionTuple.of(idsTag, ids);
    List<String> names = new ArrayList<>();
    List<TupleTag<R>> resultTags = new ArrayList<>();
    List<TupleTag<String>> errorTags = new ArrayList<>();
    PCollectionList<KV<String, CallBundle>> bundles = PCollectionList.empty(input.getPipeline());
    for (Analysis<T, R> a : analyses) {
      TupleTag<KV<String, R>> results = new TupleTag<>("results:" + a.name);
      TupleTag<KV<String, String>> errors = new TupleTag<>("errors:" + a.name);
      PCollectionTuple out = a.expand(keyed, resultCoder, results, errors);
      TupleTag<R> joinedResults = new TupleTag<>(a.name + ":results");
      join = join.and(joinedResults, out.get(results));
      names.add(a.name);
      resultTags.add(joinedResults);
      if (out.has(errors)) {
        TupleTag<String> joinedErrors = new TupleTag<>(a.name + ":errors");
        join = join.and(joinedErrors, out.get(errors));
        errorTags.add(joinedErrors);
      } else {
        errorTags.add(null);
      }
      if (out.has(BUNDLES)) {
        bundles = bundles.and(out.get(BUNDLES));
      }
    }
    if (bundleSink != null) {
      Coder<KV<String, CallBundle>> bundleCoder =
          KvCoder.of(StringUtf8Coder.of(), CallBundle.CODER);
      PCollection<KV<String, CallBundle>> all =
          bundles.size() == 0
              ? input.getPipeline().apply("NoCallBundles", Create.empty(bundleCoder))
              : bundles.apply("CallBundles", Flatten.pCollections()).setCoder(bundleCoder);
      all.apply("WriteCallBundles", bundleSink);
    }
    return join.apply("Join", CoGroupByKey.create())
        .apply("Gather", ParDo.of(new FanOutFns.GatherFn<>(idsTag, names, resultTags, errorTags)))
        .setCoder(Gathered.coder(resultCoder));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("idFn", idFn.getClass()).withLabel("Id function"))
        .add(DisplayData.item("resultCoder", resultCoder.toString()).withLabel("Result coder"))
        .add(DisplayData.item("analyses", String.join(",", analysisNames())).withLabel("Analyses"));
  }

  /** One branch: given the keyed elements, emits (id, result) and possibly (id, reason). */
  private abstract static class Analysis<T, R> implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name;

    Analysis(String name) {
      this.name = name;
    }

    /**
     * Applies the branch as the step {@code name}; the tuple holds {@code results} and, if the
     * branch reports failures, {@code errors}.
     */
    abstract PCollectionTuple expand(
        PCollection<KV<String, T>> keyed,
        Coder<R> resultCoder,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors);
  }

  private static final class FnAnalysis<T, R> extends Analysis<T, R> {
    private static final long serialVersionUID = 1L;
    private final SerializableFunction<T, R> fn;

    FnAnalysis(String name, SerializableFunction<T, R> fn) {
      super(name);
      this.fn = fn;
    }

    @Override
    PCollectionTuple expand(
        PCollection<KV<String, T>> keyed,
        Coder<R> resultCoder,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors) {
      PCollectionTuple out =
          keyed.apply(
              name,
              ParDo.of(new FanOutFns.ApplyFn<>(fn, results, errors))
                  .withOutputTags(results, TupleTagList.of(errors)));
      out.get(results).setCoder(KvCoder.of(StringUtf8Coder.of(), resultCoder));
      out.get(errors).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
      return out;
    }
  }

  private static final class CallAnalysis<T, R> extends Analysis<T, R> {
    private static final long serialVersionUID = 1L;
    private final ResilientCall<T, R> call;

    CallAnalysis(String name, ResilientCall<T, R> call) {
      super(name);
      this.call = call;
    }

    @Override
    PCollectionTuple expand(
        PCollection<KV<String, T>> keyed,
        Coder<R> resultCoder,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors) {
      return keyed.apply(name, new CallBranch<>(name, call, resultCoder, results, errors));
    }
  }

  /** The call on the values, its dead letters turned into (id, reason) pairs. */
  private static final class CallBranch<T, R>
      extends PTransform<PCollection<KV<String, T>>, PCollectionTuple> {
    private static final long serialVersionUID = 1L;
    private final String analysis;
    private final ResilientCall<T, R> call;
    private final Coder<R> resultCoder;
    private final TupleTag<KV<String, R>> results;
    private final TupleTag<KV<String, String>> errors;

    CallBranch(
        String name,
        ResilientCall<T, R> call,
        Coder<R> resultCoder,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors) {
      this.analysis = name;
      this.call = call;
      this.resultCoder = resultCoder;
      this.results = results;
      this.errors = errors;
    }

    @Override
    public PCollectionTuple expand(PCollection<KV<String, T>> keyed) {
      ResilientCall<KV<String, T>, KV<String, R>> onValues =
          call.withOutputCoder(resultCoder).onValues();
      PCollectionTuple out = keyed.apply("KeyedCall", onValues);
      PCollection<KV<String, String>> reasons =
          out.get(onValues.failures())
              .apply("DescribeFailures", ParDo.of(new FanOutFns.DescribeFailureFn<>()))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
      String analysis = this.analysis;
      PCollection<KV<String, CallBundle>> bundles =
          out.get(onValues.bundles())
              .apply(
                  "NameBundles",
                  MapElements.into(
                          TypeDescriptors.kvs(
                              TypeDescriptors.strings(), TypeDescriptor.of(CallBundle.class)))
                      .via(b -> KV.of(analysis, b)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), CallBundle.CODER));
      return PCollectionTuple.of(results, out.get(onValues.results()))
          .and(errors, reasons)
          .and(BUNDLES, bundles);
    }
  }

  private static final class TransformAnalysis<T, R> extends Analysis<T, R> {
    private static final long serialVersionUID = 1L;
    private final PTransform<PCollection<KV<String, T>>, PCollection<KV<String, R>>> transform;

    TransformAnalysis(
        String name, PTransform<PCollection<KV<String, T>>, PCollection<KV<String, R>>> transform) {
      super(name);
      this.transform = transform;
    }

    @Override
    PCollectionTuple expand(
        PCollection<KV<String, T>> keyed,
        Coder<R> resultCoder,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors) {
      PCollection<KV<String, R>> out = keyed.apply(name, transform);
      try {
        out.getCoder();
      } catch (IllegalStateException e) {
        out.setCoder(KvCoder.of(StringUtf8Coder.of(), resultCoder));
      }
      return PCollectionTuple.of(results, out);
    }
  }
}
