package dev.parabeam.transforms.tasks;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Dynamic tasks: turns each result of a first phase into a data-dependent number of follow-up tasks
 * and spreads the tasks over the workers, ready for a second phase (a {@code MapElements}, a {@link
 * ResilientCall}, ...).
 *
 * <pre>
 * results ─► Expand (fn: one result → 0..n tasks) ─► Redistribute (Reshuffle.viaRandomKey) ─► tasks
 * </pre>
 *
 * <p>Without the redistribution a runner fuses the second phase with the expansion: all the tasks
 * of one input would run one after another on the thread that expanded it. The random-key reshuffle
 * breaks that fusion and deals the tasks out over workers. Beam 2.62 also has {@code
 * Redistribute.arbitrarily()}, but the Flink 1.19 runner of 2.62 translates only {@code Reshuffle}
 * natively (a rebalance); {@code Redistribute} would fall back to a full {@code GroupByKey}.
 *
 * <p>Metrics (namespace {@value #METRICS_NAMESPACE}, function form only): {@value #INPUTS} results
 * expanded, {@value #TASKS} tasks made.
 *
 * <p>Immutable: every {@code withX} returns a new transform and checks its argument.
 *
 * @param <T> first-phase result type
 * @param <U> task type
 */
public final class ExpandTasks<T, U> extends PTransform<PCollection<T>, PCollection<U>> {
  private static final long serialVersionUID = 1L;

  public static final String METRICS_NAMESPACE = "ExpandTasks";
  public static final String INPUTS = "inputs";
  public static final String TASKS = "tasks";

  private final SerializableFunction<T, ? extends Iterable<U>> fn;
  private final DoFn<T, U> doFn;
  private final Coder<U> outputCoder;
  private final Integer numBuckets;

  private ExpandTasks(
      SerializableFunction<T, ? extends Iterable<U>> fn,
      DoFn<T, U> doFn,
      Coder<U> outputCoder,
      Integer numBuckets) {
    this.fn = fn;
    this.doFn = doFn;
    this.outputCoder = outputCoder;
    this.numBuckets = numBuckets;
  }

  /**
   * Tasks {@code fn(result)} for every result (none for an empty iterable; null elements are not
   * allowed). Set the task coder with {@link #withOutputCoder}.
   */
  public static <T, U> ExpandTasks<T, U> via(SerializableFunction<T, ? extends Iterable<U>> fn) {
    require(fn != null, "fn must not be null");
    return new ExpandTasks<>(fn, null, null, null);
  }

  /** Tasks emitted by {@code doFn} for every result (the coder is inferred from its type). */
  public static <T, U> ExpandTasks<T, U> of(DoFn<T, U> doFn) {
    require(doFn != null, "doFn must not be null");
    return new ExpandTasks<>(null, doFn, null, null);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The coder of the tasks. */
  public ExpandTasks<T, U> withOutputCoder(Coder<U> coder) {
    require(coder != null, "output coder must not be null");
    return new ExpandTasks<>(fn, doFn, coder, numBuckets);
  }

  /**
   * Deals the tasks into at most {@code n} random keys instead of one key per task: fewer, larger
   * groups (worth it for very many small tasks; the DirectRunner makes one bundle per key).
   */
  public ExpandTasks<T, U> withNumBuckets(int n) {
    require(n >= 1, "numBuckets must be at least 1, got " + n);
    return new ExpandTasks<>(fn, doFn, outputCoder, n);
  }

  @Override
  public PCollection<U> expand(PCollection<T> input) {
    PCollection<U> tasks =
        input.apply("Expand", ParDo.of(doFn != null ? doFn : new ExpandFn<T, U>(fn)));
    if (outputCoder != null) {
      tasks.setCoder(outputCoder);
    } else {
      try {
        tasks.getCoder();
      } catch (IllegalStateException e) {
        throw new IllegalStateException(
            "ExpandTasks cannot infer the coder of the tasks: call withOutputCoder(...)", e);
      }
    }
    Reshuffle.ViaRandomKey<U> redistribute = Reshuffle.viaRandomKey();
    if (numBuckets != null) {
      redistribute = redistribute.withNumBuckets(numBuckets);
    }
    return tasks.apply("Redistribute", redistribute);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(
            DisplayData.item("expandFn", (fn != null ? fn : doFn).getClass())
                .withLabel("Task expansion"))
        .addIfNotNull(DisplayData.item("numBuckets", numBuckets).withLabel("Random keys"));
  }

  private static final class ExpandFn<T, U> extends DoFn<T, U> {
    private static final long serialVersionUID = 1L;
    private final SerializableFunction<T, ? extends Iterable<U>> fn;
    private final Counter inputs = Metrics.counter(METRICS_NAMESPACE, INPUTS);
    private final Counter tasks = Metrics.counter(METRICS_NAMESPACE, TASKS);

    ExpandFn(SerializableFunction<T, ? extends Iterable<U>> fn) {
      this.fn = fn;
    }

    @ProcessElement
    public void processElement(@Element T element, OutputReceiver<U> out) {
      inputs.inc();
      Iterable<U> made = fn.apply(element);
      if (made == null) {
        throw new IllegalArgumentException(
            "ExpandTasks: the function returned null for " + element);
      }
      long n = 0;
      for (U task : made) {
        out.output(task);
        n++;
      }
      tasks.inc(n);
    }
  }
}
