package dev.parabeam.transforms.tasks;

import java.io.Serializable;

/**
 * One attempt of a task on a {@link TaskPool} worker: the task, the worker, {@code seq} (the
 * attempt's place among all the attempts that worker made, from 0), the attempt number (from 1),
 * start and end in milliseconds since the pool's start, and the error (null when it succeeded).
 */
public record TaskAttempt(
    String taskId, int worker, int seq, int attempt, long startMs, long endMs, String error)
    implements Serializable {
  public boolean succeeded() {
    return error == null;
  }
}
