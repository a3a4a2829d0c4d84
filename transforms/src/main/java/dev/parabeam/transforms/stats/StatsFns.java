package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/** The two CombineFns behind {@link KeyedStatistics}. */
public final class StatsFns {
  private StatsFns() {}

  /** Summarizes single values. */
  public static final class OfValues extends CombineFn<BigDecimal, DecimalStats, DecimalStats> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecimalStats createAccumulator() {
      return new DecimalStats();
    }

    @Override
    public DecimalStats addInput(DecimalStats acc, BigDecimal input) {
      return acc.add(input);
    }

    @Override
    public DecimalStats mergeAccumulators(Iterable<DecimalStats> accumulators) {
      DecimalStats merged = new DecimalStats();
      for (DecimalStats a : accumulators) {
        merged.merge(a);
      }
      return merged;
    }

    @Override
    public DecimalStats extractOutput(DecimalStats acc) {
      return acc;
    }

    @Override
    public Coder<DecimalStats> getAccumulatorCoder(CoderRegistry registry, Coder<BigDecimal> in) {
      return DecimalStatsCoder.of();
    }

    @Override
    public Coder<DecimalStats> getDefaultOutputCoder(CoderRegistry registry, Coder<BigDecimal> in) {
      return DecimalStatsCoder.of();
    }
  }

  /** Merges partial summaries, e.g. those pre-aggregated per chunk. */
  public static final class OfPartials extends CombineFn<DecimalStats, DecimalStats, DecimalStats> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecimalStats createAccumulator() {
      return new DecimalStats();
    }

    @Override
    public DecimalStats addInput(DecimalStats acc, DecimalStats input) {
      return acc.merge(input);
    }

    @Override
    public DecimalStats mergeAccumulators(Iterable<DecimalStats> accumulators) {
      DecimalStats merged = new DecimalStats();
      for (DecimalStats a : accumulators) {
        merged.merge(a);
      }
      return merged;
    }

    @Override
    public DecimalStats extractOutput(DecimalStats acc) {
      return acc;
    }

    @Override
    public Coder<DecimalStats> getAccumulatorCoder(CoderRegistry registry, Coder<DecimalStats> in) {
      return DecimalStatsCoder.of();
    }

    @Override
    public Coder<DecimalStats> getDefaultOutputCoder(CoderRegistry registry, Coder<DecimalStats> in) {
      return DecimalStatsCoder.of();
    }
  }
}
