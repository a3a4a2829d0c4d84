package dev.parabeam.pipelines;

import java.util.Arrays;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** {@code aggregate}: the command-line face of {@link AggregateJob}. */
final class Aggregate {
  private Aggregate() {}

  static int main(String[] args) {
    if (Arrays.asList(args).contains("--help")) {
      PipelineOptionsFactory.register(AggregateOptions.class);
      System.out.println("usage: run.sh aggregate --input=<file or glob> --keyColumn=<name> --valueColumn=<name>");
      System.out.println("           --output=<dir> [--targetParallelism=N] [--runner=DirectRunner|FlinkRunner] [options]");
      System.out.println();
      PipelineOptionsFactory.printHelp(System.out, AggregateOptions.class);
      System.out.println("Runner options: --help=DirectOptions, --help=FlinkPipelineOptions (e.g. --parallelism, --flinkMaster).");
      return 0;
    }
    for (String a : args) {
      if (a.startsWith("--help=")) {
        PipelineOptionsFactory.register(AggregateOptions.class);
        PipelineOptionsFactory.fromArgs(a).create(); // prints the help of the named options and exits
        return 0;
      }
    }
    return AggregateJob.run(args, System.out, System.err);
  }
}
