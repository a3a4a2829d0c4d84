package dev.parabeam.transforms.tasks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import dev.parabeam.transforms.engine.UnitSpan;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * The DoFn of {@link ResilientCall} and what it keeps per call: it starts calls asynchronously,
 * keeps up to {@code maxInFlight} waiting, and emits each when it finishes (see the transform's
 * documentation). About 330 lines: one DoFn's life cycle (setup, bundle, element, finish), kept
 * together.
 */
final class ResilientCallFn {
  private ResilientCallFn() {}

  /** What one element's call came to, filled in by the threads of the call. */
  static final class Pending<InputT, OutputT> {
    final InputT input;
    final Instant timestamp;
    final BoundedWindow window;
    final PaneInfo pane;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();

    /** The most attempts running in the JVM when one of this call's attempts started. */
    final AtomicInteger maxRunning = new AtomicInteger();

    private final LinkedBlockingQueue<Pending<InputT, OutputT>> done;
    OutputT result;
    Throwable error;

    Pending(
        InputT input,
        Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        LinkedBlockingQueue<Pending<InputT, OutputT>> done) {
      this.input = input;
      this.timestamp = timestamp;
      this.window = window;
      this.pane = pane;
      this.done = done;
    }

    /** Records the outcome and hands this to the DoFn's thread (the queue publishes the fields). */
    void complete(OutputT result, Throwable error) {
      this.result = result;
      this.error = error;
      done.add(this);
    }
  }

  /**
   * Starts calls asynchronously and emits them when they finish. Metrics are updated on the DoFn's
   * own thread only (Beam's metrics container belongs to it), when a finished call is emitted.
   */
  static final class CallFn<InputT, OutputT> extends DoFn<InputT, OutputT> {
    private static final long serialVersionUID = 1L;

    private final ResilientCall.Settings<InputT, OutputT> s;
    private final TupleTag<OutputT> resultsTag;
    private final TupleTag<CallFailure<InputT>> failuresTag;
    private final TupleTag<CallBundle> bundlesTag;

