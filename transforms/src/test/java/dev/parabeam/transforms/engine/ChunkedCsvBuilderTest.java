package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.KeyAndValue;
import dev.parabeam.transforms.stats.StatsFns;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every {@code withX} of {@link ChunkedCsv}: its check, its effect, and that it leaves the original
 * alone.
 */
public class ChunkedCsvBuilderTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static ChunkedCsv<String, BigDecimal, DecimalStats> stats() {
    return ChunkedCsv.of(
        new KeyAndValue("k", "v"),
        StringUtf8Coder.of(),
        BigDecimalCoder.of(),
        new StatsFns.OfValues());
  }

  private List<CsvChunk> plan(String content, CsvDialect dialect, long chunkBytes)
      throws IOException {
    File f = tmp.newFile();
    Files.write(f.toPath(), content.getBytes(StandardCharsets.UTF_8));
    CsvHeader h;
    try (ReadableByteChannel ch = ChunkIO.openAt(f.getAbsolutePath(), 0)) {
      h = CsvHeader.read(ch, dialect, 1 << 20);
    }
    CsvFile file =
        new CsvFile(f.getAbsolutePath(), f.length(), h.dataStart(), h.dataStartLine(), h.columns());
    return ChunkPlanner.plan(List.of(file), chunkBytes, 2);
  }

  private static PCollection<String> rows(
      ChunkedCsv<String, BigDecimal, DecimalStats> t, PCollectionTuple out, String n) {
    return t.results(out)
        .apply(n + "PerKey", t.perKey(new StatsFns.OfValues()))
        .apply(
            n + "Rows",
            MapElements.into(TypeDescriptors.strings())
                .via(
                    (KV<String, DecimalStats> kv) ->
                        kv.getKey() + "=" + kv.getValue().sum().toPlainString()));
  }

  /** The value of the display item {@code key}, or null. */
  private static Object item(DisplayData d, String key) {
    for (DisplayData.Item i : d.items()) {
      if (i.getKey().equals(key)) {
        return i.getValue();
      }
    }
    return null;
  }

  @Test
  public void argumentsAreCheckedWhereTheyAreGiven() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ChunkedCsv.of(
                null, StringUtf8Coder.of(), BigDecimalCoder.of(), new StatsFns.OfValues()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ChunkedCsv.of(
                new KeyAndValue("k", "v"), null, BigDecimalCoder.of(), new StatsFns.OfValues()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ChunkedCsv.of(
                new KeyAndValue("k", "v"), StringUtf8Coder.of(), null, new StatsFns.OfValues()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ChunkedCsv.of(
                new KeyAndValue("k", "v"), StringUtf8Coder.of(), BigDecimalCoder.of(), null));
    assertThrows(IllegalArgumentException.class, () -> stats().withDialect(null));
    assertThrows(IllegalArgumentException.class, () -> stats().withMaxRecordBytes(0));
    assertThrows(IllegalArgumentException.class, () -> stats().withDeadLetterDirectory(""));
    assertThrows(IllegalArgumentException.class, () -> stats().withDistributionKeys(new int[0]));
  }

  @Test
  public void withXReturnsANewTransformAndDisplaysWhatItWasGiven() {
    ChunkedCsv<String, BigDecimal, DecimalStats> base = stats();
    ChunkedCsv<String, BigDecimal, DecimalStats> t =
        base.withDialect(CsvDialect.of(";", "'"))
            .withMaxRecordBytes(99)
            .withDeadLetterDirectory("/tmp/dl")
            .withDistributionKeys(new int[] {3, 1})
            .withLocatedChunks();
    DisplayData d = DisplayData.from(t);
    assertThat(item(d, "delimiter"), is((Object) ";"));
    assertThat(item(d, "quote"), is((Object) "'"));
    assertThat(item(d, "maxRecordBytes"), is((Object) 99L));
    assertThat(item(d, "deadLetterDirectory"), is((Object) "/tmp/dl"));
    assertThat(item(d, "distributionKeys"), is((Object) "[3, 1]"));
    assertThat(item(d, "locatedChunks"), is((Object) true));
    DisplayData original = DisplayData.from(base);
    assertThat(item(original, "delimiter"), is((Object) ","));
    assertThat(item(original, "maxRecordBytes"), is((Object) (long) (1 << 20)));
    assertThat(item(original, "locatedChunks"), is((Object) false));
    assertThat(item(original, "deadLetterDirectory"), nullValue());
  }

  @Test
  public void withDialectReadsOtherSeparatorsAndQuotes() throws IOException {
    CsvDialect semi = CsvDialect.of(";", "'");
    List<CsvChunk> chunks = plan("k;v\n'a;b';1\na;2\n'a;b';3,5\n", semi, 5);
    ChunkedCsv<String, BigDecimal, DecimalStats> t = stats().withDialect(semi);
    PCollectionTuple out =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    PAssert.that(rows(t, out, "Semi")).containsInAnyOrder("a;b=1", "a=2");
    PAssert.that(out.get(ChunkedCsv.DEAD_LETTERS).apply(Count.globally())).containsInAnyOrder(1L);
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void withDeadLetterDirectoryWritesOneFilePerChunkInsteadOfEmitting() throws IOException {
    Path dir = tmp.newFolder("dead").toPath();
    List<CsvChunk> chunks = plan("k,v\na,1\nb,x\nc,3\nd,y\n", CsvDialect.RFC4180, 6);
    ChunkedCsv<String, BigDecimal, DecimalStats> t =
        stats().withDeadLetterDirectory(dir.toString());
    PCollectionTuple out =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    PAssert.that(out.get(ChunkedCsv.DEAD_LETTERS)).empty();
    PAssert.that(
            t.results(out)
                .apply(
                    MapElements.into(TypeDescriptors.longs())
                        .via(
                            (ChunkResult<String, DecimalStats> r) ->
                                r.deadLetterFile().isEmpty() ? 0L : r.dead()))
                .apply(Sum.longsGlobally()))
        .containsInAnyOrder(2L);
    pipeline.run().waitUntilFinish();
    List<String> lines = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
      }
    }
    lines.sort(null);
    assertThat(lines.size(), is(2));
    assertThat(lines.get(0), containsString("v: not a number: 'x'"));
    assertThat(lines.get(1), containsString("v: not a number: 'y'"));
  }

  @Test
  public void withDistributionKeysPicksTheWorkerKeyByOrdinal() throws IOException {
    List<CsvChunk> chunks =
        ChunkLocator.scanAndLocate(
            plan("k,v\na,1\nb,2\nc,3\nd,4\n", CsvDialect.RFC4180, 4), CsvDialect.RFC4180);
    int[] keys = {7, 9};
    for (CsvChunk c : chunks) {
      assertThat(ChunkedCsv.workerKey(c, keys), is(keys[c.ordinal() % 2]));
      assertThat(ChunkedCsv.workerKey(c, null), is(c.ordinal()));
    }
    ChunkedCsv<String, BigDecimal, DecimalStats> t =
        stats().withDistributionKeys(keys).withLocatedChunks();
    PCollectionTuple out =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    PAssert.that(rows(t, out, "Keys")).containsInAnyOrder("a=1", "b=2", "c=3", "d=4");
    pipeline.run().waitUntilFinish();
  }

  /** A record function may emit several pairs; a rejected record counts none of what it emitted. */
  @Test
  public void aRejectedRecordIsOneDeadLetterAndNoneOfItsPairsCount() throws IOException {
    List<CsvChunk> chunks = plan("a,b\n1,2\n3,-4\n5,6\n", CsvDialect.RFC4180, 3);
    RecordFn<String, Long> both =
        (r, out) -> {
          out.emit("a", Long.parseLong(r.get("a")));
          long b = Long.parseLong(r.get(1));
          if (b < 0) {
            out.reject(
                "b is negative: "
                    + b
                    + " on line "
                    + r.line()
                    + " of "
                    + new File(r.file()).getName().length());
            return;
          }
          out.emit("b", b);
        };
    ChunkedCsv<String, Long, long[]> t =
        ChunkedCsv.of(both, StringUtf8Coder.of(), VarLongCoder.of(), Sum.ofLongs());
    PCollectionTuple out =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    PAssert.that(t.results(out).apply("PerKey", t.perKey(Sum.ofLongs())))
        .containsInAnyOrder(KV.of("a", 6L), KV.of("b", 8L));
    PAssert.that(
            out.get(ChunkedCsv.DEAD_LETTERS)
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (DeadLetter d) ->
                                d.line() + ":" + d.reason().substring(0, 17) + ":" + d.record())))
        .containsInAnyOrder("3:b is negative: -4:3,-4");
    PAssert.that(t.results(out).apply("Counts", ChunkedCsv.counts()))
        .containsInAnyOrder(
            KV.of(ChunkedCsv.RECORDS_READ, 3L),
            KV.of(ChunkedCsv.RECORDS_OK, 2L),
            KV.of(ChunkedCsv.DEAD_LETTER_COUNT, 1L));
    pipeline.run().waitUntilFinish();
  }

  /**
   * A unit with more keys than one result carries sends several; every key and count arrives once.
   */
  @Test
  public void aUnitWithManyKeysSendsSeveralResults() throws IOException {
    int keys = ChunkedCsv.MAX_KEYS_PER_RESULT * 2 + 17;
    StringBuilder sb = new StringBuilder("k,v\n");
    for (int i = 0; i < keys; i++) {
      sb.append("key").append(i).append(",1\n").append("key").append(i).append(",2\n");
    }
    sb.append("bad,x\n");
    List<CsvChunk> chunks =
        ChunkLocator.scanAndLocate(
            plan(sb.toString(), CsvDialect.RFC4180, 1 << 30), CsvDialect.RFC4180);
    assertThat(chunks.size(), is(1));
    ChunkedCsv<String, BigDecimal, DecimalStats> t = stats().withLocatedChunks();
    PCollectionTuple out =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    PCollection<ChunkResult<String, DecimalStats>> results = t.results(out);
    PAssert.that(
            results.apply(
                "Sizes",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (ChunkResult<String, DecimalStats> r) ->
                            r.partials().size() + "/" + r.chunks() + "/" + r.read())))
        .satisfies(
            sizes -> {
              List<String> all = new ArrayList<>();
              sizes.forEach(all::add);
              all.sort(null);
              assertThat(all.toString(), all.size(), is(3));
              long withCounts =
                  all.stream().filter(x -> x.endsWith("/1/" + (2 * keys + 1))).count();
              assertThat(all.toString(), withCounts, is(1L));
              return null;
            });
    PAssert.that(
            results
                .apply("PerKey", t.perKey(new StatsFns.OfValues()))
                .apply("Count", Count.globally()))
        .containsInAnyOrder((long) keys);
    PAssert.that(results.apply("Counts", ChunkedCsv.counts()))
        .containsInAnyOrder(
            KV.of(ChunkedCsv.RECORDS_READ, 2L * keys + 1),
            KV.of(ChunkedCsv.RECORDS_OK, 2L * keys),
            KV.of(ChunkedCsv.DEAD_LETTER_COUNT, 1L));
    pipeline.run().waitUntilFinish();
  }
}
