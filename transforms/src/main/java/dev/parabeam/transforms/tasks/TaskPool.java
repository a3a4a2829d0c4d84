package dev.parabeam.transforms.tasks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * A prioritised worker pool: runs every task on one of {@code workers} workers, the urgent ones
 * first on every worker, retrying failed attempts, and emits one {@link TaskOutcome} per task.
 *
 * <pre>
 * tasks ─► Gather (one key) ─► Deal (TaskDeal: one list per worker) ─► ToWorkers (GroupByKey,
 *   exactly `workers` keys) ─► RunWorkers (each worker its list, in order, retries) ─► outcomes
 * </pre>
 *
 * <h3>What is promised</h3>
 *
 * <ul>
 *   <li>On each worker a task starts only after every more urgent task dealt to that worker has
 *       started (and finished: a worker runs one task at a time). Tasks are dealt by {@link
 *       TaskDeal}: most urgent first, longest first within a priority, to the least loaded worker.
 *   <li>Across workers there is no global order: a priority-2 task on an idle worker may start
 *       before a priority-1 task queued behind a long one on another. A global order would need a
 *       central queue that every worker asks for its next task (a stateful, single-key step or a
 *       service outside the pipeline), which serialises the dealing and gives up the runner's retry
 *       of a worker's whole bundle; this pool does not provide one.
 *   <li>A failed attempt (any {@link Exception}, or an {@link Error} other than {@link
 *       VirtualMachineError}) is retried on the same worker, with exponential backoff, up to {@code
 *       maxAttempts} attempts; then the task is recorded as failed with the last reason and the
 *       worker goes on. A {@link VirtualMachineError} fails the bundle: the runner's business.
 *   <li>Every task gives exactly one outcome. Outcomes are elements, not side effects: when a
 *       runner retries a worker's bundle (a lost TaskManager), the tasks run again and only the
 *       committed outcomes reach later steps, so files written from them hold every task once. The
 *       tasks themselves run at least once: a task's own side effects must be idempotent.
 * </ul>
 *
 * <p>Times are milliseconds since {@code startMillis} (epoch ms), which the caller passes in: every
 * worker measures from the same origin.
 *
 * <p>Metrics (namespace {@value #METRICS_NAMESPACE}): {@value #TASKS}, {@value #ATTEMPTS}, {@value
 * #RETRIES}, {@value #FAILED}.
 *
 * <p>Immutable: every {@code withX} returns a new transform and checks its argument.
 */
public final class TaskPool extends PTransform<PCollection<Task>, PCollection<TaskOutcome>> {
  private static final long serialVersionUID = 1L;

  public static final String METRICS_NAMESPACE = "TaskPool";
  public static final String TASKS = "tasks";
  public static final String ATTEMPTS = "attempts";
  public static final String RETRIES = "retries";
  public static final String FAILED = "failed";

  private final int workers;
  private final TaskBody body;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final long startMillis;
  private final int[] workerKeys;

  private TaskPool(
      int workers,
      TaskBody body,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      long startMillis,
      int[] workerKeys) {
    this.workers = workers;
    this.body = body;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.startMillis = startMillis;
    this.workerKeys = workerKeys;
  }

  /**
   * A pool of {@code workers} workers running {@code body}; 3 attempts, backoff 20 ms doubling to
   * 500 ms, times from the moment this is called.
   */
  public static TaskPool of(int workers, TaskBody body) {
    require(workers >= 1, "workers must be at least 1, got " + workers);
    require(body != null, "body must not be null");
    return new TaskPool(
        workers,
        body,
        3,
        Duration.ofMillis(20),
        Duration.ofMillis(500),
        System.currentTimeMillis(),
        null);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** At most {@code n} attempts per task (1: no retry). */
  public TaskPool withMaxAttempts(int n) {
    require(n >= 1, "maxAttempts must be at least 1, got " + n);
    return new TaskPool(workers, body, n, initialBackoff, maxBackoff, startMillis, workerKeys);
  }

  /** Waits {@code initial} before the first retry, doubling up to {@code max}. */
  public TaskPool withBackoff(Duration initial, Duration max) {
    require(
        initial != null && max != null && !initial.isNegative() && max.compareTo(initial) >= 0,
        "backoff: need 0 <= initial <= max, got " + initial + ", " + max);
    return new TaskPool(workers, body, maxAttempts, initial, max, startMillis, workerKeys);
  }

  /** The origin of every time the pool records, in epoch milliseconds (the job's start). */
  public TaskPool withStartMillis(long epochMillis) {
    return new TaskPool(
        workers, body, maxAttempts, initialBackoff, maxBackoff, epochMillis, workerKeys);
  }

  /**
   * The shuffle key of each worker ({@code keys[w]} for worker {@code w}; distinct), e.g. keys that
   * a runner's hash partitioning sends to distinct subtasks. Default: 0 to workers - 1.
   */
  public TaskPool withWorkerKeys(int[] keys) {
    require(keys != null && keys.length == workers, "need one key per worker");
    Set<Integer> distinct = new HashSet<>();
    for (int k : keys) {
      require(distinct.add(k), "worker keys must be distinct: " + Arrays.toString(keys));
    }
    return new TaskPool(
        workers, body, maxAttempts, initialBackoff, maxBackoff, startMillis, keys.clone());
  }

  @Override
  public PCollection<TaskOutcome> expand(PCollection<Task> tasks) {
    int[] keys = workerKeys;
    if (keys == null) {
      keys = new int[workers];
      Arrays.setAll(keys, w -> w);
    }
    SerializableCoder<Task> task = SerializableCoder.of(Task.class);
    KvCoder<Integer, List<Task>> dealt = KvCoder.of(VarIntCoder.of(), ListCoder.of(task));
    return tasks
        .apply("Gather", WithKeys.of(0))
        .setCoder(KvCoder.of(VarIntCoder.of(), task))
        .apply("AllTasks", GroupByKey.create())
        .apply("Deal", ParDo.of(new DealFn(workers, keys)))
        .setCoder(dealt)
        .apply("ToWorkers", GroupByKey.create())
        .apply(
            "RunWorkers",
            ParDo.of(
                new RunWorkerFn(body, keys, maxAttempts, initialBackoff, maxBackoff, startMillis)))
        .setCoder(SerializableCoder.of(TaskOutcome.class));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("workers", workers).withLabel("Workers"))
        .add(DisplayData.item("maxAttempts", maxAttempts).withLabel("Attempts per task"))
        .add(DisplayData.item("body", body.getClass()).withLabel("Task body"));
  }

  /** All the tasks in, one list per worker out (keyed by the worker's key). */
  static final class DealFn extends DoFn<KV<Integer, Iterable<Task>>, KV<Integer, List<Task>>> {
    private static final long serialVersionUID = 1L;
    private final int workers;
    private final int[] keys;

    DealFn(int workers, int[] keys) {
      this.workers = workers;
      this.keys = keys;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Task>> all, OutputReceiver<KV<Integer, List<Task>>> out) {
      List<Task> tasks = new ArrayList<>();
      all.getValue().forEach(tasks::add);
      List<List<Task>> dealt = TaskDeal.deal(tasks, workers);
      for (int w = 0; w < workers; w++) {
        if (!dealt.get(w).isEmpty()) {
          out.output(KV.of(keys[w], dealt.get(w)));
        }
      }
    }
  }

  /** One worker: its tasks in order, each with retries; an outcome per task. */
  static final class RunWorkerFn extends DoFn<KV<Integer, Iterable<List<Task>>>, TaskOutcome> {
    private static final long serialVersionUID = 1L;
    private final TaskBody body;
    private final int[] keys;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final long startMillis;
    private final Counter tasks = Metrics.counter(METRICS_NAMESPACE, TASKS);
    private final Counter attempts = Metrics.counter(METRICS_NAMESPACE, ATTEMPTS);
    private final Counter retries = Metrics.counter(METRICS_NAMESPACE, RETRIES);
    private final Counter failed = Metrics.counter(METRICS_NAMESPACE, FAILED);
    private transient FailsafeExecutor<Object> executor;

    RunWorkerFn(
        TaskBody body,
        int[] keys,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        long startMillis) {
      this.body = body;
      this.keys = keys;
      this.maxAttempts = maxAttempts;
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      this.startMillis = startMillis;
    }

    @Setup
    public void setup() {
      var b = RetryPolicy.builder().handle(AttemptFailed.class).withMaxAttempts(maxAttempts);
      if (maxBackoff.compareTo(initialBackoff) > 0) {
        b.withBackoff(initialBackoff, maxBackoff);
      } else {
        b.withDelay(initialBackoff);
      }
      executor = Failsafe.with(b.build());
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<List<Task>>> dealt, OutputReceiver<TaskOutcome> out) {
      int worker = workerOf(dealt.getKey());
      List<Task> mine = new ArrayList<>();
      dealt.getValue().forEach(mine::addAll);
      int[] seq = {0};
      for (Task task : mine) {
        List<TaskAttempt> log = new ArrayList<>();
        try {
          executor.run(
              ctx -> {
                TaskAttempt a = attempt(task, worker, seq[0]++, ctx.getAttemptCount() + 1);
                log.add(a);
                if (!a.succeeded()) {
                  throw new AttemptFailed(a);
                }
              });
        } catch (AttemptFailed e) {
          // the last attempt failed: the log has its reason
        }
        TaskOutcome outcome = new TaskOutcome(task, worker, log);
        tasks.inc();
        attempts.inc(log.size());
        retries.inc(log.size() - 1);
        if (!outcome.succeeded()) {
          failed.inc();
        }
        out.output(outcome);
      }
    }

    private int workerOf(int key) {
      for (int w = 0; w < keys.length; w++) {
        if (keys[w] == key) {
          return w;
        }
      }
      throw new IllegalStateException("no worker has key " + key);
    }

    /** Runs one attempt and returns its record (with the error when it failed). */
    private TaskAttempt attempt(Task task, int worker, int seq, int n) {
      long start = System.currentTimeMillis() - startMillis;
      String error = null;
      try {
        body.run(task, n);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while running task " + task.id(), e);
      } catch (Throwable t) {
        error = reasonOf(t);
      }
      return new TaskAttempt(
          task.id(), worker, seq, n, start, System.currentTimeMillis() - startMillis, error);
    }
  }

  /** What a failure says: its class's simple name and its message. */
  static String reasonOf(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
  }

  /** A failed attempt, carrying its record, for the retry policy. */
  static final class AttemptFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient TaskAttempt attempt;

    AttemptFailed(TaskAttempt attempt) {
      super(attempt.error(), null, false, false);
      this.attempt = attempt;
    }
  }
}
