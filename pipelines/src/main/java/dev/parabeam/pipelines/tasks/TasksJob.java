package dev.parabeam.pipelines.tasks;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.LocalFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code tasks}: a prioritised task pool ({@link dev.parabeam.transforms.tasks.TaskPool}). Reads a
 * CSV of tasks before the pipeline (bad records are dead letters), deals them to {@code --workers}
 * workers, runs each worker's tasks in priority order with retries, and writes {@code tasks.csv}
 * (one row per task, by id), {@code attempts.csv} (one row per attempt, by worker and order) and
 * {@code dead-letters.csv} from the pipeline's final outcomes.
 */
public final class TasksJob implements Job<TasksOptions> {
  public static final TasksJob INSTANCE = new TasksJob();
  static final String DEFAULT_INPUT = "testdata/tasks/tasks.csv";
  static final String TASKS = "tasks.csv";
  static final String ATTEMPTS = "attempts.csv";
  static final String DEAD_LETTERS = "dead-letters.csv";

  @Override
  public String name() {
    return "tasks";
  }

  @Override
  public String summary() {
    return "a prioritised task pool: urgent tasks first on every worker, failed attempts retried,"
        + " every task accounted for";
  }

  @Override
  public Class<TasksOptions> optionsClass() {
    return TasksOptions.class;
  }

  @Override
  public String usage() {
    return "tasks [--input=FILE] --output=DIR [--workers=N] [--maxAttempts=N]"
        + " [--runner=DirectRunner|FlinkRunner]";
  }

  @Override
  public Map<String, String> defaults() {
    // --maxAttempts: not a Beam @Default, which must agree across every options interface of a JVM
    return Map.of("input", DEFAULT_INPUT, "workers", "4", "maxAttempts", "3");
  }

  @Override
  public void validate(TasksOptions o) {
    if (o.getWorkers() != null && o.getWorkers() < 1) {
      throw new UsageException("--workers must be at least 1, got " + o.getWorkers());
    }
    if (o.getMaxAttempts() == null || o.getMaxAttempts() < 1) {
      throw new UsageException("--maxAttempts must be at least 1, got " + o.getMaxAttempts());
    }
  }

  @Override
  public Job.Run prepare(TasksOptions o, int parallelism, Path output) throws IOException {
    String given = o.getInput() == null ? DEFAULT_INPUT : o.getInput();
    List<Path> files = LocalFiles.match(LocalFiles.orBundled(given, DEFAULT_INPUT));
    for (Path f : files) {
      if (f.toRealPath().startsWith(output)) {
        throw new UsageException("--output=" + o.getOutput() + " holds the input file " + f);
      }
    }
    int workers = o.getWorkers() != null ? o.getWorkers() : parallelism;
    return new TasksRun(o, given, TasksInput.read(files), workers, parallelism);
  }
}
