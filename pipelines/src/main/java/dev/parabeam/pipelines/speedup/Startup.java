package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.bench.FreshJvm;
import dev.parabeam.pipelines.bench.Interleaved;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed start-up cost of a job: a fresh JVM runs the {@code aggregate} command on a tiny input,
 * as a user would start it; its wall time, timed from outside, minus the pipeline time it reports,
 * is what every job pays before and after its pipeline runs (JVM start, class loading, options,
 * planning, pipeline construction, publishing).
 */
public final class Startup {
  /** The medians of some fresh-JVM runs. */
  public static final class Result {
    public final double wallSeconds;
    public final double pipelineSeconds;

    public Result(double wallSeconds, double pipelineSeconds) {
      this.wallSeconds = wallSeconds;
      this.pipelineSeconds = pipelineSeconds;
    }

    public double fixedSeconds() {
      return wallSeconds - pipelineSeconds;
    }
  }

  private Startup() {}

  /**
   * Runs {@code aggregate} with {@code jobArgs} in {@code repeats} fresh JVMs; medians of wall and
   * pipeline time.
   */
  public static Result measure(List<String> jobArgs, Path output, int repeats) throws Exception {
    List<Double> pipeline = new ArrayList<>();
    List<Double> wall =
        Interleaved.of(List.of("fresh JVM"), repeats)
            .run(
                (config, round) -> {
                  List<String> args = new ArrayList<>();
                  args.add("aggregate");
                  args.addAll(jobArgs);
                  FreshJvm.Run run = FreshJvm.run(FreshJvm.forJob(List.of()), args);
                  if (run.exit != 0) {
                    throw new IllegalStateException(
                        "the fresh-JVM start-up run failed (exit "
                            + run.exit
                            + "): "
                            + lastErrorLine(run.output));
                  }
                  pipeline.add(
                      Speedup.pipelineSeconds(
                          Files.readString(
                              output.resolve("summary.json"), StandardCharsets.UTF_8)));
                  return run.seconds;
                })
            .get("fresh JVM");
    return new Result(Interleaved.median(wall), Interleaved.median(pipeline));
  }

  static String lastErrorLine(String text) {
    String last = "";
    for (String line : text.split("\n")) {
      if (line.startsWith("error:")) {
        return line;
      }
      if (!line.isBlank()) {
        last = line;
      }
    }
    return last;
  }
}
