package dev.parabeam.pipelines.graph;

import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.stats.Decimals;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/** The steps of the dependency graph after {@code Prepare}, each a plain composite transform. */
final class Steps {
  private Steps() {}

  static final KvCoder<String, BigDecimal> REVENUE =
      KvCoder.of(StringUtf8Coder.of(), BigDecimalCoder.of());
  static final KvCoder<String, KV<String, Long>> TOP =
      KvCoder.of(StringUtf8Coder.of(), KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  static final KvCoder<String, KV<BigDecimal, BigDecimal>> SHARE =
      KvCoder.of(StringUtf8Coder.of(), KvCoder.of(BigDecimalCoder.of(), BigDecimalCoder.of()));

  /** Exact sum of a collection of decimals (zero for none). */
  static final SerializableFunction<Iterable<BigDecimal>, BigDecimal> SUM =
      values -> {
        BigDecimal s = BigDecimal.ZERO;
        for (BigDecimal v : values) {
          s = s.add(v);
        }
        return s;
      };

  /** A: the exact revenue (sum of amounts) per region. */
  static final class RevenuePerRegion
      extends PTransform<PCollection<Sale>, PCollection<KV<String, BigDecimal>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public PCollection<KV<String, BigDecimal>> expand(PCollection<Sale> sales) {
      return sales
          .apply(
              "AmountByRegion",
              MapElements.into(
                      TypeDescriptors.kvs(
                          TypeDescriptors.strings(), TypeDescriptor.of(BigDecimal.class)))
                  .via((Sale s) -> KV.of(s.region(), s.amount())))
          .setCoder(REVENUE)
          .apply("Sum", Combine.perKey(SUM))
          .setCoder(REVENUE);
    }
  }

  /** B: the product sold most often per region (ties: the first by name), with its count. */
  static final class TopProductPerRegion
      extends PTransform<PCollection<Sale>, PCollection<KV<String, KV<String, Long>>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public PCollection<KV<String, KV<String, Long>>> expand(PCollection<Sale> sales) {
      return sales
          .apply(
              "RegionAndProduct",
              MapElements.into(
                      TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                  .via((Sale s) -> KV.of(s.region(), s.product())))
          .apply("CountEach", Count.perElement())
          .apply(
              "ByRegion",
              MapElements.into(
                      TypeDescriptors.kvs(
                          TypeDescriptors.strings(),
                          TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs())))
                  .via(
                      (KV<KV<String, String>, Long> e) ->
                          KV.of(e.getKey().getKey(), KV.of(e.getKey().getValue(), e.getValue()))))
          .setCoder(TOP)
          .apply("Top", Combine.perKey(Steps::top))
          .setCoder(TOP);
    }
  }

  static KV<String, Long> top(Iterable<KV<String, Long>> counts) {
    KV<String, Long> best = null;
    for (KV<String, Long> c : counts) {
      if (best == null
          || c.getValue() > best.getValue()
          || (c.getValue().equals(best.getValue()) && c.getKey().compareTo(best.getKey()) < 0)) {
        best = c;
      }
    }
    return best;
  }

  /** Decimal places of a share, always printed (0.500000), so that the column lines up. */
  static final int SHARE_SCALE = 6;

  /** C (needs A): each region's revenue and its share of the total, to 6 places. */
  static final class ShareOfRevenue
      extends PTransform<
          PCollection<KV<String, BigDecimal>>,
          PCollection<KV<String, KV<BigDecimal, BigDecimal>>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public PCollection<KV<String, KV<BigDecimal, BigDecimal>>> expand(
        PCollection<KV<String, BigDecimal>> revenue) {
      PCollectionView<BigDecimal> total =
          revenue
              .apply("Revenues", Values.create())
              .apply("Total", Combine.globally(SUM).asSingletonView());
      return revenue
          .apply(
              "Share",
              ParDo.of(
                      new DoFn<KV<String, BigDecimal>, KV<String, KV<BigDecimal, BigDecimal>>>() {
                        @ProcessElement
                        public void process(ProcessContext c) {
                          BigDecimal t = c.sideInput(total);
                          BigDecimal r = c.element().getValue();
                          BigDecimal share =
                              t.signum() == 0
                                  ? BigDecimal.ZERO
                                  : r.divide(t, SHARE_SCALE, RoundingMode.HALF_EVEN);
                          c.output(KV.of(c.element().getKey(), KV.of(r, share)));
                        }
                      })
                  .withSideInputs(total))
          .setCoder(SHARE);
    }
  }

  /** The report line of one region from the join of B and C. */
  static final class ReportLineFn extends DoFn<KV<String, CoGbkResult>, KV<String, String>> {
    private static final long serialVersionUID = 1L;
    private final TupleTag<KV<String, Long>> topTag;
    private final TupleTag<KV<BigDecimal, BigDecimal>> shareTag;

    ReportLineFn(TupleTag<KV<String, Long>> topTag, TupleTag<KV<BigDecimal, BigDecimal>> shareTag) {
      this.topTag = topTag;
      this.shareTag = shareTag;
    }

    @ProcessElement
    public void process(
        @Element KV<String, CoGbkResult> joined, OutputReceiver<KV<String, String>> out) {
      KV<String, Long> top = joined.getValue().getOnly(topTag, null);
      KV<BigDecimal, BigDecimal> share = joined.getValue().getOnly(shareTag, null);
      if (top == null || share == null) {
        throw new IllegalStateException(
            "region " + joined.getKey() + " is missing from " + (top == null ? "B" : "C"));
      }
      String region = joined.getKey();
      out.output(
          KV.of(
              region,
              CsvText.row(
                  region,
                  Decimals.format(share.getKey()),
                  share.getValue().setScale(SHARE_SCALE, RoundingMode.HALF_EVEN).toPlainString(),
                  top.getKey(),
                  Long.toString(top.getValue()))));
    }
  }
}
