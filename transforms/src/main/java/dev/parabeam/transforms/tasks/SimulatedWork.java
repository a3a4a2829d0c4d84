package dev.parabeam.transforms.tasks;

import java.util.concurrent.TimeUnit;

/**
 * The {@link TaskBody} of simulated tasks: a {@link Task.Kind#SLEEP} task waits {@code millis}, a
 * {@link Task.Kind#CPU} task computes for about {@code millis}; then the attempt fails as the
 * task's {@link Task.Fail} says: an {@link IllegalStateException}, or a {@link TaskCrash} (an
 * {@link Error}) for {@code error}.
 */
public enum SimulatedWork implements TaskBody {
  INSTANCE;

  @Override
  public void run(Task task, int attempt) throws InterruptedException {
    if (task.kind() == Task.Kind.SLEEP) {
      TimeUnit.MILLISECONDS.sleep(task.millis());
    } else {
      spin(task.millis());
    }
    if (!task.fail().fails(attempt)) {
      return;
    }
    switch (task.fail().mode()) {
      case TRANSIENT:
        throw new IllegalStateException("transient failure " + attempt + " of " + task.fail().k());
      case PERMANENT:
        throw new IllegalStateException("permanent failure");
      default:
        throw new TaskCrash("the task crashed");
    }
  }

  private static volatile long sink;

  /** A compute loop for about {@code millis} of this thread's time. */
  private static void spin(long millis) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long x = 1;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 10_000; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
    }
    sink = x;
  }

  /** The {@link Error} a simulated crashing task throws. */
  public static final class TaskCrash extends Error {
    private static final long serialVersionUID = 1L;

    public TaskCrash(String message) {
      super(message);
    }
  }
}
