package dev.parabeam.transforms.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Sums named counts and writes them as {@code name=value} lines, sorted by name, to one file.
 * Counts written as data are exact on every runner, retries included, where metrics may be only
 * attempted.
 */
public final class WriteCounts extends PTransform<PCollection<KV<String, Long>>, PDone> {
  private static final long serialVersionUID = 1L;
  private final String path;

  private WriteCounts(String path) {
    this.path = path;
  }

  public static WriteCounts to(String path) {
    return new WriteCounts(path);
  }

  @Override
  public PDone expand(PCollection<KV<String, Long>> counts) {
    counts
        .apply("SumCounts", Sum.longsPerKey())
        .apply("OneGroup", WithKeys.of(0))
        .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())))
        .apply("GatherCounts", GroupByKey.create())
        .apply("WriteCountsFile", ParDo.of(new WriteFn(path)));
    return PDone.in(counts.getPipeline());
  }

  static final class WriteFn extends DoFn<KV<Integer, Iterable<KV<String, Long>>>, Void> {
    private static final long serialVersionUID = 1L;
    private final String path;

    WriteFn(String path) {
      this.path = path;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<String, Long>>> all) throws IOException {
      Map<String, Long> sorted = new TreeMap<>();
      for (KV<String, Long> kv : all.getValue()) {
        sorted.merge(kv.getKey(), kv.getValue(), Long::sum);
      }
      StringBuilder sb = new StringBuilder();
      sorted.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
      try (OutputStream out =
          Channels.newOutputStream(
              FileSystems.create(FileSystems.matchNewResource(path, false), "text/plain"))) {
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
