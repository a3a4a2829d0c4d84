package dev.parabeam.transforms.stats;

import java.math.BigDecimal;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/** The two CombineFns behind {@link KeyedStatistics}; they differ only in what one input is. */
public final class StatsFns {
  private StatsFns() {}

  /** Accumulates into a {@link DecimalStats}; subclasses say how one input is added. */
  private abstract static class Base<InputT> extends CombineFn<InputT, DecimalStats, DecimalStats> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecimalStats createAccumulator() {
      return new DecimalStats();
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
    public Coder<DecimalStats> getAccumulatorCoder(CoderRegistry registry, Coder<InputT> in) {
      return DecimalStatsCoder.of();
    }

    @Override
    public Coder<DecimalStats> getDefaultOutputCoder(CoderRegistry registry, Coder<InputT> in) {
      return DecimalStatsCoder.of();
    }
  }

  /** Summarizes single values. */
  public static final class OfValues extends Base<BigDecimal> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecimalStats addInput(DecimalStats acc, BigDecimal input) {
      return acc.add(input);
    }
  }

  /** Merges partial summaries, e.g. those pre-aggregated per chunk. */
  public static final class OfPartials extends Base<DecimalStats> {
    private static final long serialVersionUID = 1L;

    @Override
    public DecimalStats addInput(DecimalStats acc, DecimalStats input) {
      return acc.merge(input);
    }
  }
}
