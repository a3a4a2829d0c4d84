package dev.parabeam.pipelines;

import java.util.Arrays;

/**
 * Entry point of the bundled jar: {@code java -jar parabeam-pipelines-bundled.jar <command> [options]}.
 * Every command reports misuse as one {@code error:} line with exit code 2 and never shows a stack
 * trace to a user.
 */
public final class Main {
  static final String USAGE =
      String.join(
          "\n",
          "usage: run.sh <command> [--option=value ...]",
          "",
          "commands:",
          "  aggregate   count, sum, min, max, mean of a value column per key of CSV files",
          "              (run.sh aggregate --help lists its options)",
          "  generate    write a deterministic test dataset: --rows=N --output=FILE [--seed=S]",
          "  baseline    the same computation in plain Java (commons-csv + HashMap): --input=FILE",
          "              --keyColumn=K --valueColumn=V [--threads=N] [--output=results.csv]",
          "  bench       job vs plain-Java baseline, side by side: --sizes=1000000,10000000 [--repeats=3]",
          "  speedup     the sequential vs N-worker speedup table: [--sizes=10000,100000,1000000] [--work=cpu|io]",
          "              [--workMicros=N] [--workers=4] [--runner=DirectRunner|FlinkRunner] [--repeats=3] [--output=DIR]",
          "  cluster     a local Flink session cluster on 127.0.0.1: cluster start [--slots=4] [--port=8081]",
          "              | status | stop | add-taskmanager (web UI http://127.0.0.1:8081)",
          "");

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help") || args[0].equals("-h")) {
      System.out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String cmd = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (cmd) {
        case "aggregate":
          return Aggregate.main(rest);
        case "generate":
          return Generate.main(rest);
        case "baseline":
          return PlainJavaAggregate.main(rest);
        case "bench":
          return Bench.main(rest);
        case "speedup":
          return dev.parabeam.pipelines.speedup.Speedup.run(rest, System.out, System.err, Datasets::ensure);
        case "cluster":
          return dev.parabeam.pipelines.cluster.ClusterCommand.main(rest);
        default:
          System.err.println("error: unknown command '" + cmd + "' (commands: aggregate, generate, baseline, bench, speedup, cluster)");
          return 2;
      }
    } catch (UsageException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("error: " + Launcher.firstLine(Launcher.rootMessage(e)));
      return 1;
    }
  }
}
