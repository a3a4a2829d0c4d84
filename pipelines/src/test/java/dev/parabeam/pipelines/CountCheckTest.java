package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.launcher.ChunkedRun;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import dev.parabeam.transforms.stats.StatsFns;
import dev.parabeam.transforms.stats.StatsTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The launcher's count check of a CSV job ({@code records_read == records_ok + dead_letters}, in
 * {@link ChunkedRun#finish}): a job whose chunk results do not add up fails, and publishes nothing.
 */
public class CountCheckTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** A job whose one chunk result says it read {@code read} records: 3 good, 1 dead letter. */
  static final class ReportsCounts implements ChunkedJob<ChunkedJobOptions> {
    private final long read;

    ReportsCounts(long read) {
      this.read = read;
    }

    @Override
    public String name() {
      return "reports-counts";
    }

    @Override
    public String summary() {
      return "a chunk result with the counts it is given";
    }

    @Override
    public Class<ChunkedJobOptions> optionsClass() {
      return ChunkedJobOptions.class;
    }

    @Override
    public String usage() {
      return "reports-counts --input=<file> --output=<dir>";
    }

    @Override
    public List<String> requiredColumns(ChunkedJobOptions o) {
      return List.of("k");
    }

    @Override
    public JobOutputs<String, DecimalStats, DecimalStats> build(
        Pipeline p, ChunkedJobOptions o, JobInput input) {
      DecimalStats three = new DecimalStats();
      for (int i = 0; i < 3; i++) {
        three.add(BigDecimal.ONE);
      }
      // one result per planned unit (the launcher checks that every unit reported); the first
      // carries all the counts and the key
      Map<Integer, Integer> chunksPerUnit = new java.util.TreeMap<>();
      input.chunks().forEach(c -> chunksPerUnit.merge(c.unit(), 1, Integer::sum));
      List<ChunkResult<String, DecimalStats>> results = new java.util.ArrayList<>();
      chunksPerUnit.forEach(
          (unit, chunks) ->
              results.add(
                  unit == 0
                      ? new ChunkResult<>(
                          0, chunks, "in.csv", 0, read, 3, 1, 0, 0, "", Map.of("a", three))
                      : new ChunkResult<>(
                          unit, chunks, "in.csv", unit, 0, 0, 0, 0, 0, "", Map.of())));
      return new JobOutputs<>(
          p.apply(
              "OneResult",
              Create.of(results)
                  .withCoder(
                      ChunkResult.ResultCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of()))),
          new StatsFns.OfValues(),
          new StatsTable());
    }
  }

  private int run(long read, Path out, ByteArrayOutputStream err) throws Exception {
    Path input = tmp.getRoot().toPath().resolve("in.csv");
    Files.writeString(input, "k\na\na\na\nb\n");
    return Launcher.run(
        new ReportsCounts(read),
        new String[] {"--input=" + input, "--output=" + out},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  public void countsThatAddUpArePublished() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("ok");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(err.toString(StandardCharsets.UTF_8), run(4, out, err), is(0));
    assertThat(
        Files.readString(out.resolve("results.csv")),
        equalTo("key,count,sum,min,max,mean\na,3,3,1,1,1\n"));
  }

  @Test
  public void countsThatDoNotAddUpFailTheRunAndPublishNothing() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("bad");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(5, out, err), is(1));
    String message = err.toString(StandardCharsets.UTF_8);
    assertThat(
        message,
        equalTo("error: job failed: records do not add up: read 5 != ok 3 + dead letters 1\n"));
    assertThat(Files.exists(out.resolve("results.csv")), is(false));
    assertThat(Files.exists(out.resolve("summary.json")), is(false));
  }
}
