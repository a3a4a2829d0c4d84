package dev.parabeam.pipelines.speedup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class StatsTest {
  @Test
  public void speedupIsSequentialOverParallel() {
    assertThat(Stats.speedup(10.2, 3.1), closeTo(3.290, 0.001));
    assertThat(Stats.speedup(975.3, 251.8), closeTo(3.873, 0.001));
    assertThrows(IllegalArgumentException.class, () -> Stats.speedup(1.0, 0.0));
  }

  @Test
  public void idealIsWorkersForWaitsAndAtMostTheCoresForComputation() {
    assertThat(Stats.ideal("io", 4, 2), is(4));
    assertThat(Stats.ideal("cpu", 4, 2), is(2));
    assertThat(Stats.ideal("cpu", 4, 8), is(4));
    assertThat(Stats.ideal("none", 4, 2), is(2));
  }

  @Test
  public void amdahlBoundsTheSpeedupByTheSerialPart() {
    assertThat(Stats.amdahl(13.0, 2.0, 4), closeTo(13.0 / 4.75, 1e-9));
    assertThat(Stats.amdahl(10.0, 0.0, 4), closeTo(4.0, 1e-9));
    assertThat(Stats.amdahl(1.0, 5.0, 4), closeTo(1.0, 1e-9));
  }

  @Test
  public void efficiencyIsSpeedupOverIdeal() {
    assertThat(Stats.efficiency(3.8, 4), closeTo(0.95, 1e-9));
    assertThat(Stats.efficiency(1.9, 2), closeTo(0.95, 1e-9));
  }
}
