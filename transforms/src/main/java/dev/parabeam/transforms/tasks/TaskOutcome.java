package dev.parabeam.transforms.tasks;

import java.io.Serializable;
import java.util.List;

/**
 * What became of one task in a {@link TaskPool}: the worker that ran it, every attempt in order,
 * and whether the last one succeeded (its error otherwise).
 */
public record TaskOutcome(Task task, int worker, List<TaskAttempt> attempts)
    implements Serializable {
  public TaskOutcome {
    if (attempts.isEmpty()) {
      throw new IllegalArgumentException("task " + task.id() + " has no attempt");
    }
    attempts = List.copyOf(attempts);
  }

  public boolean succeeded() {
    return last().succeeded();
  }

  /** The last attempt's error; null when the task succeeded. */
  public String error() {
    return last().error();
  }

  /** When the first attempt started, in ms since the pool's start (the task's wait). */
  public long startMs() {
    return attempts.get(0).startMs();
  }

  /** When the last attempt ended, in ms since the pool's start. */
  public long endMs() {
    return last().endMs();
  }

  private TaskAttempt last() {
    return attempts.get(attempts.size() - 1);
  }
}
