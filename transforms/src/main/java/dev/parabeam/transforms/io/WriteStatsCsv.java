package dev.parabeam.transforms.io;

import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes per-key statistics to one CSV file ({@link StatsCsv} format), sorted by key, and outputs
 * the number of keys written. All results are brought to one worker to be sorted, so memory there
 * grows with the number of keys. An empty input writes a file with the header only.
 */
public final class WriteStatsCsv
    extends PTransform<PCollection<KV<String, DecimalStats>>, PCollection<Long>> {
  private static final long serialVersionUID = 1L;
  private final String path;

  private WriteStatsCsv(String path) {
    this.path = path;
  }

  /** Writes to {@code path} (any Beam file system path). */
  public static WriteStatsCsv to(String path) {
    return new WriteStatsCsv(path);
  }

  @Override
  public PCollection<Long> expand(PCollection<KV<String, DecimalStats>> input) {
    return input
        .apply("CollectResults", Combine.globally(new CollectFn()))
        .setCoder(ListCoder.of(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of())))
        .apply("WriteResultsFile", ParDo.of(new WriteFn(path)))
        .setCoder(VarLongCoder.of());
  }

  static final class CollectFn
      extends Combine.CombineFn<
          KV<String, DecimalStats>,
          List<KV<String, DecimalStats>>,
          List<KV<String, DecimalStats>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<KV<String, DecimalStats>> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<KV<String, DecimalStats>> addInput(
        List<KV<String, DecimalStats>> acc, KV<String, DecimalStats> in) {
      acc.add(in);
      return acc;
    }

    @Override
    public List<KV<String, DecimalStats>> mergeAccumulators(
        Iterable<List<KV<String, DecimalStats>>> accs) {
      List<KV<String, DecimalStats>> all = new ArrayList<>();
      for (List<KV<String, DecimalStats>> a : accs) {
        all.addAll(a);
      }
      return all;
    }

    @Override
    public List<KV<String, DecimalStats>> extractOutput(List<KV<String, DecimalStats>> acc) {
      return acc;
    }

    @Override
    public Coder<List<KV<String, DecimalStats>>> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<String, DecimalStats>> inputCoder) {
      return ListCoder.of(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of()));
    }
  }

  static final class WriteFn extends DoFn<List<KV<String, DecimalStats>>, Long> {
    private static final long serialVersionUID = 1L;
    private final String path;

    WriteFn(String path) {
      this.path = path;
    }

    @ProcessElement
    public void process(@Element List<KV<String, DecimalStats>> rows, OutputReceiver<Long> out)
        throws IOException {
      ResourceId target = FileSystems.matchNewResource(path, false);
      try (Writer w =
          new BufferedWriter(
              new OutputStreamWriter(
                  Channels.newOutputStream(FileSystems.create(target, "text/csv")),
                  StandardCharsets.UTF_8),
              1 << 16)) {
        StatsCsv.write(rows, w);
      }
      out.output((long) rows.size());
    }
  }
}
