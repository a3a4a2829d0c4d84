package dev.parabeam.pipelines;

import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.analyze.AnalyzeBench;
import dev.parabeam.pipelines.analyze.AnalyzeJob;
import dev.parabeam.pipelines.baseline.Baseline;
import dev.parabeam.pipelines.bench.Bench;
import dev.parabeam.pipelines.bench.Datasets;
import dev.parabeam.pipelines.bench.Generate;
import dev.parabeam.pipelines.cluster.ClusterCommand;
import dev.parabeam.pipelines.flow.FlowDemoJob;
import dev.parabeam.pipelines.graph.DependencyGraphJob;
import dev.parabeam.pipelines.groupby.GroupByJob;
import dev.parabeam.pipelines.launcher.JobHelp;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.pipelines.launcher.Messages;
import dev.parabeam.pipelines.speedup.Speedup;
import dev.parabeam.pipelines.tasks.TasksJob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Entry point of the bundled jar: {@code java -jar parabeam-pipelines-bundled.jar <command>
 * [options]}. Every command is registered once in {@link #COMMANDS} (name, one-line summary,
 * entry), from which the usage text and the dispatch are both made. Every command reports misuse as
 * one {@code error:} line with exit code 2 and never shows a stack trace to a user.
 */
public final class Main {
  /** A command: what {@code run.sh <name>} runs. */
  interface Entry {
    public int run(String[] args) throws Exception;
  }

  /** A command: its name, one line for the list, more lines, its entry (which answers --help). */
  public record Command(String name, String summary, List<String> more, Entry entry) {}

  /**
   * The jobs, in the order the command list shows them. Their options interfaces must agree where
   * they share a property (Beam refuses two {@code @Default}s for one name in a JVM).
   */
  public static final List<Job<?>> JOBS =
      List.of(
          AggregateJob.INSTANCE,
          GroupByJob.INSTANCE,
          AnalyzeJob.INSTANCE,
          FlowDemoJob.INSTANCE,
          DependencyGraphJob.INSTANCE,
          TasksJob.INSTANCE);

  public static final List<Command> COMMANDS =
      Stream.concat(
              JOBS.stream().map(Main::job),
              Stream.of(
                  new Command(
                      "generate",
                      "write a deterministic test dataset: --rows=N --output=FILE [--seed=S]",
                      List.of(),
                      Generate::main),
                  new Command(
                      "baseline",
                      "a job's computation in plain Java (commons-csv + HashMap): --input=FILE [--threads=N]",
                      List.of(
                          "[--output=results.csv] --keyColumn=K --valueColumn=V (the aggregate job)",
                          "or --job=groupby --keyColumns=a,b --aggregations=count,sum(c),p90(c),... (percentiles exact)"),
                      Baseline::main),
                  new Command(
                      "bench",
                      "jobs vs plain-Java baselines, side by side: --sizes=1000000,10000000 [--repeats=3]",
                      List.of(
                          "[--workers=4] [--xmx=1g] [--jobs=aggregate,groupby] (groupby row: job p<workers> vs <workers> threads)"),
                      Bench::main),
                  new Command(
                      "speedup",
                      "the sequential vs N-worker speedup table: [--sizes=10000,100000,1000000] [--work=cpu|io]",
                      List.of(
                          "[--workMicros=N] [--workers=4] [--runner=DirectRunner|FlinkRunner] [--repeats=3] [--output=DIR]"),
                      args -> Speedup.run(args, System.out, System.err, Datasets::ensure)),
                  new Command(
                      "analyze-bench",
                      "analyze with 1 against N calls in flight, warmed, interleaved: [--maxInFlight=16]",
                      List.of(
                          "[--latencyMillis=20] [--workers=4] [--runner=DirectRunner|FlinkRunner] [--repeats=3]"),
                      AnalyzeBench::main),
                  new Command(
                      "cluster",
                      "a local Flink session cluster on 127.0.0.1: cluster start [--slots=4] [--port=8081]",
                      List.of(
                          "| status | stop | add-taskmanager | jobs | cancel <id> (web UI http://127.0.0.1:8081)"),
                      ClusterCommand::main)))
          .toList();

