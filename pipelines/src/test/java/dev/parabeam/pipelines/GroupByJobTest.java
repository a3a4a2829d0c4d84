package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.parabeam.pipelines.bench.Datasets;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The groupby job end to end in this JVM on the DirectRunner. */
public class GroupByJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final Path td = JobRun.testdata();

  private Path out() {
    return tmp.getRoot().toPath().resolve("out-" + System.nanoTime());
  }

  private static String[] concat(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }

  private static Path ok(JobRun r, Path out) {
    assertThat("exit code; stderr: " + r.err, r.exitCode, is(0));
    assertThat(r.out, containsString("output: " + out));
    return out;
  }

  /** Everything after the first line. */
  private static String body(String csv) {
    return csv.substring(csv.indexOf('\n') + 1);
  }

  private static String header(String csv) {
    return csv.substring(0, csv.indexOf('\n'));
  }

  /** Counts that must agree between two runs over the same input. */
  private static final List<String> COUNTS =
      List.of(
          "records_read",
          "records_ok",
          "dead_letters",
          "dead_letter_bytes",
          "unterminated_quotes",
          "keys",
          "files",
          "bytes");

  /**
   * One input of the comparison with aggregate: key and value column, the chunk sizes to run at
   * parallelism 4 (parallelism 1 runs with the automatic chunk size), the dialect and limits it
   * needs.
   */
  private record Case(
      String name, String input, String key, String value, long[] p4Chunks, String... extra) {}

  /**
   * Chunks smaller than a record for the tiny files; 64 bytes where 7 would mean hundreds of
   * chunks.
   */
  private static final long[] TINY = {7};

  private static final long[] SMALL = {64};
  private static final long[] LARGE = {0, 1 << 16};

  /**
   * {@code groupby --keyColumns=K --aggregations=count,sum(V),min(V),max(V),mean(V)} is {@code
   * aggregate --keyColumn=K --valueColumn=V} under another header: the same rows byte for byte, the
   * same dead-letters.csv byte for byte and the same counts, on every bundled dataset (bad records
   * of every kind, a glob over files with their columns in other orders, another dialect) and on
   * 20,000 generated rows keyed by region (quoted commas and quotes, non-ASCII) and by product
   * (1,000 keys); groupby at parallelism 1 and 4 and at several chunk sizes, aggregate once per
   * input (its own invariance under chunking is AggregateJobTest's).
   */
  @Test
  public void oneKeyAndTheFiveStatisticsAreTheAggregateJob() throws IOException {
    String generated = Datasets.ensure(tmp.newFolder("gen").toPath(), 20_000, 7).toString();
    List<Case> cases =
        new ArrayList<>(
            List.of(
                new Case(
                    "sample", td.resolve("sample/sales.csv").toString(), "region", "amount", SMALL),
                new Case(
                    "quoting",
                    td.resolve("quoting/crlf-bom.csv").toString(),
                    "region",
                    "amount",
                    TINY),
                new Case("multi", td.resolve("multi") + "/*.csv", "region", "amount", TINY),
                new Case(
                    "multi-dead", td.resolve("multi-dead") + "/*.csv", "region", "amount", TINY),
                new Case(
                    "malformed",
                    td.resolve("malformed/bad.csv").toString(),
                    "region",
                    "amount",
                    TINY,
                    "--maxRecordBytes=200"),
                new Case("dirty", td.resolve("dirty") + "/*.csv", "region", "amount", SMALL),
                new Case(
                    "dialect",
                    td.resolve("dialect/semicolon-quote.csv").toString(),
                    "region",
                    "amount",
                    SMALL,
                    "--delimiter=;",
                    "--quote='"),
                new Case("generated by region", generated, "region", "amount", LARGE),
                new Case("generated by product", generated, "product", "amount", LARGE)));
    for (Case c : cases) {
      Path ref = out();
      ok(
          JobRun.aggregate(
              concat(
                  new String[] {
                    "--input=" + c.input,
                    "--keyColumn=" + c.key,
                    "--valueColumn=" + c.value,
                    "--output=" + ref,
                    "--targetParallelism=1"
                  },
                  c.extra)),
          ref);
      String refResults = JobRun.read(ref.resolve("results.csv"));
      String refDeadLetters = JobRun.read(ref.resolve("dead-letters.csv"));
      Map<String, String> refSummary = JobRun.summary(ref);
      String v = c.value;
      String wantHeader =
          c.key + ",count,sum(" + v + "),min(" + v + "),max(" + v + "),mean(" + v + ")";
      boolean big = c.input.equals(generated);
      List<long[]> runs = new ArrayList<>();
      runs.add(new long[] {1, 0});
      for (long chunk : c.p4Chunks) {
        runs.add(new long[] {4, chunk});
      }
      for (long[] run : runs) {
        long p = run[0];
        long chunk = run[1];
        Path out = out();
        String label = c.name + " p=" + p + " chunkBytes=" + chunk;
        ok(
            JobRun.groupby(
                concat(
                    new String[] {
                      "--input=" + c.input,
                      "--keyColumns=" + c.key,
                      "--aggregations=count,sum("
                          + v
                          + "),min("
                          + v
                          + "),max("
                          + v
                          + "),mean("
                          + v
                          + ")",
                      "--output=" + out,
                      "--targetParallelism=" + p,
                      "--chunkBytes=" + chunk
                    },
                    c.extra)),
            out);
        String results = JobRun.read(out.resolve("results.csv"));
        assertThat(label, header(results), equalTo(wantHeader));
        assertThat(label, body(results), equalTo(body(refResults)));
        assertThat(label, JobRun.read(out.resolve("dead-letters.csv")), equalTo(refDeadLetters));
        Map<String, String> s = JobRun.summary(out);
        for (String k : COUNTS) {
          assertThat(label + " " + k, s.get(k), equalTo(refSummary.get(k)));
        }
      }
      if (big) {
        assertThat(c.name, Long.parseLong(refSummary.get("keys")), greaterThan(9L));
      } else if (!c.name.equals("sample") && !c.name.equals("quoting") && !c.name.equals("multi")) {
        assertThat(
            c.name + " has dead letters",
            Long.parseLong(refSummary.get("dead_letters")),
            greaterThan(0L));
      }
    }
  }

  private String expected(String name) throws IOException {
    return JobRun.read(td.resolve("expected").resolve(name));
  }

  /** A groupby whose results.csv and counts testdata/oracle.py wrote: expected/groupby-NAME-*. */
  private record OracleCase(String name, String keyColumns, String aggregations) {}

  /**
   * Several key columns and countDistinct against testdata/oracle.py's groupby mode (Python's csv
   * and Decimal) on testdata/groupby: two files with their columns in other orders (one CRLF), key
   * fields with a comma, a doubled quote, a quote inside an unquoted field, a quoted line break,
   * non-ASCII text and the empty string; customers that differ only by a leading space or case; bad
   * records of several kinds. results.csv byte for byte and the counts, at parallelism 1 and 4,
   * with 7-byte chunks too. The record whose qty is {@code x} is good unless an aggregation reads
   * qty as a number: then it is a dead letter as a whole (one fewer record in every aggregation of
   * its key).
   */
  @Test
  public void severalKeysAndCountDistinctMatchTheOracle() throws IOException {
    String input = td.resolve("groupby") + "/*.csv";
    List<OracleCase> cases =
        List.of(
            new OracleCase(
                "region-product",
                "region,product",
                "count,sum(amount),countDistinct(customer),mean(amount)"),
            new OracleCase(
                "product-region",
                "product,region",
                "count,min(amount),max(amount),max(qty),countDistinct(customer)"),
            new OracleCase(
                "customer",
                "customer",
                "countDistinct(region),sum(qty),p50(amount),p90(amount),p99(amount)"));
    for (OracleCase c : cases) {
      String want = expected("groupby-" + c.name + "-results.csv");
      Map<String, String> counts =
          AggregateJobTest.properties(
              td.resolve("expected/groupby-" + c.name + "-counts.properties"));
      for (long[] run : new long[][] {{1, 0}, {4, 0}, {4, 7}}) {
        Path out = out();
        String label = c.name + " p=" + run[0] + " chunkBytes=" + run[1];
        ok(
            JobRun.groupby(
                "--input=" + input,
                "--keyColumns=" + c.keyColumns,
                "--aggregations=" + c.aggregations,
                "--output=" + out,
                "--targetParallelism=" + run[0],
                "--chunkBytes=" + run[1]),
            out);
        assertThat(label, JobRun.read(out.resolve("results.csv")), equalTo(want));
        Map<String, String> s = JobRun.summary(out);
        for (String k : List.of("records_read", "records_ok", "dead_letters", "keys")) {
          assertThat(label + " " + k, s.get(k), equalTo(counts.get(k)));
        }
        assertThat(label, s.get("files"), equalTo("2"));
        List<String> reasons =
            JobRun.deadLetterRows(out).stream()
                .map(r -> r.get(0) + ":" + r.get(1) + " " + r.get(2))
                .collect(Collectors.toList());
        List<String> wantReasons =
            new ArrayList<>(
                List.of(
                    "groupby/part-1.csv:12 amount: not a number: 'abc'",
                    "groupby/part-1.csv:14 qty: not a number: 'x'",
                    "groupby/part-1.csv:15 amount: not a number: ''",
                    "groupby/part-1.csv:16 expected 5 fields, found 4",
                    "groupby/part-2.csv:7 field 2: text after closing quote"));
        if (!c.aggregations.contains("(qty)")) {
          wantReasons.remove(1);
        }
        assertThat(label, reasons, equalTo(wantReasons));
      }
    }
  }

  /**
   * The 1-based rank a percentile asks for among n values in ascending order: the nearest rank,
   * ceil(q * n / 100). It is what Beam's ApproximateQuantiles returns while its sketch still holds
   * every value (its interpolation takes the first value whose cumulative count exceeds (q * n - 1)
   * / 100), and what testdata/oracle.py computes.
   */
  static int requestedRank(int q, int n) {
    return (q * n + 99) / 100;
  }

  /**
   * How far {@code v} is from rank {@code r} among {@code sorted}: 0 if one of the positions v
   * occupies (it may occupy several: ties) is r, else the distance to the nearest of them; -1 if v
   * is not one of the values at all.
   */
  static int rankDistance(List<BigDecimal> sorted, BigDecimal v, int r) {
    int below = 0;
    int atOrBelow = 0;
    for (BigDecimal x : sorted) {
      int c = x.compareTo(v);
      below += c < 0 ? 1 : 0;
      atOrBelow += c <= 0 ? 1 : 0;
    }
    int lo = below + 1;
    int hi = atOrBelow;
    if (hi < lo) {
      return -1;
    }
    return r < lo ? lo - r : r > hi ? r - hi : 0;
  }

  /**
   * p50/p90/p99 against the exact percentiles of generated keys: "huge" has 30,000 distinct values
   * (skewed: squares), more than Beam's sketch holds exactly (epsilon 0.01 and its default maximum
   * of 1e9 values make 21 buffers of 953 values: past about 21,000 values it collapses buffers and
   * approximates); "wide" 10,000 distinct values; "ties" 1,000 values that take only 5 distinct
   * values; "few" 1,000 distinct values; "seven" 7 values. For every key and percentile the value
   * returned must be one of the key's values, and its rank must be within the documented bound of
   * the requested rank ({@link #requestedRank}): at most 0.01 * n away. Keys of fewer than 20,000
   * values ("wide", "few", "ties", "seven") must be exact, as AggregationsFn's documentation says.
   * Parallelism 1 (one chunk) and 4 with 64 KiB chunks (9 chunks: 9 partial sketches merged).
   */
  @Test
  public void percentilesAreWithinTheDocumentedRankBound() throws IOException {
    SplittableRandom rnd = new SplittableRandom(11);
    Map<String, List<BigDecimal>> values = new TreeMap<>();
    List<String[]> rows = new ArrayList<>();
    BiConsumer<String, BigDecimal> add =
        (k, v) -> {
          values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
          rows.add(new String[] {k, v.toPlainString()});
        };
    for (int i = 1; i <= 30_000; i++) {
      add.accept("huge", BigDecimal.valueOf((long) i * i, 3));
    }
    for (int i = 1; i <= 10_000; i++) {
      add.accept("wide", BigDecimal.valueOf(i - 5_000, 2));
    }
    for (int i = 1; i <= 1_000; i++) {
      add.accept("ties", BigDecimal.valueOf(1 + rnd.nextInt(5)));
      add.accept("few", BigDecimal.valueOf(i * 7L % 1_000, 1));
    }
    for (String v : new String[] {"5", "-1", "3.5", "10", "2", "8", "0"}) {
      add.accept("seven", new BigDecimal(v));
    }
    // shuffled, so that every chunk holds values from the whole range of every key
    for (int i = rows.size() - 1; i > 0; i--) {
      Collections.swap(rows, i, rnd.nextInt(i + 1));
    }
    Path in = tmp.newFile("percentiles.csv").toPath();
    StringBuilder sb = new StringBuilder("key,v\n");
    for (String[] r : rows) {
      sb.append(r[0]).append(',').append(r[1]).append('\n');
    }
    Files.writeString(in, sb);
    values.values().forEach(Collections::sort);

    for (long[] run : new long[][] {{1, 0}, {4, 1 << 16}}) {
      Path out = out();
      ok(
          JobRun.groupby(
              "--input=" + in,
              "--keyColumns=key",
              "--aggregations=count,p50(v),p90(v),p99(v)",
              "--output=" + out,
              "--targetParallelism=" + run[0],
              "--chunkBytes=" + run[1]),
          out);
      if (run[0] == 4) {
        assertThat(
            "partial sketches to merge",
            Integer.parseInt(JobRun.summary(out).get("chunks")),
            greaterThan(4));
      }
      Map<String, Map<String, String>> got = new HashMap<>();
      try (CSVParser csv =
          CSVParser.parse(
              out.resolve("results.csv"),
              StandardCharsets.UTF_8,
              CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())) {
        assertThat(
            csv.getHeaderNames(), equalTo(List.of("key", "count", "p50(v)", "p90(v)", "p99(v)")));
        for (CSVRecord r : csv) {
          got.put(r.get("key"), r.toMap());
        }
      }
      assertThat(got.keySet(), equalTo(values.keySet()));
      for (Map.Entry<String, List<BigDecimal>> e : values.entrySet()) {
        List<BigDecimal> sorted = e.getValue();
        int n = sorted.size();
        assertThat(e.getKey(), got.get(e.getKey()).get("count"), equalTo(Integer.toString(n)));
        for (int q : new int[] {50, 90, 99}) {
          String label = e.getKey() + " p" + q + " n=" + n + " parallelism " + run[0];
          BigDecimal v = new BigDecimal(got.get(e.getKey()).get("p" + q + "(v)"));
          int r = requestedRank(q, n);
          int distance = rankDistance(sorted, v, r);
          assertThat(label + ": " + v + " is one of the values", distance, greaterThanOrEqualTo(0));
          assertThat(
              label + ": rank of " + v + " vs " + r,
              (double) distance,
              lessThanOrEqualTo(0.01 * n));
          if (n < 20_000) {
            assertThat(label + " is exact", v.compareTo(sorted.get(r - 1)), is(0));
          }
        }
      }
      // the small key by hand: 7 values -1, 0, 2, 3.5, 5, 8, 10; ranks 4, 7, 7
      assertThat(got.get("seven").get("p50(v)"), equalTo("3.5"));
      assertThat(got.get("seven").get("p90(v)"), equalTo("10"));
      assertThat(got.get("seven").get("p99(v)"), equalTo("10"));
    }
  }

  /**
   * Approximate percentiles depend on the order in which the chunks' sketches are merged; the job
   * merges them in input order, whatever order the runner delivers them in, so the same chunks give
   * the same bytes: two keys of 30,000 values each (past what a sketch holds exactly) in
   * 20,000-byte chunks (27 of them), two runs at parallelism 4 and one at parallelism 1. (Before
   * that order was fixed, every run at parallelism 4 printed other percentiles.)
   */
  @Test
  public void approximatePercentilesAreTheSameOnEveryRunOfTheSameChunks() throws IOException {
    SplittableRandom rnd = new SplittableRandom(3);
    StringBuilder sb = new StringBuilder("key,v\n");
    for (int i = 0; i < 60_000; i++) {
      sb.append(i % 2 == 0 ? "a" : "b").append(',').append(rnd.nextInt(1_000_000)).append('\n');
    }
    Path in = tmp.newFile("big-keys.csv").toPath();
    Files.writeString(in, sb);
    String first = null;
    for (int p : new int[] {4, 4, 1}) {
      Path out = out();
      ok(
          JobRun.groupby(
              "--input=" + in,
              "--keyColumns=key",
              "--aggregations=count,p50(v),p90(v),p99(v)",
              "--output=" + out,
              "--targetParallelism=" + p,
              "--chunkBytes=20000"),
          out);
      String results = JobRun.read(out.resolve("results.csv"));
      assertThat(JobRun.summary(out).get("chunks"), equalTo("27"));
      if (first == null) {
        first = results;
        assertThat(first, containsString("\na,30000,"));
      } else {
        assertThat("parallelism " + p, results, equalTo(first));
      }
    }
  }
}
