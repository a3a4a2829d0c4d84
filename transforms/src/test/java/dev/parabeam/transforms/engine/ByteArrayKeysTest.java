package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.chunks.CsvChunk;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Keys whose {@code equals} disagrees with their coder ({@code byte[]}: identity) are grouped by
 * the coder's structural value, as Beam groups them: both finishes (the merge in one place and
 * {@code perKey}) give one row per distinct key, with the same sums.
 */
public class ByteArrayKeysTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  /** The key column's bytes, and the count column as a number. */
  static final class BytesAndCount implements RecordFn<byte[], Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public void apply(CsvRecord record, Output<byte[], Long> out) {
      out.emit(record.get("key").getBytes(StandardCharsets.UTF_8), Long.parseLong(record.get("n")));
    }
  }

  static final class BytesOrder implements Comparator<byte[]>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(byte[] a, byte[] b) {
      return Arrays.compareUnsigned(a, b);
    }
  }

  static final class SumTable implements ResultTable<byte[], Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> header() {
      return List.of("key", "sum");
    }

    @Override
    public List<String> row(byte[] key, Long result) {
      return List.of(new String(key, StandardCharsets.UTF_8), result.toString());
    }

    @Override
    public Comparator<byte[]> order() {
      return new BytesOrder();
    }
  }

  @Test
  public void byteArrayKeysGroupByTheirBytesInBothFinishes() throws IOException {
    File in = tmp.newFile("in.csv");
    Files.writeString(in.toPath(), "key,n\na,1\nb,10\na,2\nb,20\na,4\nc,100\n");
    Path out = tmp.newFolder("out").toPath();
    ChunkedCsv<byte[], Long, long[]> t =
        ChunkedCsv.of(new BytesAndCount(), ByteArrayCoder.of(), VarLongCoder.of(), Sum.ofLongs())
            .withKeyOrder(new BytesOrder());
    PCollectionTuple parsed =
        pipeline
            .apply(
                Create.of(
                        (List<CsvChunk>)
                            ChunkedCsvTest.plan(List.of(in.getPath()), "key", "n", 1 << 20, 1))
                    .withCoder(CsvChunk.Coder.of()))
            .apply(t);
    t.results(parsed).apply(WriteChunkedOutputs.to(out.toString(), Sum.ofLongs(), new SumTable()));
    PAssert.that(
            t.results(parsed)
                .apply("PerKey", t.perKey(Sum.ofLongs()))
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (KV<byte[], Long> kv) ->
                                new String(kv.getKey(), StandardCharsets.UTF_8)
                                    + ","
                                    + kv.getValue())))
        .containsInAnyOrder("a,7", "b,30", "c,100");
    pipeline.run().waitUntilFinish();
    assertThat(Files.readString(out.resolve("results.csv")), is("key,sum\na,7\nb,30\nc,100\n"));
  }

  /**
   * Keys of a coder other than strings' and lists' spill as that coder's bytes and merge by the
   * job's comparator (RunKeys' fallback): a tiny budget makes every unit spill, and the sums are
   * those of a plain map.
   */
  @Test
  public void byteArrayKeysSpilledAndMergedByTheirComparatorGiveThePlainSums() throws IOException {
    File in = tmp.newFile("many.csv");
    StringBuilder csv = new StringBuilder("key,n\n");
    java.util.TreeMap<String, Long> expected = new java.util.TreeMap<>();
    java.util.Random r = new java.util.Random(9);
    for (int i = 0; i < 2_000; i++) {
      String k = "k" + r.nextInt(300) + (r.nextInt(10) == 0 ? "\u00e9" : "");
      long n = r.nextInt(1000);
      csv.append(k).append(',').append(n).append('\n');
      expected.merge(k, n, Long::sum);
    }
    Files.writeString(in.toPath(), csv.toString());
    Path out = tmp.newFolder("spilled").toPath();
    String work = out.resolve(".work").toString();
    Files.createDirectories(Path.of(work));
    List<CsvChunk> chunks = ChunkedCsvTest.plan(List.of(in.getPath()), "key", "n", 2_000, 4);
    int units = chunks.get(chunks.size() - 1).unit() + 1;
    SpillSettings spill = new SpillSettings(work, 1, 4, units, 3);
    ChunkedCsv<byte[], Long, long[]> t =
        ChunkedCsv.of(new BytesAndCount(), ByteArrayCoder.of(), VarLongCoder.of(), Sum.ofLongs())
            .withKeyOrder(new BytesOrder())
            .withSpill(spill);
    PCollectionTuple parsed =
        pipeline.apply(Create.of(chunks).withCoder(CsvChunk.Coder.of())).apply(t);
    t.results(parsed)
        .apply(
            WriteChunkedOutputs.to(out.toString(), Sum.ofLongs(), new SumTable())
                .withPartitions(3, work));
    pipeline.run().waitUntilFinish();
    StringBuilder want = new StringBuilder("key,sum\n");
    // the table's order: the keys' UTF-8 bytes (é after every ASCII digit)
    List<String> keys = new java.util.ArrayList<>(expected.keySet());
    keys.sort((a, b) -> Arrays.compareUnsigned(bytes(a), bytes(b)));
    for (String k : keys) {
      want.append(k).append(',').append(expected.get(k)).append('\n');
    }
    assertThat(Files.readString(out.resolve("results.csv")), is(want.toString()));
    assertThat(
        Files.readString(out.resolve(WriteChunkedOutputs.COUNTS_FILE)).contains("run_files=0"),
        is(false));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
