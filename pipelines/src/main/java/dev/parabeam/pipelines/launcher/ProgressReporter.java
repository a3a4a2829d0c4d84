package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.cluster.ClusterSubmission;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * {@code --progress=auto|on|off} while a run runs. Work done comes from the running pipeline's live
 * Beam metrics (the counter {@code bytes_parsed} of the CSV jobs, which the DirectRunner answers
 * while it runs); a runner that gives no result until the job ends (the FlinkRunner, whose {@code
 * run} waits for the job) shows the elapsed time and the state only. On a terminal: a bar
 * (me.tongfei:progressbar) redrawn at most 5 times a second and completed at the end; elsewhere
 * ({@code on} into a pipe or a log) a plain {@link Progress#line} at most every 10 s. {@code auto}
 * draws only on a terminal: run.sh tells (PARABEAM_STDERR_TTY), else a console.
 */
final class ProgressReporter implements AutoCloseable {
  static final long BAR_MILLIS = 200;
  static final long LINE_MILLIS = 10_000;

  private final AtomicReference<PipelineResult> running;
  private final LongSupplier localDone;
  // the job on a cluster, whose REST API tells its tasks (null: the run is not on a cluster)
  private final ClusterSubmission cluster;
  private final long total;
  private final Job.ProgressCounter counter;
  private final LongSupplier clock;
  private final long start;
  private final boolean terminal;
  private final PrintStream err;
  private final String task;
  private final Thread thread;
  private volatile boolean stopped;
  private ProgressBar bar;

  private ProgressReporter(
      String task,
      AtomicReference<PipelineResult> running,
      LongSupplier localDone,
      ClusterSubmission cluster,
      long total,
      Job.ProgressCounter counter,
      boolean terminal,
      PrintStream err) {
    this.counter = counter;
    this.task = task;
    this.running = running;
    this.localDone = localDone;
    this.cluster = cluster;
    this.total = total;
    this.clock = System::currentTimeMillis;
    this.start = clock.getAsLong();
    this.terminal = terminal;
    this.err = err;
    this.thread = new Thread(this::loop, "parabeam-progress");
    this.thread.setDaemon(true);
  }

  /** The mode's value, or misuse. */
  static String mode(String given) {
    String m = given == null ? "auto" : given.toLowerCase(Locale.ROOT);
    if (!m.equals("auto") && !m.equals("on") && !m.equals("off")) {
      throw new UsageException("--progress=" + given + ": give auto, on or off");
    }
    return m;
  }

  /** Whether stderr is a terminal, as run.sh found it (or, run without it, a console). */
  static boolean stderrIsTerminal() {
    String tty = System.getenv("PARABEAM_STDERR_TTY");
    return tty != null ? tty.equals("1") : System.console() != null;
  }

  /**
   * Starts reporting for a run of {@code total} input bytes (0: unknown), on {@code cluster} if not
   * null; null for none.
   */
  static ProgressReporter start(
      String mode,
      String task,
      AtomicReference<PipelineResult> running,
      LongSupplier localDone,
      ClusterSubmission cluster,
      long total,
      Job.ProgressCounter counter,
      PrintStream err) {
    boolean terminal = stderrIsTerminal();
    if (mode.equals("off") || (mode.equals("auto") && !terminal)) {
      return null;
    }
    ProgressReporter r =
        new ProgressReporter(task, running, localDone, cluster, total, counter, terminal, err);
    r.thread.start();
    return r;
  }

  /**
   * Work done so far: the more of what this JVM's workers report (smooth, for the runners that work
   * here) and the runner's live metrics (per finished bundle); -1 while neither tells.
   */
  private long done() {
    if (total <= 0) {
      return -1;
    }
    long local = Math.min(localDone.getAsLong(), total);
    PipelineResult r = running.get();
    if (r == null) {
      return local;
    }
    try {
      long sum = 0;
      MetricsFilter.Builder filter =
          MetricsFilter.builder()
              .addNameFilter(MetricNameFilter.named(counter.namespace(), counter.name()));
      if (!counter.step().isEmpty()) {
        filter.addStep(counter.step());
      }
      for (MetricResult<Long> c : r.metrics().queryMetrics(filter.build()).getCounters()) {
        sum += c.getAttempted();
      }
      return Math.max(local, Math.min(sum, total));
    } catch (RuntimeException e) {
      return local; // a runner that cannot answer while it runs
    }
  }

  private String state() {
    PipelineResult r = running.get();
    if (r == null && cluster != null) {
      // the client waits in run() while the cluster works: its REST API says how far
      String tasks = cluster.tasks();
      if (tasks != null) {
        return tasks;
      }
    }
    try {
      return r == null ? "starting the runner" : r.getState().toString();
    } catch (RuntimeException e) {
      return "running";
    }
  }

  private void loop() {
    long lastLine = start;
    while (!stopped) {
      long now = clock.getAsLong();
      long done = done();
      Progress p = new Progress(Math.max(done, 0), done < 0 ? 0 : total, now - start);
      if (terminal) {
        draw(p);
      } else if (now - lastLine >= LINE_MILLIS) {
        err.println(p.line(state(), counter.unit(), counter.perUnit()));
        lastLine = now;
      }
      try {
        Thread.sleep(BAR_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void draw(Progress p) {
    if (stopped) {
      return;
    }
    if (bar == null) {
      ProgressBarBuilder b =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis((int) BAR_MILLIS)
              .setConsumer(new ConsoleProgressBarConsumer(err))
              .continuousUpdate();
      if (total > 0) {
        b.setInitialMax(total).setUnit(counter.unit(), counter.perUnit()).showSpeed();
      } else {
        b.setInitialMax(-1);
      }
      bar = b.build();
    }
    if (p.known()) {
      bar.stepTo(p.done());
      bar.setExtraMessage("");
    } else {
      bar.setExtraMessage(" " + state().toLowerCase(Locale.ROOT));
    }
  }

  /** Ends reporting; a run that {@code succeeded} shows its bar complete. */
  synchronized void finish(boolean succeeded) {
    stopped = true;
    thread.interrupt();
    if (bar != null) {
      if (succeeded && total > 0) {
        bar.stepTo(total);
      }
      bar.close();
      bar = null;
    } else if (succeeded && !terminal && total > 0) {
      Progress p = new Progress(total, total, clock.getAsLong() - start);
      String u = counter.unit().strip();
      String number = counter.perUnit() == 1 ? "%.0f" : "%.1f";
      err.println(
          String.format(
              Locale.ROOT,
              "done: " + number + " %s in %s, %.1f %s/s",
              total / (double) counter.perUnit(),
              u,
              Progress.duration(p.elapsedMillis()),
              p.ratePerSecond() / counter.perUnit(),
              u));
    }
  }

  @Override
  public void close() {
    finish(false);
  }
}