    private final Counter calls =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.CALLS);
    private final Counter attempts =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.ATTEMPTS);
    private final Counter retries =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.RETRIES);
    private final Counter timeouts =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.TIMEOUTS);
    private final Counter results =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.RESULTS);
    private final Counter fallbacks =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.FALLBACKS);
    private final Counter deadLetters =
        Metrics.counter(ResilientCall.METRICS_NAMESPACE, ResilientCall.DEAD_LETTERS);
    private final Distribution inFlight =
        Metrics.distribution(ResilientCall.METRICS_NAMESPACE, ResilientCall.IN_FLIGHT);
    private final Distribution running =
        Metrics.distribution(ResilientCall.METRICS_NAMESPACE, ResilientCall.RUNNING);
    private final Distribution waiting =
        Metrics.distribution(ResilientCall.METRICS_NAMESPACE, ResilientCall.WAITING);

    private transient CallLimits limits;
    private transient Timeout<OutputT> timeout;
    private transient Set<CompletableFuture<OutputT>> calling;
    // Per bundle: finished calls not yet emitted, and the count of started calls not yet taken
    // from `done`. Every finished call is emitted at the next element with its own timestamp,
    // window and pane, so no more than the calls in flight wait here.
    private transient LinkedBlockingQueue<Pending<InputT, OutputT>> done;
    private transient int outstanding;
    private transient boolean tornDown;
    // the bundle's start, its calls so far, and the window and time of its last element (where
    // its CallBundle goes, so the bundles share the input's windowing)
    private transient long bundleStart;
    private transient long bundleCalls;
    private transient BoundedWindow lastWindow;
    private transient Instant lastTimestamp;

    CallFn(
        ResilientCall.Settings<InputT, OutputT> s,
        TupleTag<OutputT> resultsTag,
        TupleTag<CallFailure<InputT>> failuresTag,
        TupleTag<CallBundle> bundlesTag) {
      this.s = s;
      this.resultsTag = resultsTag;
      this.failuresTag = failuresTag;
      this.bundlesTag = bundlesTag;
    }

    @Setup
    public void setup() {
      limits = CallLimits.use(s.limitsName, s.maxInFlight, s.callsPerSecond);
      timeout = Timeout.<OutputT>builder(s.timeout).withInterrupt().build();
      calling = ConcurrentHashMap.newKeySet();
    }

    @StartBundle
    public void startBundle() {
      done = new LinkedBlockingQueue<>();
      outstanding = 0;
      bundleStart = System.currentTimeMillis();
      bundleCalls = 0;
      lastWindow = null;
    }

    @ProcessElement
    public void processElement(
        @Element InputT element,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        MultiOutputReceiver out)
        throws InterruptedException {
      int now = limits.acquire();
      waiting.update(done.size());
      Pending<InputT, OutputT> p = new Pending<>(element, timestamp, window, pane, done);
      CompletableFuture<OutputT> call;
      try {
        call = start(p);
      } catch (RuntimeException e) {
        limits.release();
        throw e;
      }
      inFlight.update(now);
      calls.inc();
      bundleCalls++;
      lastWindow = window;
      lastTimestamp = timestamp;
      outstanding++;
      calling.add(call);
      call.whenComplete(
          (r, e) -> {
            calling.remove(call);
            // into `done` before the permit goes back: a call waiting there still holds its place,
            // so a DoFn never has more than maxInFlight calls in flight or waiting to be emitted
            p.complete(r, e);
            limits.release();
          });
      Pending<InputT, OutputT> finished;
      while ((finished = done.poll()) != null) {
        outstanding--;
        emit(finished, out, null);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext c) throws InterruptedException {
      while (outstanding > 0) {
        Pending<InputT, OutputT> p = done.take();
        outstanding--;
        emit(p, null, c);
      }
      if (bundleCalls > 0) {
        long end = Math.max(bundleStart, System.currentTimeMillis());
        c.output(
            bundlesTag,
            new CallBundle(UnitSpan.currentWorker(), bundleStart, end, bundleCalls),
            lastTimestamp,
            lastWindow);
      }
    }

    @Teardown
    public void teardown() {
      if (limits == null || tornDown) {
        return;
      }
      tornDown = true;
      // the fields stay: the callbacks of cancelled calls still give their permits back
      for (CompletableFuture<OutputT> call : calling) {
        call.cancel(true);
      }
      limits.unuse();
    }

    private CompletableFuture<OutputT> start(Pending<InputT, OutputT> p) {
      FailsafeExecutor<OutputT> executor = Failsafe.with(retryPolicy(p));
      if (s.callsPerSecond > 0) {
        executor = executor.compose(limits.<OutputT>rateLimiter());
      }
      executor = executor.compose(timeout).with(limits.dispatch());
      InputT input = p.input;
      return executor.getStageAsync(
          context -> {
            p.attempts.incrementAndGet();
            // Failsafe's count of the attempts before this one: the same on every worker
            int attempt = context.getAttemptCount() + 1;
            CompletionStage<OutputT> stage =
                s.syncFn != null ? onThread(input, attempt, p) : runningAsync(input, p);
            if (stage == null) {
              throw new ResilientCall.NullResultException();
            }
            return stage;
          });
    }

    /** Starts an asynchronous attempt, counted as running until its stage completes. */
    private CompletionStage<OutputT> runningAsync(InputT input, Pending<InputT, OutputT> p) {
      p.maxRunning.accumulateAndGet(limits.attemptStarted(), Math::max);
      CompletionStage<OutputT> stage;
      try {
        stage = s.asyncFn.apply(input);
      } catch (RuntimeException | Error e) {
        limits.attemptEnded();
        throw e;
      }
      if (stage == null) {
        limits.attemptEnded();
        return null;
      }
      stage.whenComplete((r, e) -> limits.attemptEnded());
      return stage;
    }

    /**
     * Runs the synchronous function on one of the limits' {@code maxInFlight} attempt threads, as a
     * future that a timeout can cancel: cancelling interrupts the thread and completes the future
     * at once, so the attempt is abandoned even if the function ignores the interrupt; its thread
     * stays busy (and counted as running) until the function really returns. An attempt cancelled
     * before a thread took it never runs.
     */
    private CompletableFuture<OutputT> onThread(
        InputT input, int attempt, Pending<InputT, OutputT> p) {
      CompletableFuture<OutputT> result = new CompletableFuture<>();
      ExecutorService threads = limits.attemptThreads();
      Future<?> task =
          threads.submit(
              () -> {
                p.maxRunning.accumulateAndGet(limits.attemptStarted(), Math::max);
                try {
                  OutputT r = s.syncFn.apply(input, attempt);
                  if (r == null) {
                    throw new ResilientCall.NullResultException();
                  }
                  result.complete(r);
                } catch (Throwable t) {
                  result.completeExceptionally(t);
                } finally {
                  limits.attemptEnded();
                }
              });
      result.whenComplete(
          (r, e) -> {
            if (result.isCancelled()) {
              task.cancel(true);
            }
          });
      return result;
    }

    /** One policy per call: its listener counts this call's timeouts. */
    private RetryPolicy<OutputT> retryPolicy(Pending<InputT, OutputT> p) {
      RetryPolicyBuilder<OutputT> b =
          RetryPolicy.<OutputT>builder()
              .handleIf((result, failure) -> failure != null && retryable(failure))
              .withMaxAttempts(s.maxAttempts)
              .onFailedAttempt(
                  e -> {
                    if (e.getLastException() instanceof TimeoutExceededException) {
                      p.timeouts.incrementAndGet();
                    }
                  });
      if (s.maxBackoff.compareTo(s.initialBackoff) > 0) {
        b.withBackoff(s.initialBackoff, s.maxBackoff);
      } else {
        b.withDelay(s.initialBackoff);
      }
      if (s.jitter > 0) {
        b.withJitter(s.jitter);
      }
      return b.build();
    }

    private boolean retryable(Throwable failure) {
      Throwable e = ResilientCall.unwrap(failure);
      if (e instanceof TimeoutExceededException) {
        return true;
      }
      if (e instanceof ResilientCall.NullResultException || e instanceof CancellationException) {
        return false;
      }
      if (s.retryOn.isEmpty()) {
        return true;
      }
      for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
        for (Class<? extends Throwable> type : s.retryOn) {
          if (type.isInstance(c)) {
            return true;
          }
        }
      }
      return false;
    }

    /** Counts one finished call and emits it: in processElement ({@code out}) or at the end. */
    private void emit(
        Pending<InputT, OutputT> p, MultiOutputReceiver out, FinishBundleContext context) {
      int n = p.attempts.get();
      attempts.inc(n);
      retries.inc(Math.max(0, n - 1));
      timeouts.inc(p.timeouts.get());
      if (p.maxRunning.get() > 0) {
        running.update(p.maxRunning.get());
      }
      OutputT value = p.result;
      String reason = null;
      if (p.error != null || value == null) {
        reason =
            ResilientCall.reasonOf(
                p.error == null ? new ResilientCall.NullResultException() : p.error);
        if (s.fallback != null) {
          try {
            value = s.fallback.apply(p.input);
            if (value == null) {
              reason = "the fallback returned null after: " + reason;
            }
          } catch (RuntimeException e) {
            value = null;
            reason = "the fallback failed (" + ResilientCall.reasonOf(e) + ") after: " + reason;
          }
        }
        if (value != null) {
          fallbacks.inc();
        }
      } else {
        results.inc();
      }
      if (value != null) {
        if (out != null) {
          out.get(resultsTag).outputWindowedValue(value, p.timestamp, List.of(p.window), p.pane);
        } else {
          context.output(resultsTag, value, p.timestamp, p.window);
        }
        return;
      }
      deadLetters.inc();
      CallFailure<InputT> failure = new CallFailure<>(p.input, reason, n);
      if (out != null) {
        out.get(failuresTag).outputWindowedValue(failure, p.timestamp, List.of(p.window), p.pane);
      } else {
        context.output(failuresTag, failure, p.timestamp, p.window);
      }
    }
  }
}
