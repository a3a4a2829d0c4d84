package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.KeyAndValue;
import dev.parabeam.transforms.stats.StatsFns;
import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ChunkedCsvTest {
  /** The aggregate job's transform: statistics of a value column per key column. */
  static ChunkedCsv<String, BigDecimal, DecimalStats> stats(String key, String value) {
    return ChunkedCsv.of(
        new KeyAndValue(key, value),
        StringUtf8Coder.of(),
        BigDecimalCoder.of(),
        new StatsFns.OfValues());
  }

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private String file(String name, byte[] content) throws IOException {
    File f = tmp.newFile(name);
    Files.write(f.toPath(), content);
    return f.getAbsolutePath();
  }

  private String file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads headers and plans chunks the way the aggregate pipeline does. */
  static List<CsvChunk> plan(
      List<String> paths, String key, String value, long chunkBytes, int parallelism)
      throws IOException {
    List<CsvFile> files = new ArrayList<>();
    for (String p : paths) {
      CsvHeader h;
      try (ReadableByteChannel ch = ChunkIO.openAt(p, 0)) {
        h = CsvHeader.read(ch, CsvDialect.RFC4180, 1 << 20);
      }
      files.add(
          new CsvFile(p, new File(p).length(), h.dataStart(), h.dataStartLine(), h.columns()));
    }
    return ChunkPlanner.plan(files, chunkBytes, parallelism);
  }

  private static PCollection<String> rows(
      ChunkedCsv<String, BigDecimal, DecimalStats> t, PCollectionTuple out, String name) {
    return t.results(out)
        .apply(name + "PerKey", t.perKey(new StatsFns.OfValues()))
        .apply(
            name + "Rows",
            MapElements.into(TypeDescriptors.strings())
                .via((KV<String, DecimalStats> kv) -> StatsCsv.row(kv.getKey(), kv.getValue())));
  }

  private static PCollection<KV<String, Long>> counts(
      ChunkedCsv<String, BigDecimal, DecimalStats> t, PCollectionTuple out, String name) {
    return t.results(out).apply(name + "Counts", ChunkedCsv.counts());
  }

  private static final String FILE_A =
      "id,key,amount\n" // 1
          + "1,alpha,10\n" // 2
          + "2,\"be,ta\",2.5\r\n" // 3
          + "\n" // 4
          + "3,\"multi\nline\",-1\n" // 5-6
          + "4,alpha,abc\n" // 7  dead
          + "5,gamma\n" // 8  dead
          + "6,\"q\"\"uote\",1e3\n" // 9
          + "7,alpha, 8 \n" // 10
          + "8,ü,\n" // 11 dead
          + "9,\"bad\"x,1\n" // 12 dead
          + "10,be\"t\"a,1\n" // 13 quotes inside an unquoted field are literals
          + "11,\u00ff,1\n" // 14 dead (the ÿ is replaced by a lone 0xFF byte below)
          + "12,,.5\n" // 15
          + "13,alpha,1.\n" // 16
          + "14,\"be,ta\",+2\n" // 17
          + "15,ü,-0\n" // 18
          + "16,\"open,5\n" // 19 dead: unterminated to the end of file
          + "17,alpha,1"; // 20

  private static byte[] fileA() {
    byte[] b = FILE_A.getBytes(StandardCharsets.UTF_8);
    byte[] y = "\u00ff".getBytes(StandardCharsets.UTF_8); // C3 BF
    byte[] out = new byte[b.length - 1];
    int o = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == y[0] && b[i + 1] == y[1]) {
        out[o++] = (byte) 0xFF;
        i++;
      } else {
        out[o++] = b[i];
      }
    }
    return out;
  }

  /** BOM, CRLF, other column order, quoted CRLF, no trailing newline. */
  private static final String FILE_B =
      "\uFEFFamount,key,note\r\n" // 1
          + "3.25,alpha,x\r\n" // 2
          + "\r\n" // 3
          + "1E+2,ü,\"a\r\nb\"\r\n" // 4-5
          + "-4,\"be,ta\",\r\n" // 6
          + "7,alpha,\"x,y\""; // 7

  @Test
  public void sameResultsDeadLettersAndCountsForEveryChunking() throws IOException {
    String a = file("a.csv", fileA());
    String b = file("b.csv", FILE_B);
    String headerOnly = file("c.csv", "key,amount\n");
    List<String> paths = List.of(a, b, headerOnly);

    // computed by hand from the files above
    String[] expectedRows = {
      "alpha,5,29.25,1,10,5.85", // 10, 8, 1., 3.25, 7
      "\"be,ta\",3,0.5,-4,2.5,0.166667", // 2.5, +2, -4
      "\"multi\nline\",1,-1,-1,-1,-1",
      "\"q\"\"uote\",1,1000,1000,1000,1000",
      ",1,0.5,0.5,0.5,0.5", // the empty key
      "ü,2,100,0,100,50", // -0, 1E+2
      "\"be\"\"t\"\"a\",1,1,1,1,1",
    };
    DeadLetter[] expectedDead = {
      new DeadLetter(a, 7, "amount: not a number: 'abc'", "4,alpha,abc"),
      new DeadLetter(a, 8, "expected 3 fields, found 2", "5,gamma"),
      new DeadLetter(a, 11, "amount: not a number: ''", "8,ü,"),
      new DeadLetter(a, 12, "field 2: text after closing quote", "9,\"bad\"x,1"),
      new DeadLetter(a, 14, "invalid UTF-8", "11,\uFFFD,1"),
      new DeadLetter(
          a,
          19,
          "unterminated quoted field: the quote opened on line 19 is never closed, so the record"
              + " runs to the end of the file (21 bytes over 2 lines); the record column holds its first 21 bytes",
          "16,\"open,5\n17,alpha,1"),
    };
    // 16 records in a, 4 in b; 6 dead letters
    List<KV<String, Long>> expectedCounts =
        List.of(
            KV.of(ChunkedCsv.RECORDS_READ, 20L),
            KV.of(ChunkedCsv.RECORDS_OK, 14L),
            KV.of(ChunkedCsv.DEAD_LETTER_COUNT, 6L));

    // chunk size, parallelism: 1-byte chunks, chunks smaller than a record, larger, whole files,
    // automatic
    long[][] chunkings = {{1, 1}, {7, 2}, {64, 3}, {100_000, 1}, {0, 4}};
    for (long[] c : chunkings) {
      List<CsvChunk> chunks = plan(paths, "key", "amount", c[0], (int) c[1]);
      if (c[0] == 1) {
        assertThat((long) chunks.size(), is(new File(a).length() - 14 + new File(b).length() - 20));
      }
      // located by the pipeline's own scan pass, and by the launcher before the pipeline
      for (boolean onLauncher : new boolean[] {false, true}) {
        String name = "Chunks" + c[0] + "x" + c[1] + (onLauncher ? "Launcher" : "Pipeline");
        ChunkedCsv<String, BigDecimal, DecimalStats> stats = stats("key", "amount");
        List<CsvChunk> input = chunks;
        if (onLauncher) {
          input = ChunkLocator.scanAndLocate(chunks, CsvDialect.RFC4180);
          stats = stats.withLocatedChunks();
        }
        PCollectionTuple out =
            pipeline
                .apply(name, Create.of(input).withCoder(CsvChunk.Coder.of()))
                .apply(name + "Stats", stats);
        PAssert.that(name + " results", rows(stats, out, name)).containsInAnyOrder(expectedRows);
        PAssert.that(name + " dead letters", out.get(ChunkedCsv.DEAD_LETTERS))
            .containsInAnyOrder(expectedDead);
        PAssert.that(name + " counts", counts(stats, out, name)).containsInAnyOrder(expectedCounts);
      }
    }
    pipeline.run().waitUntilFinish();
  }

  /**
   * Two branches (two ChunkedCsvs, as flow-demo has four) given one dead-letter directory: each
   * branch's dead-letters.csv holds its own dead letters, none lost to or doubled from the other
   * (their unit files are named by the transform as well as by the unit).
   */
  @Test
  public void twoBranchesShareADeadLetterDirectory() throws IOException {
    String shared = tmp.newFolder("dead").getAbsolutePath();
    Map<String, String> want = new TreeMap<>();
    List<java.nio.file.Path> outs = new ArrayList<>();
    for (String branch : List.of("left", "right")) {
      String input = file(branch + ".csv", "key,amount\na,1\n" + branch + ",bad\nb,2\n");
      ChunkedCsv<String, BigDecimal, DecimalStats> t =
          stats("key", "amount").withDeadLetterDirectory(shared);
      java.nio.file.Path out = tmp.newFolder(branch).toPath();
      outs.add(out);
      want.put(out.toString(), DeadLetter.CSV_HEADER + "\n" + input + ",3,");
      PCollectionTuple parsed =
          pipeline
              .apply(
                  branch + "Chunks",
                  Create.of(plan(List.of(input), "key", "amount", 1 << 20, 1))
                      .withCoder(CsvChunk.Coder.of()))
              .apply(branch + "Csv", t);
      t.results(parsed)
          .apply(
              branch + "Write",
              WriteChunkedOutputs.to(
                  out.toString(),
                  new StatsFns.OfValues(),
                  new dev.parabeam.transforms.stats.StatsTable()));
    }
    pipeline.run().waitUntilFinish();
    for (java.nio.file.Path out : outs) {
      String dead = Files.readString(out.resolve("dead-letters.csv"), StandardCharsets.UTF_8);
      assertThat(dead, org.hamcrest.Matchers.startsWith(want.get(out.toString())));
      assertThat(dead.lines().count(), is(2L));
    }
    assertThat(new File(shared).list((d, n) -> n.endsWith(".csv")).length, is(2));
  }

  @Test
  public void chunksDeclaredLocatedButNotLocatedFailThePipeline() throws IOException {
    String c = file("plain.csv", "k,v\na,1\nb,2\n");
    pipeline
        .apply(Create.of(plan(List.of(c), "k", "v", 4, 2)).withCoder(CsvChunk.Coder.of()))
        .apply(stats("k", "v").withLocatedChunks());
    Pipeline.PipelineExecutionException e =
        assertThrows(
            Pipeline.PipelineExecutionException.class, () -> pipeline.run().waitUntilFinish());
    assertThat(e.getCause().getMessage(), containsString("was not located before parsing"));
  }

  @Test
  public void tooLongRecordsBecomeDeadLettersWithTheirStart() throws IOException {
    String c =
        file(
            "long.csv",
            "k,v\n"
                + "a,1\n"
                + "\"long\nkey with more than twenty-four bytes\",2\n"
                + "b,3\r\n"
                + "\"unterminated and long, very long\n");
    for (long size : new long[] {1, 5, 0}) {
      String name = "Long" + size;
      ChunkedCsv<String, BigDecimal, DecimalStats> t = stats("k", "v").withMaxRecordBytes(24);
      PCollectionTuple out =
          pipeline
              .apply(
                  name,
                  Create.of(plan(List.of(c), "k", "v", size, 3)).withCoder(CsvChunk.Coder.of()))
              .apply(name + "Stats", t);
      PAssert.that(rows(t, out, name)).containsInAnyOrder("a,1,1,1,1,1", "b,1,3,3,3,3");
      PAssert.that(out.get(ChunkedCsv.DEAD_LETTERS))
          .containsInAnyOrder(
              new DeadLetter(
                  c,
                  3,
                  "record longer than the maximum of 24 bytes (45 bytes over 2 lines; a quoted field opened on line 3"
                      + " holds line breaks); the record column holds its first 24 bytes",
                  "\"long\nkey with more than"),
              new DeadLetter(
                  c,
                  6,
                  "unterminated quoted field: the quote opened on line 6 is never closed, so the record runs to the"
                      + " end of the file (34 bytes); the record column holds its first 24 bytes",
                  "\"unterminated and long, "));
      PAssert.that(counts(t, out, name))
          .containsInAnyOrder(
              KV.of(ChunkedCsv.RECORDS_READ, 4L),
              KV.of(ChunkedCsv.RECORDS_OK, 2L),
              KV.of(ChunkedCsv.DEAD_LETTER_COUNT, 2L));
    }
    pipeline.run().waitUntilFinish();
  }

  /** A generated file, checked against commons-csv + BigDecimal, under several chunkings. */
  @Test
  public void generatedFileAgreesWithCommonsCsv() throws IOException {
    Random rnd = new Random(8L);
    String[] keyPieces = {"k", "ü", ",", "\"", "\n", "\r\n", " ", "日"};
    StringBuilder sb = new StringBuilder("value,key\n");
    for (int i = 0; i < 120; i++) {
      StringBuilder k = new StringBuilder();
      for (int n = rnd.nextInt(3); n > 0; n--) {
        k.append(keyPieces[rnd.nextInt(keyPieces.length)]);
      }
      String value =
          rnd.nextInt(15) == 0
              ? "x" + i
              : BigDecimal.valueOf(rnd.nextInt(20001) - 10000, rnd.nextInt(4)).toPlainString();
      sb.append(CsvText.row(value, k.toString())).append(rnd.nextBoolean() ? "\n" : "\r\n");
      if (rnd.nextInt(10) == 0) {
        sb.append("\n");
      }
    }
    String path = file("gen.csv", sb.toString());

    // the oracle
    Map<String, List<BigDecimal>> byKey = new TreeMap<>();
    long read = 0;
    long dead = 0;
    try (CSVParser p =
        CSVParser.parse(
            new StringReader(sb.toString()),
            CSVFormat.RFC4180
                .builder()
                .setIgnoreEmptyLines(true)
                .setHeader()
                .setSkipHeaderRecord(true)
                .build())) {
      for (CSVRecord r : p) {
        read++;
        if (r.get("value").startsWith("x")) {
          dead++;
        } else {
          byKey
              .computeIfAbsent(r.get("key"), x -> new ArrayList<>())
              .add(new BigDecimal(r.get("value")));
        }
      }
    }
    List<String> expected = new ArrayList<>();
    for (Map.Entry<String, List<BigDecimal>> e : byKey.entrySet()) {
      List<BigDecimal> v = e.getValue();
      BigDecimal sum = v.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
      expected.add(
          CsvText.row(
              e.getKey(),
              Integer.toString(v.size()),
              sum.stripTrailingZeros().toPlainString(),
              v.stream().min(BigDecimal::compareTo).get().stripTrailingZeros().toPlainString(),
              v.stream().max(BigDecimal::compareTo).get().stripTrailingZeros().toPlainString(),
              sum.divide(BigDecimal.valueOf(v.size()), 6, RoundingMode.HALF_EVEN)
                  .stripTrailingZeros()
                  .toPlainString()));
    }
    assertThat(read, is(120L));

    for (long size : new long[] {29, 0}) {
      String name = "Gen" + size;
      ChunkedCsv<String, BigDecimal, DecimalStats> t = stats("key", "value");
      PCollectionTuple out =
          pipeline
              .apply(
                  name,
                  Create.of(plan(List.of(path), "key", "value", size, 4))
                      .withCoder(CsvChunk.Coder.of()))
              .apply(name + "Stats", t);
      PAssert.that(rows(t, out, name)).containsInAnyOrder(expected);
      PAssert.that(counts(t, out, name))
          .containsInAnyOrder(
              KV.of(ChunkedCsv.RECORDS_READ, read),
              KV.of(ChunkedCsv.RECORDS_OK, read - dead),
              KV.of(ChunkedCsv.DEAD_LETTER_COUNT, dead));
    }
    pipeline.run().waitUntilFinish();
  }

  /**
   * A unit with more keys than its record view keeps ids for (16k texts) leaves the per-key columns
   * for the map part way through: the hot keys, whose records come before and after that point,
   * still end with every record, as the plain per-record sums say.
   */
  @Test
  public void moreKeysThanTheViewKeepsLeaveTheColumnsWithoutLosingARecord() throws IOException {
    StringBuilder sb = new StringBuilder("key,value\n");
    Map<String, BigDecimal[]> want = new TreeMap<>(); // count, sum
    Random rnd = new Random(3);
    for (int i = 0; i < 60_000; i++) {
      String key = i % 3 == 0 ? "hot" + (i % 7) : "k" + rnd.nextInt(40_000);
      BigDecimal v = BigDecimal.valueOf(rnd.nextInt(100_000) - 50_000, 2);
      sb.append(key).append(',').append(v.toPlainString()).append('\n');
      BigDecimal[] w =
          want.computeIfAbsent(key, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
      w[0] = w[0].add(BigDecimal.ONE);
      w[1] = w[1].add(v);
    }
    String path = file("many.csv", sb.toString());
    ChunkedCsv<String, BigDecimal, DecimalStats> t = stats("key", "value");
    PCollectionTuple out =
        pipeline
            .apply(
                "Many",
                Create.of(plan(List.of(path), "key", "value", 0, 1)).withCoder(CsvChunk.Coder.of()))
            .apply("ManyStats", t);
    // the units' own accumulators, merged here (a runner-side reduce of 40,000 keys under the
    // test pipeline's checks takes minutes)
    PCollection<String> got =
        t.results(out)
            .apply(
                "ManyPartials",
                org.apache.beam.sdk.transforms.FlatMapElements.into(TypeDescriptors.strings())
                    .via(
                        (ChunkResult<String, DecimalStats> r) -> {
                          List<String> rows = new ArrayList<>();
                          r.partials()
                              .forEach(
                                  (k, d) ->
                                      rows.add(
                                          k + "," + d.count() + "," + d.sum().toPlainString()));
                          return rows;
                        }));
    assertThat(want.size() > KeyStrings.MAX_ENTRIES, is(true));
    PAssert.that(got)
        .satisfies(
            rows -> {
              Map<String, BigDecimal[]> seen = new TreeMap<>();
              for (String row : rows) {
                String[] f = row.split(",");
                BigDecimal[] w =
                    seen.computeIfAbsent(
                        f[0], k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                w[0] = w[0].add(new BigDecimal(f[1]));
                w[1] = w[1].add(new BigDecimal(f[2]));
              }
              assertThat(seen.keySet(), is(want.keySet()));
              seen.forEach(
                  (k, w) -> {
                    assertThat(k, w[0].compareTo(want.get(k)[0]), is(0));
                    assertThat(k, w[1].compareTo(want.get(k)[1]), is(0));
                  });
              return null;
            });
    pipeline.run().waitUntilFinish();
  }
}
