package dev.parabeam.transforms.engine;

import java.io.Serializable;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * A step's elements in and out as two Beam counters ({@value #NAMESPACE}: {@value #IN} and {@value
 * #OUT}), which every runner reports under the step's name: the engine's steps count what they take
 * and give (chunks, results, keys, rows), since Beam's Java runners report no element counts of
 * their own. One per DoFn, as a field.
 */
public final class StepElements implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String NAMESPACE = "parabeam.step";
  public static final String IN = "elements_in";
  public static final String OUT = "elements_out";

  private final Counter in = Metrics.counter(NAMESPACE, IN);
  private final Counter out = Metrics.counter(NAMESPACE, OUT);

  public void in(long n) {
    in.inc(n);
  }

  public void out(long n) {
    out.inc(n);
  }
}
