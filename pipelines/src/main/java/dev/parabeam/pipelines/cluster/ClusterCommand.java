package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code run.sh cluster start|stop|status|add-taskmanager}: the command-line face of {@link
 * LocalFlinkCluster}. Exit codes: 0 done (for {@code status}: up), 1 failed, 2 misuse, 3 {@code
 * status} found no cluster.
 */
public final class ClusterCommand {
  static final String USAGE =
      String.join(
          "\n",
          "usage: run.sh cluster start [--slots="
              + LocalFlinkCluster.DEFAULT_SLOTS
              + "] [--port="
              + LocalFlinkCluster.DEFAULT_REST_PORT
              + "] [--dir=build/flink-cluster]",
          "       run.sh cluster status|stop|add-taskmanager [--dir=build/flink-cluster]",
          "",
          "A local Flink session cluster (1 JobManager + TaskManagers, one JVM each) bound to 127.0.0.1,",
          "started from the Flink jars in pipelines/flink-cluster/target/lib. Web UI: http://127.0.0.1:<port>.",
          "Working files and logs live under --dir (logs in <dir>/log, kept by stop).",
          "");

  private ClusterCommand() {}

  public static int main(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0
        || args[0].equals("help")
        || args[0].equals("-h")
        || Arrays.asList(args).contains("--help")) {
      out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String sub = args[0];
    Map<String, String> opts =
        parse(args, sub.equals("start") ? Set.of("slots", "port", "dir") : Set.of("dir"));
    Path repo = LocalFlinkCluster.defaultRepo();
    LocalFlinkCluster cluster =
        opts.containsKey("dir")
            ? new LocalFlinkCluster(Paths.get(opts.get("dir")), LocalFlinkCluster.defaultLib(repo))
            : LocalFlinkCluster.forRepo(repo);
    try {
      switch (sub) {
        case "start":
          cluster.start(
              intOpt(opts, "slots", LocalFlinkCluster.DEFAULT_SLOTS),
              intOpt(opts, "port", LocalFlinkCluster.DEFAULT_REST_PORT),
              out);
          return 0;
        case "stop":
          cluster.stop(out);
          return 0;
        case "status":
          return cluster.status(out) ? 0 : 3;
        case "add-taskmanager":
          cluster.addTaskManager(out);
          return 0;
        default:
          throw new UsageException(
              "unknown cluster command '" + sub + "' (start, stop, status, add-taskmanager)");
      }
    } catch (ClusterException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted");
      return 1;
    }
  }

  private static Map<String, String> parse(String[] args, Set<String> known) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new UsageException(
            "unexpected argument '" + a + "' (options look like --name=value)");
      }
      String name = a.substring(2, eq);
      if (!known.contains(name)) {
        throw new UsageException(
            "unknown option --"
                + name
                + " for 'cluster "
                + args[0]
                + "'"
                + (known.isEmpty() ? "" : " (known: --" + String.join(", --", known) + ")"));
      }
      m.put(name, a.substring(eq + 1));
    }
    return m;
  }

  private static int intOpt(Map<String, String> opts, String name, int dflt) {
    String v = opts.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1 || (name.equals("port") && n > 65535)) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--"
              + name
              + " must be a positive whole number"
              + (name.equals("port") ? " up to 65535" : "")
              + ", got '"
              + v
              + "'");
    }
  }
}