  private Main() {}

  /** A chunked job as a command: {@code --help} prints its options, anything else runs it. */
  static <O extends JobOptions> Command job(Job<O> job) {
    return new Command(
        job.name(),
        job.summary(),
        List.of("(run.sh " + job.name() + " --help lists its options)"),
        args -> jobMain(job, args));
  }

  static <O extends JobOptions> int jobMain(Job<O> job, String[] args) {
    if (Arrays.asList(args).contains("--help")) {
      JobHelp.print(job, System.out);
      return 0;
    }
    for (String a : args) {
      if (a.startsWith("--help=")) {
        PipelineOptionsFactory.register(job.optionsClass());
        PipelineOptionsFactory.fromArgs(a)
            .create(); // prints the help of the named options and exits
        return 0;
      }
    }
    return Launcher.run(job, args, System.out, System.err);
  }

  public static String usage() {
    List<String> lines =
        new ArrayList<>(List.of("usage: run.sh <command> [--option=value ...]", "", "commands:"));
    for (Command c : COMMANDS) {
      lines.add(String.format("  %-13s  %s", c.name(), c.summary()));
      for (String more : c.more()) {
        lines.add("                 " + more);
      }
    }
    lines.add("");
    return String.join("\n", lines);
  }

  public static Optional<Command> command(String name) {
    return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  public static void main(String[] args) {
    // a worker thread that runs out of heap ends the run through the launcher, which says so in one
    // line: its stack trace would only bury that line
    Thread.setDefaultUncaughtExceptionHandler(
        quietOnOutOfMemory(Thread.getDefaultUncaughtExceptionHandler()));
    int code;
    try {
      code = run(args);
    } catch (OutOfMemoryError e) {
      if (!Launcher.failureReported) {
        printOutOfMemory();
      }
      code = 1;
    }
    System.exit(code);
  }

  /**
   * A default handler of threads' uncaught exceptions that says nothing of an OutOfMemoryError and
   * hands anything else to {@code usual}, or prints it as the JVM does. Not to the thread's group:
   * a group with no handler of its own calls the default handler, this one, again (a stopped run's
   * hook thread once overflowed its stack so, and its "stopped:" line was lost).
   */
  static Thread.UncaughtExceptionHandler quietOnOutOfMemory(Thread.UncaughtExceptionHandler usual) {
    return (thread, e) -> {
      if (e instanceof OutOfMemoryError) {
        return;
      }
      if (usual != null) {
        usual.uncaughtException(thread, e);
      } else if (!(e instanceof ThreadDeath)) {
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        e.printStackTrace(System.err);
      }
    };
  }

  public static int run(String[] args) {
    if (args.length == 0
        || args[0].equals("--help")
        || args[0].equals("help")
        || args[0].equals("-h")) {
      System.out.print(usage());
      return args.length == 0 ? 2 : 0;
    }
    String cmd = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    Optional<Command> c = command(cmd);
    if (c.isEmpty()) {
      System.err.println(
          "error: unknown command '"
              + cmd
              + "' (commands: "
              + String.join(", ", COMMANDS.stream().map(Command::name).toList())
              + ")");
      return 2;
    }
    try {
      return c.get().entry().run(rest);
    } catch (UsageException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception | OutOfMemoryError e) {
      if ((e instanceof OutOfMemoryError && Launcher.failureReported) || Launcher.shuttingDown) {
        return 1; // the launcher said so already, or its shutdown hook says the run was stopped
      }
      if (Messages.outOfMemory(e)) {
        printOutOfMemory();
      } else {
        System.err.println("error: " + Messages.firstLine(Messages.rootMessage(e)));
      }
      return 1;
    }
  }

  /** The line kept ready: printing it must not need the heap that just ran out. */
  private static final byte[] OUT_OF_MEMORY_LINE =
      ("error: " + Messages.OUT_OF_MEMORY + System.lineSeparator())
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** The out-of-memory line, written from bytes prepared at start-up: it allocates nothing. */
  static void printOutOfMemory() {
    System.err.write(OUT_OF_MEMORY_LINE, 0, OUT_OF_MEMORY_LINE.length);
    System.err.flush();
  }
}
