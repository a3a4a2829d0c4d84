package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.engine.ChunkResult;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.RecordFn;
import dev.parabeam.transforms.engine.ResultTable;
import dev.parabeam.transforms.engine.Utf8Order;
import dev.parabeam.transforms.engine.WriteChunkedOutputs;
import dev.parabeam.transforms.stats.QuantilesFn;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The results of two ChunkedCsvs that use {@link QuantilesFn} have equal coders, so that Flink
 * unions them (it unions only inputs of equal types): a union of two percentile branches on
 * embedded Flink writes what one branch over both inputs writes.
 */
public class PercentileUnionTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** key column to amount. */
  static final class Amounts implements RecordFn<String, Double> {
    private static final long serialVersionUID = 1L;

    @Override
    public void apply(dev.parabeam.transforms.engine.CsvRecord r, Output<String, Double> out) {
      out.emit(r.get("key"), Double.parseDouble(r.get("amount")));
    }
  }

  /** key,p50,p90 */
  static final class PercentileTable implements ResultTable<String, List<Double>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> header() {
      return List.of("key", "p50", "p90");
    }

    @Override
    public List<String> row(String key, List<Double> q) {
      return List.of(key, q.get(50).toString(), q.get(90).toString());
    }

    @Override
    public Comparator<String> order() {
      return Utf8Order.INSTANCE;
    }
  }

  private static List<CsvChunk> chunks(List<Path> files) throws IOException {
    List<CsvFile> f = new ArrayList<>();
    for (Path p : files) {
      CsvHeader h;
      try (ReadableByteChannel ch = ChunkIO.openAt(p.toString(), 0)) {
        h = CsvHeader.read(ch, CsvDialect.RFC4180, 1 << 20);
      }
      f.add(
          new CsvFile(p.toString(), Files.size(p), h.dataStart(), h.dataStartLine(), h.columns()));
    }
    return ChunkPlanner.plan(f, 64, 2);
  }

  private static PCollection<ChunkResult<String, QuantilesFn.Acc>> branch(
      Pipeline p, String name, List<Path> files) throws IOException {
    ChunkedCsv<String, Double, QuantilesFn.Acc> t =
        ChunkedCsv.of(new Amounts(), StringUtf8Coder.of(), DoubleCoder.of(), new QuantilesFn());
    return t.results(
        p.apply(name + "Chunks", Create.of(chunks(files)).withCoder(CsvChunk.Coder.of()))
            .apply(name, t));
  }

  private String run(String runner, boolean union, List<Path> a, List<Path> b) throws Exception {
    Path out = tmp.newFolder().toPath();
    PipelineOptions o =
        PipelineOptionsFactory.fromArgs(
                runner.equals("FlinkRunner")
                    ? new String[] {
                      "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2"
                    }
                    : new String[] {"--runner=DirectRunner"})
            .create();
    Pipeline p = Pipeline.create(o);
    PCollection<ChunkResult<String, QuantilesFn.Acc>> results;
    if (union) {
      results =
          PCollectionList.of(branch(p, "Left", a))
              .and(branch(p, "Right", b))
              .apply("Union", Flatten.pCollections());
    } else {
      List<Path> both = new ArrayList<>(a);
      both.addAll(b);
      results = branch(p, "Both", both);
    }
    results.apply(
        "Write", WriteChunkedOutputs.to(out.toString(), new QuantilesFn(), new PercentileTable()));
    p.run().waitUntilFinish();
    return Files.readString(out.resolve("results.csv"));
  }

  @Test
  public void aFlinkUnionOfTwoPercentileBranches() throws Exception {
    Path a = tmp.newFile("a.csv").toPath();
    Files.writeString(a, "key,amount\nx,1\nx,5\ny,2\nx,3\ny,8\nz,4\n");
    Path b = tmp.newFile("b.csv").toPath();
    Files.writeString(b, "key,amount\ny,7\nx,9\nx,2\nz,6\ny,1\nx,10\n");
    String want = run("DirectRunner", false, List.of(a), List.of(b));
    assertThat(run("FlinkRunner", true, List.of(a), List.of(b)), equalTo(want));
  }
}
