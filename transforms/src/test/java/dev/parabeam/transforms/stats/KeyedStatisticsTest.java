package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

public class KeyedStatisticsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static BigDecimal d(String s) {
    return new BigDecimal(s);
  }

  @Test
  public void perKeyFromValuesAndFromPartials() {
    List<KV<String, BigDecimal>> values = new ArrayList<>();
    values.add(KV.of("a", d("1.5")));
    values.add(KV.of("b", d("-2")));
    values.add(KV.of("a", d("2.50")));
    values.add(KV.of("", d("0")));
    values.add(KV.of("a", d("-1E+1")));
    values.add(KV.of("ü", d("0.000001")));
    values.add(KV.of("b", d("-2")));
    PCollection<KV<String, DecimalStats>> fromValues =
        pipeline
            .apply(
                "Values",
                Create.of(values).withCoder(KvCoder.of(StringUtf8Coder.of(), BigDecimalCoder.of())))
            .apply("OfValues", KeyedStatistics.ofValues());
    PAssert.that("of values", fromValues)
        .containsInAnyOrder(
            KV.of("a", new DecimalStats(3, d("-6"), d("-10"), d("2.5"))),
            KV.of("b", new DecimalStats(2, d("-4"), d("-2"), d("-2"))),
            KV.of("", new DecimalStats(1, d("0"), d("0"), d("0"))),
            KV.of("ü", new DecimalStats(1, d("0.000001"), d("0.000001"), d("0.000001"))));

    List<KV<String, DecimalStats>> partials = new ArrayList<>();
    partials.add(KV.of("a", new DecimalStats(2, d("3"), d("1"), d("2"))));
    partials.add(KV.of("a", new DecimalStats()));
    partials.add(KV.of("a", new DecimalStats(3, d("-30.5"), d("-20"), d("0.5"))));
    partials.add(KV.of("b", new DecimalStats(1, d("7"), d("7"), d("7"))));
    partials.add(KV.of("c", new DecimalStats()));
    PCollection<KV<String, DecimalStats>> fromPartials =
        pipeline
            .apply(
                "Partials",
                Create.of(partials)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of())))
            .apply("OfPartials", KeyedStatistics.ofPartials());
    PAssert.that("of partials", fromPartials)
        .containsInAnyOrder(
            KV.of("a", new DecimalStats(5, d("-27.5"), d("-20"), d("2"))),
            KV.of("b", new DecimalStats(1, d("7"), d("7"), d("7"))),
            KV.of("c", new DecimalStats()));
    pipeline.run().waitUntilFinish();
  }
}
