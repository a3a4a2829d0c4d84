package dev.parabeam.transforms.tasks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * How a {@link TaskPool} deals tasks to its workers, before any runs: most urgent first, and within
 * a priority the longest ({@code millis}) first, each to the worker with the least work dealt so
 * far (the lowest-numbered on a tie). A worker runs its tasks in the order they were dealt, which
 * is priority order. Deterministic: the same tasks give the same deal, whatever their input order.
 *
 * <p>Every worker thus starts with the most urgent tasks (when there are at least as many of them
 * as workers), and the expected work of the workers differs by at most one task's {@code millis}
 * (greedy longest-first scheduling).
 */
public final class TaskDeal {
  /** The order tasks are dealt in, and each worker runs its own: priority, longest, id. */
  public static final Comparator<Task> ORDER =
      Comparator.comparingInt(Task::priority)
          .thenComparing(Comparator.comparingLong(Task::millis).reversed())
          .thenComparing(Task::id);

  private TaskDeal() {}

  /** The tasks of each of {@code workers} workers, each list in the order its worker runs it. */
  public static List<List<Task>> deal(Collection<Task> tasks, int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    List<Task> sorted = new ArrayList<>(tasks);
    sorted.sort(ORDER);
    List<List<Task>> out = new ArrayList<>();
    long[] load = new long[workers];
    for (int w = 0; w < workers; w++) {
      out.add(new ArrayList<>());
    }
    for (Task t : sorted) {
      int least = 0;
      for (int w = 1; w < workers; w++) {
        if (load[w] < load[least]) {
          least = w;
        }
      }
      out.get(least).add(t);
      load[least] += t.millis();
    }
    return out;
  }
}
