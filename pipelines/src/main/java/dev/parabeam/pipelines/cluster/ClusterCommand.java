package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.Cli;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code run.sh cluster start|stop|status|add-taskmanager|jobs|cancel}: the command-line face of
 * {@link LocalFlinkCluster}. Exit codes: 0 done (for {@code status}: up), 1 failed, 2 misuse, 3 no
 * cluster is up ({@code status}, {@code jobs}, {@code cancel}, {@code add-taskmanager}). {@code
 * cluster --help} lists every command with its options.
 */
@Command(
    name = "cluster",
    description = {
      "A local Flink session cluster (1 JobManager + TaskManagers, one JVM each) bound to 127.0.0.1,",
      "started from the Flink jars in pipelines/flink-cluster/target/lib. Web UI:"
          + " http://127.0.0.1:<port>.",
      "Working files and logs live under --dir (logs in <dir>/log, kept by stop).",
      "Exit codes: 0 done (status: up), 1 failed, 2 misuse, 3 no cluster is up (status, jobs,"
          + " cancel, add-taskmanager)."
    },
    subcommands = {
      ClusterCommand.Start.class,
      ClusterCommand.Stop.class,
      ClusterCommand.Status.class,
      ClusterCommand.AddTaskManager.class,
      ClusterCommand.Jobs.class,
      ClusterCommand.Cancel.class
    })
public final class ClusterCommand extends Cli.Base implements Callable<Integer> {
  private final PrintStream out;

  ClusterCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    throw new UsageException(
        "cluster needs a command: start, stop, status, add-taskmanager, jobs or cancel"
            + " (run.sh cluster --help)");
  }

  public static int main(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = Cli.commandLine(new ClusterCommand(out), out, err);
    List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
    keys.add(
        keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST) + 1, OPTIONS);
    cl.setHelpSectionKeys(keys);
    cl.getHelpSectionMap().put(OPTIONS, help -> commandOptions(cl));
    return cl.execute(args);
  }

  private static final String OPTIONS = "commandOptions";

  /** Every command with its arguments and options, for {@code cluster --help}. */
  static String commandOptions(CommandLine cl) {
    StringBuilder b =
        new StringBuilder("Options of each command (run.sh cluster <command> --help):\n");
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      CommandSpec spec = e.getValue().getCommandSpec();
      b.append("  ").append(e.getKey()).append('\n');
      for (PositionalParamSpec p : spec.positionalParameters()) {
        line(b, p.paramLabel(), String.join(" ", p.description()), null);
      }
      for (OptionSpec o : spec.options()) {
        if (!o.usageHelp()) {
          line(
              b,
              o.longestName() + "=" + o.paramLabel(),
              String.join(" ", o.description()),
              o.defaultValue());
        }
      }
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String name, String description, String dflt) {
    b.append(String.format("      %-17s %s", name, description));
    if (dflt != null) {
      b.append(" Default: ").append(dflt);
    }
    b.append('\n');
  }

  /** What every subcommand has: {@code --dir}, the cluster it acts on. */
  abstract static class Sub extends Cli.Base implements Callable<Integer> {
    @ParentCommand ClusterCommand parent;

    @Option(
        names = "--dir",
        description = "The cluster's working directory. Default: build/flink-cluster of the repo.")
    Path dir;

    LocalFlinkCluster cluster() {
      Path repo = LocalFlinkCluster.defaultRepo();
      return dir != null
          ? new LocalFlinkCluster(dir, LocalFlinkCluster.defaultLib(repo))
          : LocalFlinkCluster.forRepo(repo);
    }

    PrintStream out() {
      return parent.out;
    }

    /** The REST API of the running cluster, or a clear error if none answers. */
    FlinkRest upRest() {
      LocalFlinkCluster c = cluster();
      int port = c.restPort();
      if (port < 0 || c.get(port, "/overview").isEmpty()) {
        throw ClusterException.noCluster(
            "no Flink cluster answers from " + c.dir() + "; start one with ./run.sh cluster start");
      }
      return LocalFlinkCluster.rest(port);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
      return act();
    }

    abstract int act() throws IOException, InterruptedException;
  }

  @Command(
      name = "start",
      description = "Start a JobManager and one TaskManager.",
      showDefaultValues = true)
  static final class Start extends Sub {
    @Option(
        names = "--slots",
        defaultValue = "" + LocalFlinkCluster.DEFAULT_SLOTS,
        description = "Task slots of the TaskManager (a job at --parallelism=N needs N).")
    int slots;

    @Option(
        names = "--port",
        defaultValue = "" + LocalFlinkCluster.DEFAULT_REST_PORT,
        description = "REST and web UI port on 127.0.0.1.")
    int port;

    @Override
    int act() throws IOException, InterruptedException {
      if (slots < 1) {
        throw new UsageException("--slots must be a positive whole number, got '" + slots + "'");
      }
      if (port < 1 || port > 65535) {
        throw new UsageException(
            "--port must be a positive whole number up to 65535, got '" + port + "'");
      }
      cluster().start(slots, port, out());
      return 0;
    }
  }

  @Command(name = "stop", description = "Stop every process of the cluster (logs are kept).")
  static final class Stop extends Sub {
    @Override
    int act() throws IOException, InterruptedException {
      cluster().stop(out());
      return 0;
    }
  }

  @Command(name = "status", description = "Is it up; its processes, slots and jobs (exit 3: down).")
  static final class Status extends Sub {
    @Override
    int act() {
      return ClusterStatus.status(cluster(), out()) ? 0 : 3;
    }
  }

  @Command(name = "add-taskmanager", description = "Start one more TaskManager (more slots).")
  static final class AddTaskManager extends Sub {
    @Override
    int act() throws IOException, InterruptedException {
      cluster().addTaskManager(out());
      return 0;
    }
  }

  @Command(name = "jobs", description = "List the cluster's jobs: state, id, name, duration.")
  static final class Jobs extends Sub {
    @Override
    int act() {
      FlinkRest rest = upRest();
      List<FlinkRest.Job> jobs = rest.jobs();
      if (jobs.isEmpty()) {
        out().println("no jobs on the cluster at " + rest.webUrl());
      }
      ClusterStatus.printJobs(jobs, "", out());
      return 0;
    }
  }

  @Command(name = "cancel", description = "Cancel a running job of the cluster.")
  static final class Cancel extends Sub {
    @Parameters(paramLabel = "JOB_ID", description = "The job's id (see: run.sh cluster jobs).")
    String id;

    @Override
    int act() {
      FlinkRest rest = upRest();
      FlinkRest.Job job =
          rest.jobs().stream()
              .filter(j -> j.id().equals(id))
              .findFirst()
              .orElseThrow(
                  () ->
                      new UsageException(
                          "no job "
                              + id
                              + " on the cluster at "
                              + rest.webUrl()
                              + " (run.sh cluster jobs lists them)"));
      if (job.finished()) {
        out().println("job " + id + " (" + job.name() + ") is already " + job.state());
        return 0;
      }
      if (!rest.cancel(id)) {
        throw new ClusterException("the cluster did not accept cancelling job " + id);
      }
      out().println("cancelling job " + id + " (" + job.name() + ")");
      return 0;
    }
  }
}
