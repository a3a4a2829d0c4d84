package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.emptyArray;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.example.UserWordsJob;
import dev.parabeam.pipelines.launcher.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Keyed reduce in bounded memory: with a budget so small that every unit spills its keys as sorted
 * runs many times, aggregate, groupby with every aggregation and a user's ChunkedJob (UserWordsJob)
 * write the same bytes as with all keys in memory, for every chunking, on the DirectRunner and
 * embedded Flink, over three key distributions (one hot key, all keys distinct, Zipf); and the run
 * files are gone afterwards.
 */
public class SpillEquivalenceTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final int ROWS = 1500;

  /** One hot key, all keys distinct, or Zipf over 2,000 keys. */
  enum Keys {
    HOT,
    DISTINCT,
    ZIPF
  }

  /**
   * The key of row {@code i} for {@code dist}: some keys above U+FFFF and from U+E000 on, where
   * UTF-16 order and UTF-8 byte order differ.
   */
  private static IntFunction<String> keys(Keys dist, Random rnd) {
    switch (dist) {
      case HOT:
        return i -> rnd.nextInt(20) == 0 ? "P" + i : "P0";
      case DISTINCT:
        return i -> (i % 7 == 0 ? "\uD83D\uDE00" : i % 11 == 0 ? "\uFF21" : "P") + i;
      default:
        double[] cdf = new double[2000];
        double sum = 0;
        for (int k = 0; k < cdf.length; k++) {
          sum += 1.0 / (k + 1);
          cdf[k] = sum;
        }
        double total = sum;
        return i -> {
          double u = rnd.nextDouble() * total;
          int k = 0;
          while (cdf[k] < u) {
            k++;
          }
          return (k % 13 == 0 ? "\uD83D\uDE00" : "P") + k;
        };
    }
  }

  /**
   * A CSV of {@link #ROWS} rows whose product and note words follow {@code dist}, and a bad row.
   */
  private Path data(Keys dist) throws IOException {
    Random rnd = new Random(dist.ordinal() + 7);
    IntFunction<String> key = keys(dist, rnd);
    StringBuilder b = new StringBuilder("id,region,product,customer,amount,note\n");
    for (int i = 0; i < ROWS; i++) {
      if (i == 700) {
        b.append("bad,row\n"); // a dead letter among them
      }
      String amount = (rnd.nextInt(2_000_000) - 500_000) / 100 + "." + (10 + rnd.nextInt(90));
      b.append(i)
          .append(',')
          // a region with a doubled quote, and the same text written without quotes
          .append(
              new String[] {"north", "\"Paris, FR\"", "\"5\"\" screen\"", "5\" screen"}
                  [rnd.nextInt(4)])
          .append(',')
          .append(key.apply(i))
          .append(",C")
          .append(rnd.nextInt(300))
          .append(',')
          .append(amount)
          .append(',')
          .append(key.apply(i).toLowerCase(java.util.Locale.ROOT))
          .append(' ')
          .append(key.apply(i + 1))
          .append('\n');
    }
    Path p = tmp.getRoot().toPath().resolve(dist + ".csv");
    Files.writeString(p, b, StandardCharsets.UTF_8);
    return p;
  }

  /** Runs {@code job} with {@code args}; returns results.csv after checking the run's leftovers. */
  private String run(String job, Path input, List<String> args, boolean mustSpill)
      throws IOException {
    Path out = tmp.newFolder().toPath().resolve("out");
    List<String> all = new ArrayList<>(args);
    all.add("--input=" + input);
    all.add("--output=" + out);
    String[] a = all.toArray(new String[0]);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc;
    try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true)) {
      switch (job) {
        case "aggregate":
          rc = Launcher.run(dev.parabeam.pipelines.aggregate.AggregateJob.INSTANCE, a, o, e);
          break;
        case "groupby":
          rc = Launcher.run(dev.parabeam.pipelines.groupby.GroupByJob.INSTANCE, a, o, e);
          break;
        default:
          rc = Launcher.run(new UserWordsJob(), a, o, e);
      }
    }
    assertThat(err.toString(StandardCharsets.UTF_8), rc, is(0));
    long runFiles = Long.parseLong(JobRun.summary(out).get("run_files"));
    if (mustSpill) {
      assertThat(job + " " + all + " spilled", runFiles, greaterThan(0L));
    } else {
      assertThat(job + " " + all + " kept its keys in memory", runFiles, is(0L));
    }
    // nothing of the run is left: no staging (and so no run file), only the outputs
    assertThat(
        out.toFile().list((d, n) -> n.startsWith(".") && !n.equals(".parabeam.lock")),
        emptyArray());
    return JobRun.read(out.resolve("results.csv"));
  }

  private static List<String> jobArgs(String job) {
    switch (job) {
      case "aggregate":
        return List.of("--keyColumn=product", "--valueColumn=amount");
      case "groupby":
        return List.of(
            "--keyColumns=product,region",
            "--aggregations=count,countDistinct(customer),sum(amount),min(amount),max(amount),"
                + "mean(amount),p50(amount),p90(amount),p99(amount)");
      default:
        return List.of("--textColumn=note");
    }
  }

  private void sameBytesSpilledOrNot(String runner, List<String> chunkings) throws IOException {
    for (Keys dist : Keys.values()) {
      Path input = data(dist);
      for (String job : List.of("aggregate", "groupby", "notewords")) {
        List<String> memory = new ArrayList<>(jobArgs(job));
        memory.addAll(List.of("--runner=" + runner, "--targetParallelism=1", "--parallelism=1"));
        String want = run(job, input, memory, false);
        for (String chunking : chunkings) {
          List<String> spilled = new ArrayList<>(jobArgs(job));
          spilled.addAll(List.of("--runner=" + runner, "--memoryBudget=2k"));
          spilled.addAll(List.of(chunking.split(" ")));
          assertThat(
              job + " " + dist + " " + runner + " " + chunking,
              run(job, input, spilled, true),
              equalTo(want));
        }
      }
    }
  }

  /** Set by {@link FailingJob}'s record function: whether run files existed when it failed. */
  static final java.util.concurrent.atomic.AtomicBoolean RUNS_WHEN_FAILING =
      new java.util.concurrent.atomic.AtomicBoolean();

  static volatile Path failingOutput;

  /** Counts products, and fails the run at the product "BOOM" (after units spilled). */
  static final class FailingJob implements ChunkedJob<UserWordsJob.Options> {
    @Override
    public String name() {
      return "failing";
    }

    @Override
    public String summary() {
      return "fails at BOOM";
    }

    @Override
    public String usage() {
      return "failing";
    }

    @Override
    public Class<UserWordsJob.Options> optionsClass() {
      return UserWordsJob.Options.class;
    }

    @Override
    public List<String> requiredColumns(UserWordsJob.Options o) {
      return List.of(o.getTextColumn());
    }

    @Override
    public JobOutputs<?, ?, ?> build(
        org.apache.beam.sdk.Pipeline p, UserWordsJob.Options o, JobInput input) {
      String column = o.getTextColumn();
      dev.parabeam.transforms.engine.RecordFn<String, Long> fn =
          (record, out) -> {
            String v = record.get(column);
            if (v.equals("BOOM")) {
              RUNS_WHEN_FAILING.set(hasRunFiles(failingOutput));
              throw new IllegalStateException("boom");
            }
            out.emit(v, 1L);
          };
      org.apache.beam.sdk.transforms.Combine.BinaryCombineLongFn sum =
          org.apache.beam.sdk.transforms.Sum.ofLongs();
      return new JobOutputs<>(
          input.read(
              p,
              "ReadChunks",
              dev.parabeam.transforms.engine.ChunkedCsv.of(
                  fn,
                  org.apache.beam.sdk.coders.StringUtf8Coder.of(),
                  org.apache.beam.sdk.coders.VarLongCoder.of(),
                  sum)),
          sum,
          new CountTable());
    }
  }

  /** product,count rows in UTF-8 byte order. */
  static final class CountTable
      implements dev.parabeam.transforms.engine.ResultTable<String, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> header() {
      return List.of("product", "count");
    }

    @Override
    public List<String> row(String key, Long result) {
      return List.of(key, result.toString());
    }

    @Override
    public java.util.Comparator<String> order() {
      return dev.parabeam.transforms.engine.Utf8Order.INSTANCE;
    }
  }

  static boolean hasRunFiles(Path dir) {
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      return s.anyMatch(f -> f.getFileName().toString().endsWith(".run"));
    } catch (IOException | java.io.UncheckedIOException e) {
      return false;
    }
  }

  /** A run that fails after its units spilled: exit 1, nothing published, no run file left. */
  @Test
  public void aFailedRunLeavesNoRunFiles() throws IOException {
    Path input = tmp.getRoot().toPath().resolve("boom.csv");
    StringBuilder b = new StringBuilder("product\n");
    for (int i = 0; i < 3000; i++) {
      b.append(i == 2900 ? "BOOM" : "P" + i).append('\n');
    }
    Files.writeString(input, b, StandardCharsets.UTF_8);
    Path out = tmp.newFolder().toPath();
    failingOutput = out;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc;
    try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true)) {
      rc =
          Launcher.run(
              new FailingJob(),
              new String[] {
                "--input=" + input,
                "--textColumn=product",
                "--output=" + out,
                "--targetParallelism=1",
                "--memoryBudget=2k"
              },
              o,
              e);
    }
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertThat(stderr, rc, is(1));
    assertThat(stderr, org.hamcrest.Matchers.startsWith("error: job failed: "));
    assertThat(
        "run files were written before the failure: " + stderr, RUNS_WHEN_FAILING.get(), is(true));
    assertThat(
        "nothing is left", out.toFile().list((d, n) -> !n.equals(".parabeam.lock")), emptyArray());
  }

  @Test
  public void spilledRunsMergeToTheInMemoryBytesOnTheDirectRunner() throws IOException {
    sameBytesSpilledOrNot(
        "DirectRunner",
        List.of(
            "--targetParallelism=4 --chunkBytes=0",
            "--targetParallelism=4 --chunkBytes=997",
            "--targetParallelism=4 --chunkBytes=20000",
            // one unit of a hundred spills, in 4 partitions: each merges in passes (MAX_FAN_IN)
            "--targetParallelism=1 --chunkBytes=0"));
  }

  @Test
  public void spilledRunsMergeToTheInMemoryBytesOnEmbeddedFlink() throws IOException {
    sameBytesSpilledOrNot("FlinkRunner", List.of("--parallelism=4 --chunkBytes=5000"));
  }
}
