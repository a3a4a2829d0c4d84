package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.StatsFns;
import dev.parabeam.transforms.stats.StatsTable;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Several chunks packed into one unit of work: the unit's chunks go to one worker together, are
 * read in plan order into one result, and its dead letters into one file, so the job's outputs are
 * those of the same input cut into one chunk per unit (and every figure is checked here against the
 * input itself). The chunks are created in a shuffled order.
 */
public class PackedUnitsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final int RECORDS = 120;
  private static final int CHUNKS_PER_UNIT = 4;

  @Test
  public void aUnitOfSeveralChunksGivesOneResultAndItsDeadLettersInInputOrder() throws IOException {
    // key a, b or c; amount i; every 9th amount is not a number
    StringBuilder csv = new StringBuilder("key,amount\n");
    TreeMap<String, List<Integer>> byKey = new TreeMap<>();
    StringBuilder deadRows = new StringBuilder();
    String path = new File(tmp.getRoot(), "in.csv").getAbsolutePath();
    for (int i = 1; i <= RECORDS; i++) {
      String key = String.valueOf((char) ('a' + i % 3));
      if (i % 9 == 0) {
        csv.append(key).append(",x").append(i).append('\n');
        deadRows
            .append(
                new DeadLetter(path, i + 1, "amount: not a number: 'x" + i + "'", key + ",x" + i)
                    .toCsvRow())
            .append('\n');
      } else {
        csv.append(key).append(',').append(i).append('\n');
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      }
    }
    Files.writeString(Path.of(path), csv, StandardCharsets.UTF_8);
    StringBuilder results = new StringBuilder("key,count,sum,min,max,mean\n");
    byKey.forEach(
        (k, v) -> {
          int sum = v.stream().mapToInt(Integer::intValue).sum();
          String mean =
              BigDecimal.valueOf(sum)
                  .divide(BigDecimal.valueOf(v.size()), 6, RoundingMode.HALF_EVEN)
                  .stripTrailingZeros()
                  .toPlainString();
          results.append(
              String.join(
                      ",",
                      k,
                      Integer.toString(v.size()),
                      Integer.toString(sum),
                      Integer.toString(Collections.min(v)),
                      Integer.toString(Collections.max(v)),
                      mean)
                  + "\n");
        });

    List<CsvChunk> plain =
        ChunkedCsvTest.plan(List.of(path), "key", "amount", 24, 1); // many chunks of 24 bytes
    List<CsvChunk> packed = new ArrayList<>();
    for (CsvChunk c : plain) {
      packed.add(c.inUnit(c.ordinal() / CHUNKS_PER_UNIT));
    }
    int units = (plain.size() + CHUNKS_PER_UNIT - 1) / CHUNKS_PER_UNIT;
    assertThat("several units of several chunks", units >= 5, is(true));

    List<Path> outs = new ArrayList<>();
    for (boolean located : new boolean[] {false, true}) {
      String name = located ? "Located" : "Scanned";
      List<CsvChunk> input =
          new ArrayList<>(
              located ? ChunkLocator.scanAndLocate(packed, CsvDialect.RFC4180) : packed);
      Collections.shuffle(input, new Random(7));
      ChunkedCsv<String, BigDecimal, DecimalStats> t =
          ChunkedCsvTest.stats("key", "amount")
              .withDeadLetterDirectory(tmp.newFolder(name + "-dead").getAbsolutePath());
      if (located) {
        t = t.withLocatedChunks();
      }
      Path out = tmp.newFolder(name).toPath();
      outs.add(out);
      PCollectionTuple parsed =
          pipeline
              .apply(name, Create.of(input).withCoder(CsvChunk.Coder.of()))
              .apply(name + "Csv", t);
      t.results(parsed)
          .apply(
              name + "Write",
              WriteChunkedOutputs.to(out.toString(), new StatsFns.OfValues(), new StatsTable()));
    }
    pipeline.run().waitUntilFinish();

    long dead = RECORDS / 9;
    for (Path out : outs) {
      assertThat(Files.readString(out.resolve("results.csv")), is(results.toString()));
      assertThat(
          Files.readString(out.resolve("dead-letters.csv")),
          is(DeadLetter.CSV_HEADER + "\n" + deadRows));
      String counts = Files.readString(out.resolve("counts.properties"));
      assertThat(counts, containsString("chunks=" + plain.size() + "\n"));
      assertThat(counts, containsString("units=" + units + "\n"));
      assertThat(counts, containsString("records_read=" + RECORDS + "\n"));
      assertThat(counts, containsString("records_ok=" + (RECORDS - dead) + "\n"));
      assertThat(counts, containsString("dead_letters=" + dead + "\n"));
    }
  }
}
