package dev.parabeam.pipelines.cluster;

import java.io.PrintStream;
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
