package dev.parabeam.transforms.tasks;

import dev.failsafe.TimeoutExceededException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Calls a slow or unreliable service once per element, with retries, a per-attempt timeout, limits
 * on concurrency and rate, and a fallback value or a dead letter when the attempts run out.
 *
 * <pre>{@code
 * ResilientCall<Doc, String> sentiment =
 *     ResilientCall.of((Doc d) -> client.sentiment(d.text()))   // or ofAsync(d -> ...future...)
 *         .withOutputCoder(StringUtf8Coder.of())
 *         .withMaxAttempts(4)
 *         .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5))
 *         .withRetryOn(IOException.class)
 *         .withTimeout(Duration.ofSeconds(2))
 *         .withMaxInFlight(32)
 *         .withRateLimit(50);
 * PCollectionTuple out = docs.apply("Sentiment", sentiment);
 * PCollection<String> results = out.get(sentiment.results());
 * PCollection<CallFailure<Doc>> deadLetters = out.get(sentiment.failures());
 * }</pre>
 *
 * <p>Every element ends up exactly once on {@link #results()} (the call's value, or the fallback
 * value) or on {@link #failures()} (a {@link CallFailure} with the last reason and the number of
 * attempts): {@code calls == results + fallbacks + dead_letters}.
 *
 * <h3>Calls in flight do not need threads</h3>
 *
 * Beam 2.62 has no asynchronous ParDo for Java (Beam issue 19353), so a plain DoFn that waits for a
 * remote call holds its worker thread: a job would make at most one call per worker thread. Here
 * one DoFn instance starts each call asynchronously in {@code @ProcessElement} and goes on to the
 * next element; it blocks only while {@code maxInFlight} calls are in flight, emits the calls that
 * finished meanwhile at each element, each with its own element's timestamp, window and pane
 * ({@code OutputReceiver.outputWindowedValue}), and in {@code @FinishBundle} waits for the rest. So
 * a DoFn holds at most {@code maxInFlight} finished results in memory whatever the size of its
 * bundle (a Flink batch bundle can be a whole partition). A wait-bound job therefore keeps up to
 * {@code maxInFlight} calls going even with one worker thread. Synchronous functions run on the
 * limits' {@code maxInFlight} threads so that a call past its timeout can be abandoned
 * (interrupted); asynchronous ones return a {@link CompletionStage} that is cancelled instead.
 * Every attempt has a timeout, {@link #DEFAULT_TIMEOUT} (30 s) unless {@link #withTimeout} says
 * otherwise: a call that never returns ends as a dead letter (or its fallback), and the bundle
 * ends.
 *
 * <h3>Limits are per worker JVM and job</h3>
 *
 * A runner creates many instances of the DoFn (one per thread and stage). They share their limits
 * through a static registry keyed by the limits name ({@link #withSharedLimits}, by default a name
 * unique to this transform object), so {@code maxInFlight} and the rate limit hold for all threads
 * of one worker JVM together. A static field is per class loader, and a Flink session cluster loads
 * each job's classes with a class loader of its own: two jobs there calling one service, even with
 * the same {@link #withSharedLimits} name, each get the whole budget. A DoFn takes its entry of the
 * registry in {@code @Setup} and gives it back in {@code @Teardown}; the last DoFn to give it back
 * removes it (a runner that skips {@code @Teardown} leaves it until the JVM or the job's class
 * loader goes). For the whole job the bound is the limit times the number of worker JVMs: one on
 * the DirectRunner and on embedded Flink, one per TaskManager on a Flink cluster (task slots share
 * their TaskManager's JVM). To keep a service at N calls per second across a cluster of W
 * TaskManagers, use {@code withRateLimit(N / W)}. Transforms that call the same service can share
 * one set of limits by giving the same name to {@link #withSharedLimits}.
 *
 * <h3>Policies: Failsafe</h3>
 *
 * Retries, backoff with jitter, the per-attempt timeout and the rate limiter are <a
 * href="https://failsafe.dev">Failsafe</a> 3.3.2 policies composed as {@code retry(rateLimit(
 * timeout(call)))}: each attempt waits for a rate permit, then runs under its own timeout. Failsafe
 * was chosen over resilience4j because it is one small jar without dependencies of its own, its
 * policies compose in one executor, it runs a {@link CompletionStage}-returning call natively
 * ({@code getStageAsync}) and cancels it on timeout, and its rate limiter waits for a permit
 * without blocking a thread. A synchronous function runs as such a stage too, on one of the limits'
 * {@code maxInFlight} attempt threads: a timeout cancels the stage, which interrupts the thread and
 * abandons the attempt at once, whether or not the function heeds the interrupt. An abandoned
 * function that goes on running keeps its thread until it returns, so the service never sees more
 * than {@code maxInFlight} synchronous attempts at once, retries included (metric {@value
 * #RUNNING}); an attempt that finds every thread busy waits for one, and the wait counts towards
 * its timeout. Failsafe passes the attempt's number to an {@link #ofAttempts} function. The
 * in-flight limit is a plain {@link java.util.concurrent.Semaphore} taken by the DoFn's own thread:
 * that is the backpressure that stops the DoFn from reading further elements, which a Failsafe
 * {@code Bulkhead} (it rejects or queues asynchronously) would not give.
 *
 * <h3>Metrics</h3>
 *
 * Namespace {@value #METRICS_NAMESPACE}; counters {@value #CALLS}, {@value #ATTEMPTS}, {@value
 * #RETRIES}, {@value #TIMEOUTS}, {@value #RESULTS}, {@value #FALLBACKS}, {@value #DEAD_LETTERS};
 * distributions {@value #IN_FLIGHT} (calls in flight in the JVM when a call starts: its max is the
 * highest concurrency reached), {@value #RUNNING} (attempts really running in the JVM when an
 * attempt starts, abandoned ones included: what the service sees) and {@value #WAITING} (finished
 * calls a DoFn holds when it starts a call). {@link CallCounts} reads them from a {@code
 * PipelineResult}.
 *
 * <p>Immutable: every {@code withX} returns a new transform and checks its argument.
 *
 * <p>Longer than the house's 300 lines because it is the transform's whole public API in Beam's
 * style (a checked {@code withX} per setting, display data) and the documentation of its semantics;
 * its DoFn is {@link ResilientCallFn}.
 *
 * @param <InputT> element type
 * @param <OutputT> result type
 */
public final class ResilientCall<InputT, OutputT>
    extends PTransform<PCollection<InputT>, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final String METRICS_NAMESPACE = "ResilientCall";

  /** Counter: elements whose call was started. */
  public static final String CALLS = "calls";

  /** Counter: invocations of the user function, first attempts and retries. */
  public static final String ATTEMPTS = "attempts";

  /** Counter: attempts after the first. */
  public static final String RETRIES = "retries";

  /** Counter: attempts cut off by the per-attempt timeout. */
  public static final String TIMEOUTS = "timeouts";

  /** Counter: calls that returned a value. */
  public static final String RESULTS = "results";

  /** Counter: calls that gave up and emitted the fallback value. */
  public static final String FALLBACKS = "fallbacks";

  /** Counter: calls that gave up and emitted a {@link CallFailure}. */
  public static final String DEAD_LETTERS = "dead_letters";

  /** Distribution: calls in flight in this JVM (limits name) when a call starts. */
  public static final String IN_FLIGHT = "in_flight";

  /**
   * Distribution: attempts really running in this JVM (limits name) when an attempt starts, as the
   * service sees them: an attempt abandoned at its timeout counts until its function returns.
   */
  public static final String RUNNING = "running";

  /**
   * Distribution: finished calls a DoFn holds, not yet emitted, when it starts a call: the results
   * it keeps in memory (at most {@code maxInFlight}).
   */
  public static final String WAITING = "waiting";

  static final int DEFAULT_MAX_ATTEMPTS = 3;
  static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
  static final double DEFAULT_JITTER = 0.25;
  static final int DEFAULT_MAX_IN_FLIGHT = 16;

  /**
   * The per-attempt timeout unless {@link #withTimeout} sets another: 30 s, as Beam's {@code
   * RequestResponseIO} has by default. Without one, a call that never returns would hold its bundle
   * (and the job) forever.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final Settings<InputT, OutputT> settings;
  private final OutputCoderRule<InputT, OutputT> coderRule;
  private final TupleTag<OutputT> resultsTag;
  private final TupleTag<CallFailure<InputT>> failuresTag;
  private final TupleTag<CallBundle> bundlesTag = new TupleTag<CallBundle>("bundles") {};

  private ResilientCall(
      Settings<InputT, OutputT> settings,
      OutputCoderRule<InputT, OutputT> coderRule,
      TupleTag<OutputT> resultsTag,
      TupleTag<CallFailure<InputT>> failuresTag) {
    this.settings = settings;
    this.coderRule = coderRule;
    this.resultsTag = resultsTag;
    this.failuresTag = failuresTag;
  }

  /**
   * A call of the synchronous function {@code fn} per element. It runs on a thread of the
   * transform's pool, so a timed-out attempt is interrupted and abandoned. Exceptions it throws
   * fail the attempt; a null result fails the call without retries. Defaults: 3 attempts, backoff
   * from 100 ms to 10 s with jitter 0.25, every exception retried, a timeout of {@link
   * #DEFAULT_TIMEOUT} (30 s) per attempt, 16 calls in flight, no rate limit, no fallback.
   */
  public static <InputT, OutputT> ResilientCall<InputT, OutputT> of(
      SerializableFunction<InputT, OutputT> fn) {
    require(fn != null, "fn must not be null");
    Settings<InputT, OutputT> s = new Settings<>();
    s.syncFn = (input, attempt) -> fn.apply(input);
    s.shownFn = fn;
    return create(s, inferredFrom(fn));
  }

  /**
   * As {@link #of}, with the attempt's number (1 for the first, 2 for the first retry, ...) passed
   * to {@code fn}: for a call that sends it along (an idempotency key, a header) or a simulation
   * whose faults must depend only on the element and the attempt, not on which worker runs it. The
   * output coder is inferred from {@code fn}'s class when it names its type arguments, else set it
   * with {@link #withOutputCoder}.
   */
  public static <InputT, OutputT> ResilientCall<InputT, OutputT> ofAttempts(
      SerializableBiFunction<InputT, Integer, OutputT> fn) {
    require(fn != null, "fn must not be null");
    Settings<InputT, OutputT> s = new Settings<>();
    s.syncFn = fn;
    s.shownFn = fn;
    return create(s, inferredFromBi(fn));
  }

  /**
   * A call of the asynchronous function {@code fn} per element: it starts the work and returns a
   * stage that completes with the result (a null stage or result fails the call without retries). A
   * timed-out attempt's stage is cancelled when it is a {@link java.util.concurrent.Future} (as a
   * {@link CompletableFuture} is). Same defaults as {@link #of}; the output coder must be set with
   * {@link #withOutputCoder}.
   */
  public static <InputT, OutputT> ResilientCall<InputT, OutputT> ofAsync(
      SerializableFunction<InputT, ? extends CompletionStage<OutputT>> fn) {
    require(fn != null, "fn must not be null");
    Settings<InputT, OutputT> s = new Settings<>();
    s.asyncFn = fn;
    s.shownFn = fn;
    return create(s, (inputCoder, registry) -> null);
  }

  private static <InputT, OutputT> ResilientCall<InputT, OutputT> create(
      Settings<InputT, OutputT> s, OutputCoderRule<InputT, OutputT> rule) {
    s.limitsName = "call-" + UUID.randomUUID();
    return new ResilientCall<>(
        s,
        rule,
        new TupleTag<OutputT>("results") {},
        new TupleTag<CallFailure<InputT>>("failures") {});
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** A copy with changed settings; the copy gets limits of its own unless they are shared. */
  private ResilientCall<InputT, OutputT> with(Consumer<Settings<InputT, OutputT>> change) {
    Settings<InputT, OutputT> s = settings.copy();
    change.accept(s);
    if (!s.sharedLimits) {
      s.limitsName = "call-" + UUID.randomUUID();
    }
    return new ResilientCall<>(s, coderRule, resultsTag, failuresTag);
  }

  /** The tag of the results (the call's values and fallback values) in the output tuple. */
  public TupleTag<OutputT> results() {
    return resultsTag;
  }

  /** The tag of the dead letters (calls that gave up without a fallback) in the output tuple. */
  /**
   * The tag of the output that says, per bundle that made calls, when and where it ran and how many
   * calls it started ({@link CallBundle}, in the window of the bundle's last element): a timeline
   * of the calls. Ignore it when not needed.
   */
  public TupleTag<CallBundle> bundles() {
    return bundlesTag;
  }

  public TupleTag<CallFailure<InputT>> failures() {
    return failuresTag;
  }

  /** At most {@code n} attempts per element (1: no retries). */
  public ResilientCall<InputT, OutputT> withMaxAttempts(int n) {
    require(n >= 1, "maxAttempts must be at least 1, got " + n);
    return with(s -> s.maxAttempts = n);
  }

  /**
   * Waits {@code initialDelay} before the first retry, doubling the wait for each further retry up
   * to {@code maxDelay} (jitter applies on top, see {@link #withJitter}).
   */
  public ResilientCall<InputT, OutputT> withBackoff(Duration initialDelay, Duration maxDelay) {
    require(
        initialDelay != null && !initialDelay.isNegative() && !initialDelay.isZero(),
        "initialDelay must be positive, got " + initialDelay);
    require(
        maxDelay != null && maxDelay.compareTo(initialDelay) >= 0,
        "maxDelay must be at least initialDelay (" + initialDelay + "), got " + maxDelay);
    return with(
        s -> {
          s.initialBackoff = initialDelay;
          s.maxBackoff = maxDelay;
        });
  }

  /**
   * Randomizes each retry delay by up to {@code factor} of it, either way, so that calls that
   * failed together do not retry together. 0 turns jitter off.
   */
  public ResilientCall<InputT, OutputT> withJitter(double factor) {
    require(factor >= 0 && factor <= 1, "jitter factor must be between 0 and 1, got " + factor);
    return with(s -> s.jitter = factor);
  }

  /**
   * Retries only failures that are, or are caused by (anywhere in the cause chain, so {@code
   * IOException.class} matches an {@code UncheckedIOException} around one), one of {@code types}.
   * Other failures end the call at once. Attempts cut off by the timeout are always retried. By
   * default every exception is retried.
   */
  @SafeVarargs
  public final ResilientCall<InputT, OutputT> withRetryOn(Class<? extends Throwable>... types) {
    require(types != null && types.length > 0, "retryOn needs at least one exception type");
    List<Class<? extends Throwable>> copy = new ArrayList<>();
    for (Class<? extends Throwable> t : types) {
      require(t != null, "retryOn types must not be null");
      copy.add(t);
    }
    List<Class<? extends Throwable>> list = Collections.unmodifiableList(copy);
    return with(s -> s.retryOn = list);
  }

  /**
   * Cuts off each attempt after {@code perAttempt}: a synchronous call's thread is interrupted, an
   * asynchronous call's future cancelled, and the attempt counts as a timeout (and is retried). A
   * synchronous function that ignores interruption keeps its thread busy after it is abandoned (its
   * result is ignored), and that thread is one of the {@code maxInFlight} threads that run
   * attempts: the service never sees more than {@code maxInFlight} attempts at once. When all of
   * them are busy, an attempt waits for one, and the wait counts towards its timeout. Default:
   * {@link #DEFAULT_TIMEOUT}.
   */
  public ResilientCall<InputT, OutputT> withTimeout(Duration perAttempt) {
    require(
        perAttempt != null && !perAttempt.isNegative() && !perAttempt.isZero(),
        "timeout must be positive, got " + perAttempt);
    return with(s -> s.timeout = perAttempt);
  }

  /**
   * When the attempts run out (or a failure is not retryable), emits {@code fallback(element)} on
   * {@link #results()} instead of a dead letter. If the fallback itself throws or returns null, the
   * element becomes a dead letter that says so. The fallback runs on the DoFn's thread: keep it
   * cheap.
   */
  public ResilientCall<InputT, OutputT> withFallback(
      SerializableFunction<InputT, OutputT> fallback) {
    require(fallback != null, "fallback must not be null");
    return with(s -> s.fallback = fallback);
  }

  /**
   * At most {@code n} calls in flight at once in one worker JVM (across all its threads; see the
   * class documentation). A DoFn that has {@code n} calls going waits before starting another. It
   * is also the number of threads that run synchronous attempts: at most {@code n} of them run at
   * once, an attempt abandoned at its timeout counting until its function returns.
   */
  public ResilientCall<InputT, OutputT> withMaxInFlight(int n) {
    require(n >= 1, "maxInFlight must be at least 1, got " + n);
    return with(s -> s.maxInFlight = n);
  }

  /**
   * At most {@code callsPerSecond} attempts per second in one worker JVM, spread evenly: a smooth
   * limiter grants one permit every {@code 1/callsPerSecond} seconds, without bursts. Retries count
   * as calls. Waiting for a permit holds no thread and does not count towards the timeout. A call
   * can start later than its permit (a stalled JVM, a busy machine), so any one second sees at most
   * {@code callsPerSecond + 1 + maxInFlight} calls start, and {@code callsPerSecond + 1} when
   * nothing stalls.
   */
  public ResilientCall<InputT, OutputT> withRateLimit(double callsPerSecond) {
    require(
        callsPerSecond > 0 && callsPerSecond <= 1e9 && !Double.isNaN(callsPerSecond),
        "rate limit must be more than 0 and at most 1e9 calls per second, got " + callsPerSecond);
    return with(s -> s.callsPerSecond = callsPerSecond);
  }

  /**
   * Shares the in-flight limit, the rate limit and the thread pool with every other call given the
   * same {@code name} and the same limits, in each worker JVM: for transforms that call one
   * service. By default each transform object has limits of its own.
   */
  public ResilientCall<InputT, OutputT> withSharedLimits(String name) {
    require(name != null && !name.isBlank(), "shared limits name must not be empty");
    return with(
        s -> {
          s.limitsName = name;
          s.sharedLimits = true;
        });
  }

  /** The coder of the results (needed unless it can be inferred from the function's type). */
  public ResilientCall<InputT, OutputT> withOutputCoder(Coder<OutputT> coder) {
    require(coder != null, "output coder must not be null");
    return new ResilientCall<>(settings, (inputCoder, registry) -> coder, resultsTag, failuresTag);
  }

  /**
   * The same call applied to the values of {@code KV<K, InputT>} pairs, each result and dead letter
   * keeping its element's key (as {@link FanOut} uses it to join results by id). Keeps every
   * setting, including the limits (shared with this transform's).
   */
  public <K> ResilientCall<KV<K, InputT>, KV<K, OutputT>> onValues() {
    Settings<KV<K, InputT>, KV<K, OutputT>> k = settings.keyed();
    OutputCoderRule<InputT, OutputT> valueRule = coderRule;
    OutputCoderRule<KV<K, InputT>, KV<K, OutputT>> rule =
        (inputCoder, registry) -> {
          if (!(inputCoder instanceof KvCoder)) {
            return null;
          }
          KvCoder<K, InputT> kv = (KvCoder<K, InputT>) inputCoder;
          Coder<OutputT> value = valueRule.coderFor(kv.getValueCoder(), registry);
          return value == null ? null : KvCoder.of(kv.getKeyCoder(), value);
        };
    return new ResilientCall<>(
        k,
        rule,
        new TupleTag<KV<K, OutputT>>("results") {},
        new TupleTag<CallFailure<KV<K, InputT>>>("failures") {});
  }

  int maxAttempts() {
    return settings.maxAttempts;
  }

  @Override
  public PCollectionTuple expand(PCollection<InputT> input) {
    Coder<OutputT> outputCoder =
        coderRule.coderFor(input.getCoder(), input.getPipeline().getCoderRegistry());
    if (outputCoder == null) {
      throw new IllegalStateException(
          "ResilientCall cannot infer the coder of its results: call withOutputCoder(...)");
    }
    PCollectionTuple out =
        input.apply(
            "Call",
            ParDo.of(new ResilientCallFn.CallFn<>(settings, resultsTag, failuresTag, bundlesTag))
                .withOutputTags(resultsTag, TupleTagList.of(failuresTag).and(bundlesTag)));
    out.get(resultsTag).setCoder(outputCoder);
    out.get(failuresTag).setCoder(CallFailure.coder(input.getCoder()));
    out.get(bundlesTag).setCoder(CallBundle.CODER);
    return out;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    Settings<InputT, OutputT> s = settings;
    Object fn = s.shownFn;
    builder
        .add(DisplayData.item("fn", fn.getClass()).withLabel("Call function"))
        .add(DisplayData.item("async", s.asyncFn != null).withLabel("Returns a CompletionStage"))
        .add(DisplayData.item("maxAttempts", s.maxAttempts).withLabel("Maximum attempts"))
        .add(
            DisplayData.item("initialBackoff", s.initialBackoff.toString())
                .withLabel("First retry delay"))
        .add(DisplayData.item("maxBackoff", s.maxBackoff.toString()).withLabel("Longest delay"))
        .add(DisplayData.item("jitter", s.jitter).withLabel("Jitter factor"))
        .add(
            DisplayData.item(
                    "retryOn",
                    s.retryOn.isEmpty()
                        ? "every exception"
                        : s.retryOn.stream().map(Class::getName).collect(Collectors.joining(",")))
                .withLabel("Retried failures"))
        .add(DisplayData.item("timeout", s.timeout.toString()).withLabel("Per-attempt timeout"))
        .add(DisplayData.item("maxInFlight", s.maxInFlight).withLabel("Calls in flight per JVM"))
        .addIfNotNull(
            DisplayData.item("rateLimit", s.callsPerSecond > 0 ? s.callsPerSecond : null)
                .withLabel("Calls per second per JVM"))
        .add(DisplayData.item("limits", s.limitsName).withLabel("Limits shared as"))
        .addIfNotNull(
            DisplayData.item("fallback", s.fallback == null ? null : s.fallback.getClass())
                .withLabel("Fallback"));
  }

  /** Finds the coder of the results given the input's coder; null when it cannot. */
  private interface OutputCoderRule<InputT, OutputT> extends Serializable {
    Coder<OutputT> coderFor(Coder<InputT> inputCoder, CoderRegistry registry);
  }

  private static <InputT, OutputT> OutputCoderRule<InputT, OutputT> inferredFrom(
      SerializableFunction<InputT, OutputT> fn) {
    return (inputCoder, registry) -> {
      try {
        TypeDescriptor<OutputT> type = TypeDescriptors.outputOf(fn);
        return type == null || type.hasUnresolvedParameters() ? null : registry.getCoder(type);
      } catch (CannotProvideCoderException | IllegalArgumentException | IllegalStateException e) {
        return null;
      }
    };
  }

  private static <InputT, OutputT> OutputCoderRule<InputT, OutputT> inferredFromBi(
      SerializableBiFunction<InputT, Integer, OutputT> fn) {
    return (inputCoder, registry) -> {
      try {
        TypeDescriptor<OutputT> type =
            TypeDescriptors.extractFromTypeParameters(
                fn,
                SerializableBiFunction.class,
                new TypeDescriptors.TypeVariableExtractor<
                    SerializableBiFunction<InputT, Integer, OutputT>, OutputT>() {});
        return type == null || type.hasUnresolvedParameters() ? null : registry.getCoder(type);
      } catch (CannotProvideCoderException | IllegalArgumentException | IllegalStateException e) {
        return null;
      }
    };
  }

  /** Everything the DoFn needs; copied, never changed once a transform holds it. */
  static final class Settings<InputT, OutputT> implements Serializable, Cloneable {
    private static final long serialVersionUID = 1L;

    /** The synchronous function, given the element and the attempt's number (from 1). */
    SerializableBiFunction<InputT, Integer, OutputT> syncFn;

    SerializableFunction<InputT, ? extends CompletionStage<OutputT>> asyncFn;

    /** The function as the user gave it, for display data. */
    Serializable shownFn;

    SerializableFunction<InputT, OutputT> fallback;
    int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    double jitter = DEFAULT_JITTER;
    List<Class<? extends Throwable>> retryOn = List.of();
    Duration timeout = DEFAULT_TIMEOUT;
    int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    double callsPerSecond;
    String limitsName;
    boolean sharedLimits;

    @SuppressWarnings("unchecked")
    Settings<InputT, OutputT> copy() {
      try {
        return (Settings<InputT, OutputT>) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }

    /** These settings for {@code KV<K, InputT>} elements: the functions see only the value. */
    <K> Settings<KV<K, InputT>, KV<K, OutputT>> keyed() {
      Settings<KV<K, InputT>, KV<K, OutputT>> k = new Settings<>();
      k.syncFn = syncFn == null ? null : onValueWithAttempt(syncFn);
      k.shownFn = shownFn;
      k.asyncFn = asyncFn == null ? null : onValueAsync(asyncFn);
      k.fallback = fallback == null ? null : onValue(fallback);
      k.maxAttempts = maxAttempts;
      k.initialBackoff = initialBackoff;
      k.maxBackoff = maxBackoff;
      k.jitter = jitter;
      k.retryOn = retryOn;
      k.timeout = timeout;
      k.maxInFlight = maxInFlight;
      k.callsPerSecond = callsPerSecond;
      k.limitsName = limitsName;
      k.sharedLimits = sharedLimits;
      return k;
    }
  }

  private static <K, I, O> SerializableFunction<KV<K, I>, KV<K, O>> onValue(
      SerializableFunction<I, O> fn) {
    return kv -> {
      O value = fn.apply(kv.getValue());
      return value == null ? null : KV.of(kv.getKey(), value);
    };
  }

  private static <K, I, O> SerializableBiFunction<KV<K, I>, Integer, KV<K, O>> onValueWithAttempt(
      SerializableBiFunction<I, Integer, O> fn) {
    return (kv, attempt) -> {
      O value = fn.apply(kv.getValue(), attempt);
      return value == null ? null : KV.of(kv.getKey(), value);
    };
  }

  private static <K, I, O> SerializableFunction<KV<K, I>, CompletionStage<KV<K, O>>> onValueAsync(
      SerializableFunction<I, ? extends CompletionStage<O>> fn) {
    return kv -> {
      CompletionStage<O> stage = fn.apply(kv.getValue());
      if (stage == null) {
        return null;
      }
      CompletableFuture<O> inner = stage.toCompletableFuture();
      CompletableFuture<KV<K, O>> keyed =
          inner.thenApply(value -> value == null ? null : KV.of(kv.getKey(), value));
      // A timeout cancels the stage it was given: pass that on to the call's own future.
      keyed.whenComplete(
          (v, e) -> {
            if (keyed.isCancelled()) {
              inner.cancel(true);
            }
          });
      return keyed;
    };
  }

  /** The function returned null (or a null stage): fails the call without retries. */
  static final class NullResultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NullResultException() {
      super("the call returned null");
    }
  }

  /** Why an attempt failed, in one line. */
  static String reasonOf(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof TimeoutExceededException) {
      Duration d = ((TimeoutExceededException) e).getTimeout().getConfig().getTimeout();
      return "timed out after " + d.toMillis() + " ms";
    }
    if (e instanceof NullResultException) {
      return e.getMessage();
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
