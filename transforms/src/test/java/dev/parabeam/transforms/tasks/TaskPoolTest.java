package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

/** {@link TaskPool} on the DirectRunner: order per worker, retries, every task once. */
public class TaskPoolTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  static final String[] FAILS = {
    "none", "none", "none", "transient:1", "transient:2", "transient:5", "permanent", "error"
  };

  static List<Task> randomTasks(long seed, int n) {
    Random rnd = new Random(seed);
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(
          new Task(
              "t" + i,
              1 + rnd.nextInt(3),
              rnd.nextBoolean() ? Task.Kind.SLEEP : Task.Kind.CPU,
              rnd.nextInt(4),
              Task.Fail.parse(FAILS[rnd.nextInt(FAILS.length)])));
    }
    return tasks;
  }

  /**
   * Checks the outcomes of {@code tasks} on {@code workers} workers with {@code maxAttempts}: each
   * task once, attempts as its failure mode says, and on each worker the attempts in priority
   * order, a task's retries before the next task.
   */
  static Void check(
      Iterable<TaskOutcome> outcomes, List<Task> tasks, int workers, int maxAttempts) {
    Map<String, TaskOutcome> byId = new HashMap<>();
    Map<Integer, List<TaskAttempt>> byWorker = new TreeMap<>();
    for (TaskOutcome o : outcomes) {
      assertThat("task " + o.task().id() + " twice", byId.put(o.task().id(), o), nullValue());
      assertThat(o.worker(), lessThan(workers));
      for (TaskAttempt a : o.attempts()) {
        assertThat(a.worker(), is(o.worker()));
        assertThat(a.taskId(), is(o.task().id()));
        byWorker.computeIfAbsent(a.worker(), w -> new ArrayList<>()).add(a);
      }
    }
    assertThat(new TreeSet<>(byId.keySet()), equalTo(ids(tasks)));
    Map<String, Integer> priority = new HashMap<>();
    for (Task t : tasks) {
      priority.put(t.id(), t.priority());
      TaskOutcome o = byId.get(t.id());
      int n = o.attempts().size();
      for (int i = 0; i < n; i++) {
        assertThat(o.attempts().get(i).attempt(), is(i + 1));
        assertThat(o.attempts().get(i).succeeded(), is(i == n - 1 && o.succeeded()));
      }
      switch (t.fail().mode()) {
        case NONE:
          assertThat(t.id(), n, is(1));
          assertThat(o.succeeded(), is(true));
          break;
        case TRANSIENT:
          assertThat(t.id(), n, is(Math.min(t.fail().k() + 1, maxAttempts)));
          assertThat(o.succeeded(), is(t.fail().k() < maxAttempts));
          if (!o.succeeded()) {
            assertThat(o.error(), containsString("IllegalStateException: transient failure"));
          }
          break;
        case PERMANENT:
          assertThat(t.id(), n, is(maxAttempts));
          assertThat(o.error(), is("IllegalStateException: permanent failure"));
          break;
        default:
          assertThat(t.id(), n, is(maxAttempts));
          assertThat(o.error(), is("TaskCrash: the task crashed"));
      }
    }
    for (List<TaskAttempt> log : byWorker.values()) {
      log.sort(Comparator.comparingInt(TaskAttempt::seq));
      for (int i = 0; i < log.size(); i++) {
        TaskAttempt a = log.get(i);
        assertThat(a.seq(), is(i));
        assertThat(a.endMs(), greaterThanOrEqualTo(a.startMs()));
        if (i > 0) {
          TaskAttempt b = log.get(i - 1);
          assertThat(a.startMs(), greaterThanOrEqualTo(b.endMs()));
          assertThat(priority.get(a.taskId()), greaterThanOrEqualTo(priority.get(b.taskId())));
          // a task's attempts follow each other: a retry before the next task
          if (!a.taskId().equals(b.taskId())) {
            assertThat(a.attempt(), is(1));
          } else {
            assertThat(a.attempt(), is(b.attempt() + 1));
          }
        }
      }
    }
    return null;
  }

  static TreeSet<String> ids(List<Task> tasks) {
    TreeSet<String> ids = new TreeSet<>();
    tasks.forEach(t -> ids.add(t.id()));
    return ids;
  }

  private PCollection<TaskOutcome> pool(List<Task> tasks, TaskPool pool) {
    return pipeline
        .apply("Tasks", Create.of(tasks).withCoder(SerializableCoder.of(Task.class)))
        .apply("Pool", pool);
  }

  @Test
  public void randomTaskSetsHoldPriorityOrderRetriesAndAccounting() {
    int[][] shapes = {{1, 3, 30}, {4, 3, 80}, {3, 1, 25}, {6, 4, 50}};
    for (int i = 0; i < shapes.length; i++) {
      int workers = shapes[i][0];
      int maxAttempts = shapes[i][1];
      List<Task> tasks = randomTasks(100 + i, shapes[i][2]);
      PCollection<TaskOutcome> out =
          pipeline
              .apply("Tasks" + i, Create.of(tasks).withCoder(SerializableCoder.of(Task.class)))
              .apply(
                  "Pool" + i,
                  TaskPool.of(workers, SimulatedWork.INSTANCE)
                      .withMaxAttempts(maxAttempts)
                      .withBackoff(Duration.ofMillis(1), Duration.ofMillis(4)));
      PAssert.that(out).satisfies(o -> check(o, tasks, workers, maxAttempts));
    }
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void noTasksNoOutcomes() {
    PAssert.that(pool(List.of(), TaskPool.of(3, SimulatedWork.INSTANCE))).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void timesAreFromTheGivenStart() {
    List<Task> tasks = List.of(new Task("a", 1, Task.Kind.SLEEP, 1, Task.Fail.NONE));
    long start = System.currentTimeMillis() - 3_600_000;
    PAssert.that(pool(tasks, TaskPool.of(1, SimulatedWork.INSTANCE).withStartMillis(start)))
        .satisfies(
            o -> {
              TaskOutcome only = o.iterator().next();
              assertThat(only.startMs(), greaterThanOrEqualTo(3_600_000L));
              assertThat(only.startMs(), lessThanOrEqualTo(only.endMs()));
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  static final AtomicInteger VM_ERRORS = new AtomicInteger();

  @Test
  public void aVirtualMachineErrorIsNotRetriedButFailsTheRun() {
    VM_ERRORS.set(0);
    List<Task> tasks = List.of(new Task("oom", 1, Task.Kind.SLEEP, 0, Task.Fail.NONE));
    pool(
        tasks,
        TaskPool.of(
                1,
                (t, n) -> {
                  VM_ERRORS.incrementAndGet();
                  throw new OutOfMemoryError("simulated");
                })
            .withMaxAttempts(5));
    Throwable e = assertThrows(Throwable.class, () -> pipeline.run().waitUntilFinish());
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    assertThat(root.getMessage(), is("simulated"));
    // the DirectRunner does not retry a failed bundle: one attempt, not five
    assertThat(VM_ERRORS.get(), is(1));
  }

  @Test
  public void refusesBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> TaskPool.of(0, SimulatedWork.INSTANCE));
    TaskPool p = TaskPool.of(2, SimulatedWork.INSTANCE);
    assertThrows(IllegalArgumentException.class, () -> p.withMaxAttempts(0));
    assertThrows(IllegalArgumentException.class, () -> p.withWorkerKeys(new int[] {1, 1}));
    assertThrows(IllegalArgumentException.class, () -> p.withWorkerKeys(new int[] {1}));
    assertThrows(
        IllegalArgumentException.class,
        () -> p.withBackoff(Duration.ofMillis(5), Duration.ofMillis(1)));
  }
}
