package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Count, exact sum, min and max per key, as a combiner-lifted {@code Combine.perKey}: runners that
 * lift combiners (Flink, Dataflow) pre-aggregate before the shuffle, so memory grows with the
 * number of keys, not of records.
 */
public final class KeyedStatistics {
  private KeyedStatistics() {}

  /** From single values per key. */
  public static PTransform<
          PCollection<KV<String, BigDecimal>>, PCollection<KV<String, DecimalStats>>>
      ofValues() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, DecimalStats>> expand(PCollection<KV<String, BigDecimal>> in) {
        return in.apply("CombinePerKey", Combine.perKey(new StatsFns.OfValues()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of()));
      }
    };
  }

  /** From partial summaries per key (e.g. one per key per chunk). */
  public static PTransform<
          PCollection<KV<String, DecimalStats>>, PCollection<KV<String, DecimalStats>>>
      ofPartials() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, DecimalStats>> expand(
          PCollection<KV<String, DecimalStats>> in) {
        return in.apply("MergePerKey", Combine.perKey(new StatsFns.OfPartials()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of()));
      }
    };
  }
}
