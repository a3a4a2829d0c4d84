package dev.parabeam.transforms.tasks;

import java.io.Serializable;

/**
 * What a {@link TaskPool} worker does for one attempt of a task. Throwing anything but a {@link
 * VirtualMachineError} fails the attempt (the pool retries it); returning completes the task.
 */
@FunctionalInterface
public interface TaskBody extends Serializable {
  /** Runs attempt {@code attempt} (1-based) of {@code task}. */
  void run(Task task, int attempt) throws Exception;
}
