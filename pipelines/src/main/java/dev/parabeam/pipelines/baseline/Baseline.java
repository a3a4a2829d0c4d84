package dev.parabeam.pipelines.baseline;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.groupby.GroupByJob;
import dev.parabeam.pipelines.launcher.Cli;
import dev.parabeam.transforms.stats.Aggregation;
import dev.parabeam.transforms.work.SimulatedWork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baseline}: a job's computation in plain Java ({@link PlainJavaAggregate} or {@link
 * PlainJavaGroupBy}), to compare the job with what a programmer writes without a framework.
 */
@Command(
    name = "baseline",
    description = {
      "A job's computation in plain Java (commons-csv + HashMap, N threads), to compare with the job.",
      "It takes well-formed input only: a record commons-csv refuses is counted as bad and skipped,",
      "without the job's dead letters."
    },
    sortOptions = false,
    showDefaultValues = true)
public final class Baseline extends Cli.Base implements Callable<Integer> {
  @Option(
      names = "--job",
      defaultValue = "aggregate",
      description = "Whose computation: aggregate or groupby.")
  String job;

  @Option(names = "--input", required = true, description = "A CSV file, or a glob of them.")
  String input;

  @Option(names = "--threads", defaultValue = "1", description = "Threads (>= 1).")
  int threads;

  @Option(
      names = "--output",
      description = "Write the results here (a file; its directories are made). Default: none.")
  Path output;

  @Option(names = "--keyColumn", description = "aggregate: the key column.")
  String keyColumn;

  @Option(names = "--valueColumn", description = "aggregate: the numeric column.")
  String valueColumn;

  @Option(names = "--keyColumns", description = "groupby: the key columns, a,b,...")
  String keyColumns;

  @Option(
      names = "--aggregations",
      description = "groupby: count,sum(c),min(c),max(c),mean(c),countDistinct(c),p50/p90/p99(c).")
  String aggregations;

  @Option(
      names = "--compression",
      defaultValue = "AUTO",
      description = "AUTO (by extension), UNCOMPRESSED, GZIP, BZIP2, ZIP, ZSTD, DEFLATE, ...")
  String compression;

  @Option(names = "--encoding", defaultValue = "UTF-8", description = "The input's charset.")
  String encoding;

  @Override
  public Integer call() throws Exception {
    if (output != null && Files.isDirectory(output)) {
      throw new UsageException(
          "--output="
              + output
              + " is a directory; give the file to write, e.g. "
              + output.resolve("results.csv"));
    }
    PlainJavaCsv.Reading reading = PlainJavaCsv.Reading.of(compression, encoding);
    switch (job) {
      case "aggregate":
        refuse("--keyColumns", keyColumns);
        refuse("--aggregations", aggregations);
        String key = required("--keyColumn", keyColumn);
        String value = required("--valueColumn", valueColumn);
        return PlainJavaCsv.command(
            input,
            threads,
            reading,
            output,
            (files, n, r) -> PlainJavaAggregate.run(files, key, value, n, SimulatedWork.none(), r));
      case "groupby":
        refuse("--keyColumn", keyColumn);
        refuse("--valueColumn", valueColumn);
        List<String> keys = GroupByJob.keyColumns(required("--keyColumns", keyColumns));
        List<Aggregation> aggs = GroupByJob.aggregations(required("--aggregations", aggregations));
        return PlainJavaCsv.command(
            input,
            threads,
            reading,
            output,
            (files, n, r) -> PlainJavaGroupBy.run(files, keys, aggs, n, r));
      default:
        throw new UsageException(
            "--job=" + job + ": no plain-Java baseline for it (known: aggregate, groupby)");
    }
  }

  private String required(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new UsageException("missing required option " + option + " (--job=" + job + ")");
    }
    return value;
  }

  private void refuse(String option, String value) {
    if (value != null) {
      throw new UsageException(option + " is not an option of --job=" + job);
    }
  }

  public static int main(String[] argv) {
    return Cli.execute(new Baseline(), argv, System.out, System.err);
  }
}
