package dev.parabeam.pipelines.launcher;

import dev.parabeam.transforms.engine.Utf8Order;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Writes the lines of a collection of (sort key, line) into one local file, sorted by key (then
 * line) in the order of their UTF-8 bytes ({@link Utf8Order}), after an optional header; the file
 * is written even when there are no lines. One worker writes it: for a job's small final outputs (a
 * report, one line per document), not for bulk data.
 */
public final class WriteSortedLines
    extends PTransform<PCollection<KV<String, String>>, PCollection<Void>> {
  private static final long serialVersionUID = 1L;
  private final String file;
  private final String header;

  private WriteSortedLines(String file, String header) {
    this.file = file;
    this.header = header;
  }

  /** Into {@code file}, with {@code header} (null for none) as its first line. */
  public static WriteSortedLines to(Path file, String header) {
    return new WriteSortedLines(file.toString(), header);
  }

  @Override
  public PCollection<Void> expand(PCollection<KV<String, String>> lines) {
    KvCoder<String, String> line = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    KvCoder<Integer, KV<String, String>> coder = KvCoder.of(VarIntCoder.of(), line);
    // a GroupByKey over nothing emits nothing: one marker element (key 1) makes the group exist
    PCollection<KV<Integer, KV<String, String>>> keyed =
        lines.apply("OneGroup", WithKeys.of(0)).setCoder(coder);
    PCollection<KV<Integer, KV<String, String>>> marker =
        lines
            .getPipeline()
            .apply("EvenWithoutLines", Create.of(KV.of(1, KV.of("", ""))).withCoder(coder));
    return PCollectionList.of(keyed)
        .and(marker)
        .apply("WithMarker", Flatten.pCollections())
        .apply(
            "ToOneWorker",
            WithKeys.of((KV<Integer, KV<String, String>> kv) -> 0)
                .withKeyType(TypeDescriptors.integers()))
        .setCoder(KvCoder.of(VarIntCoder.of(), coder))
        .apply("AllLines", GroupByKey.create())
        .apply("Write", ParDo.of(new WriteFn(file, header)));
  }

  static final class WriteFn
      extends DoFn<KV<Integer, Iterable<KV<Integer, KV<String, String>>>>, Void> {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String header;

    WriteFn(String file, String header) {
      this.file = file;
      this.header = header;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<Integer, KV<String, String>>>> all)
        throws IOException {
      List<KV<String, String>> sorted = new ArrayList<>();
      for (KV<Integer, KV<String, String>> kv : all.getValue()) {
        if (kv.getKey() == 0) {
          sorted.add(kv.getValue());
        }
      }
      // by UTF-8 bytes (code points), as the chunked jobs sort their keys, not by UTF-16 units
      sorted.sort(
          Comparator.comparing((KV<String, String> kv) -> kv.getKey(), Utf8Order.INSTANCE)
              .thenComparing(KV::getValue, Utf8Order.INSTANCE));
      // under a name of this attempt's own, then renamed into place: a second attempt never
      // writes into the file, and one that dies leaves no short file under the final name
      Path target = Path.of(file);
      Path temp = target.resolveSibling(".tmp-" + UUID.randomUUID() + "-" + target.getFileName());
      try {
        try (BufferedWriter w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
          if (header != null) {
            w.write(header);
            w.write('\n');
          }
          for (KV<String, String> l : sorted) {
            w.write(l.getValue());
            w.write('\n');
          }
        }
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    }
  }
}
