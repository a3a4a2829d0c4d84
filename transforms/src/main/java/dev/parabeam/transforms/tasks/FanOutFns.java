package dev.parabeam.transforms.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The DoFns of {@link FanOut}: keying by id, applying a function, describing failures, gathering.
 */
final class FanOutFns {
  private FanOutFns() {}

  static final class KeyByIdFn<T> extends DoFn<T, KV<String, T>> {
    private static final long serialVersionUID = 1L;
    private final SerializableFunction<T, String> idFn;

    KeyByIdFn(SerializableFunction<T, String> idFn) {
      this.idFn = idFn;
    }

    @ProcessElement
    public void processElement(@Element T element, OutputReceiver<KV<String, T>> out) {
      String id = idFn.apply(element);
      if (id == null) {
        throw new IllegalArgumentException("FanOut: the id function returned null for " + element);
      }
      out.output(KV.of(id, element));
    }
  }

  static final class IdsFn<T> extends DoFn<KV<String, T>, KV<String, Integer>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void processElement(
        @Element KV<String, T> element, OutputReceiver<KV<String, Integer>> out) {
      out.output(KV.of(element.getKey(), 1));
    }
  }

  static final class ApplyFn<T, R> extends DoFn<KV<String, T>, KV<String, R>> {
    private static final long serialVersionUID = 1L;
    private final SerializableFunction<T, R> fn;
    private final TupleTag<KV<String, R>> results;
    private final TupleTag<KV<String, String>> errors;

    ApplyFn(
        SerializableFunction<T, R> fn,
        TupleTag<KV<String, R>> results,
        TupleTag<KV<String, String>> errors) {
      this.fn = fn;
      this.results = results;
      this.errors = errors;
    }

    @ProcessElement
    public void processElement(@Element KV<String, T> element, MultiOutputReceiver out) {
      R result;
      try {
        result = fn.apply(element.getValue());
      } catch (RuntimeException e) {
        out.get(errors).output(KV.of(element.getKey(), ResilientCall.reasonOf(e)));
        return;
      }
      if (result == null) {
        out.get(errors).output(KV.of(element.getKey(), "the analysis returned null"));
      } else {
        out.get(results).output(KV.of(element.getKey(), result));
      }
    }
  }

  static final class DescribeFailureFn<T>
      extends DoFn<CallFailure<KV<String, T>>, KV<String, String>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void processElement(
        @Element CallFailure<KV<String, T>> failure, OutputReceiver<KV<String, String>> out) {
      out.output(KV.of(failure.input().getKey(), failure.describe()));
    }
  }

  static final class GatherFn<R> extends DoFn<KV<String, CoGbkResult>, Gathered<R>> {
    private static final long serialVersionUID = 1L;
    private final TupleTag<Integer> idsTag;
    private final List<String> names;
    private final List<TupleTag<R>> resultTags;
    private final List<TupleTag<String>> errorTags;
    private final Counter records = Metrics.counter(FanOut.METRICS_NAMESPACE, FanOut.RECORDS);
    private final Counter partial =
        Metrics.counter(FanOut.METRICS_NAMESPACE, FanOut.PARTIAL_RECORDS);
    private final Counter analysisErrors =
        Metrics.counter(FanOut.METRICS_NAMESPACE, FanOut.ANALYSIS_ERRORS);

    GatherFn(
        TupleTag<Integer> idsTag,
        List<String> names,
        List<TupleTag<R>> resultTags,
        List<TupleTag<String>> errorTags) {
      this.idsTag = idsTag;
      this.names = names;
      this.resultTags = resultTags;
      this.errorTags = errorTags;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, CoGbkResult> joined, OutputReceiver<Gathered<R>> out) {
      CoGbkResult r = joined.getValue();
      TreeMap<String, R> results = new TreeMap<>();
      TreeMap<String, String> errors = new TreeMap<>();
      int inputs = count(r.getAll(idsTag));
      if (inputs == 0) {
        errors.put(FanOut.INPUT_ERROR, "no input element has this id");
      } else if (inputs > 1) {
        errors.put(FanOut.INPUT_ERROR, inputs + " input elements have this id");
      }
      for (int i = 0; i < names.size(); i++) {
        List<R> rs = new ArrayList<>();
        r.getAll(resultTags.get(i)).forEach(rs::add);
        List<String> es = new ArrayList<>();
        if (errorTags.get(i) != null) {
          r.getAll(errorTags.get(i)).forEach(es::add);
        }
        String name = names.get(i);
        if (rs.size() == 1 && es.isEmpty()) {
          results.put(name, rs.get(0));
        } else if (rs.isEmpty() && es.size() == 1) {
          errors.put(name, es.get(0));
        } else if (rs.isEmpty() && es.isEmpty()) {
          errors.put(name, FanOut.NO_RESULT);
        } else {
          errors.put(name, rs.size() + " results and " + es.size() + " errors for one id");
        }
      }
      records.inc();
      if (!errors.isEmpty()) {
        partial.inc();
        analysisErrors.inc(errors.size());
      }
      out.output(new Gathered<>(joined.getKey(), results, errors));
    }

    private static int count(Iterable<?> items) {
      int n = 0;
      for (Object ignored : items) {
        n++;
      }
      return n;
    }
  }
}
