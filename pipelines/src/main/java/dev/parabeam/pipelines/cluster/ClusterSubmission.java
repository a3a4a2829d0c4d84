package dev.parabeam.pipelines.cluster;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A job submitted to a Flink cluster ({@code --flinkMaster=host:port}) while the client waits for
 * it: prints the job's id and web UI page once the cluster has it, and cancels it on the cluster if
 * the client is stopped first (Ctrl-C, SIGTERM), so an abandoned job does not keep its slots. The
 * job is found by its name, which Beam makes unique per run ({@code --jobName}).
 */
public final class ClusterSubmission implements AutoCloseable {
  private static final long POLL_MILLIS = 250;

  private final FlinkRest rest;
  private final String name;
  private final PrintStream out;
  private final Thread watcher;
  private final Thread onStop;
  private volatile String id;
  private volatile boolean done;

  private ClusterSubmission(FlinkRest rest, String name, PrintStream out) {
    this.rest = rest;
    this.name = name;
    this.out = out;
    this.watcher = new Thread(this::watch, "parabeam-cluster-job-watch");
    this.watcher.setDaemon(true);
    this.onStop = new Thread(this::cancelIfRunning, "parabeam-cluster-job-cancel");
  }

  /** Watches the run about to be submitted; empty unless the options name a remote cluster. */
  public static Optional<ClusterSubmission> watch(PipelineOptions options, PrintStream out) {
    Optional<FlinkRest> rest = FlinkMasterCheck.remote(options);
    if (rest.isEmpty()) {
      return Optional.empty();
    }
    ClusterSubmission s = new ClusterSubmission(rest.get(), options.getJobName(), out);
    Runtime.getRuntime().addShutdownHook(s.onStop);
    s.watcher.start();
    return Optional.of(s);
  }

  /** At most one REST call for progress per this many milliseconds. */
  private static final long PROGRESS_POLL_MILLIS = 1_000;

  private long progressPolled;
  private String tasks;

  /**
   * The job's state and how many of its tasks have finished, as the cluster's REST API tells it
   * ({@code RUNNING, 6 of 28 tasks finished on the cluster}); null until the cluster lists the job.
   * Asks at most once a second; for the progress bar's thread. (Beam's own counters, the bytes
   * parsed, reach the client only with the job's end: the Flink batch runner hands them to Flink as
   * an accumulator when a task finishes, not as live metrics.)
   */
  public synchronized String tasks() {
    String known = id;
    long now = System.currentTimeMillis();
    if (known != null && now - progressPolled >= PROGRESS_POLL_MILLIS) {
      progressPolled = now;
      tasks = rest.taskProgress(known).map(t -> t + " on the cluster").orElse(tasks);
    }
    return tasks;
  }

  /** The job's id once the cluster has listed it. */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  private void watch() {
    while (!done && id == null) {
      Optional<FlinkRest.Job> j = rest.job(name);
      if (j.isPresent()) {
        id = j.get().id();
        out.println("submitted: Flink job " + id + " (" + name + ")");
        out.println("web UI:    " + rest.jobUrl(id));
        return;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void cancelIfRunning() {
    if (done) {
      return;
    }
    String known = id;
    Optional<FlinkRest.Job> j =
        known != null
            ? rest.jobs().stream().filter(x -> x.id().equals(known)).findFirst()
            : rest.job(name);
    if (j.isPresent() && !j.get().finished() && rest.cancel(j.get().id())) {
      System.err.println(
          "stopped: cancelled Flink job "
              + j.get().id()
              + " on the cluster ("
              + rest.webUrl()
              + ")");
    }
  }

  /**
   * After {@code p.run()} or {@code waitUntilFinish} threw (the client lost contact: a REST
   * timeout, a JobManager failover): makes sure the job runs no more before the launcher removes
   * staging and releases the output lock. Finds the job (by id, or by its name if the watcher had
   * not seen it yet), cancels it if it still runs, and waits for it to end, at most {@code wait}.
   *
   * @return what the launcher says about it, and whether the job has ended (false: it may still
   *     run, or the cluster does not answer)
   */
  public Ending endAfterClientFailure(Duration wait) {
    Optional<FlinkRest.Job> seen = rest.find(id, name);
    if (seen.isEmpty()) {
      return new Ending(false, id, "the cluster at " + rest.address() + " does not answer");
    }
    String known = seen.get().id();
    if (seen.get().finished()) {
      return new Ending(true, known, ""); // ended, or (no id) never submitted
    }
    if (!rest.cancel(known)) {
      return new Ending(
          false, known, "the cluster at " + rest.address() + " did not accept the cancel");
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      seen = rest.find(known, name);
      if (seen.isPresent() && seen.get().finished()) {
        return new Ending(true, known, "cancelled Flink job " + known + " on the cluster");
      }
      if (System.nanoTime() > deadline) {
        return new Ending(
            false,
            known,
            "asked the cluster at "
                + rest.address()
                + " to cancel it, but it has not ended after "
                + wait.toSeconds()
                + " s");
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Ending(false, known, "interrupted while waiting for it to end");
      }
    }
  }

  /**
   * How a job ended after its client failed: {@code ended} true if it runs no more (or was never
   * submitted); {@code id} if known; {@code said} what the launcher adds to its error line ("" for
   * nothing).
   */
  public record Ending(boolean ended, String id, String said) {}

  /**
   * Whether the job a run lost contact with (on {@code master}, host:port, named {@code name}, with
   * {@code id} if known) may still run: empty if the cluster answers and the job has ended (or the
   * cluster does not know it), else why it may still run. For the next run into the same output.
   */
  public static Optional<String> mayStillRun(String master, String name, String id) {
    int colon = master.lastIndexOf(':');
    FlinkRest rest;
    try {
      rest =
          new FlinkRest(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)));
    } catch (RuntimeException e) {
      return Optional.of("its cluster address " + master + " cannot be read");
    }
    Optional<FlinkRest.Job> seen = rest.find(id == null || id.isEmpty() ? null : id, name);
    if (seen.isEmpty()) {
      return Optional.of("the cluster at " + master + " does not answer");
    }
    return seen.get().finished()
        ? Optional.empty()
        : Optional.of("it is " + seen.get().state() + " on " + master);
  }

  /** The job's name ({@code --jobName}). */
  public String name() {
    return name;
  }

  /** The cluster's address, host:port. */
  public String master() {
    return rest.address();
  }

  /** The client saw the job end (or fail): nothing to cancel any more. */
  @Override
  public void close() {
    done = true;
    watcher.interrupt();
    try {
      Runtime.getRuntime().removeShutdownHook(onStop);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (and finds the job ended or cancels it)
    }
  }
}
