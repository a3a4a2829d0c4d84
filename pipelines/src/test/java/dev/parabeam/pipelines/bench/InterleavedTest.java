package dev.parabeam.pipelines.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class InterleavedTest {
  /**
   * Every configuration once a round, the order reversed on every other round (so the one that went
   * first goes last next), each configuration's seconds kept in the order taken.
   */
  @Test
  public void roundsAlternateTheOrderAndKeepEachConfigurationsSeconds() throws Exception {
    List<String> ran = new ArrayList<>();
    Map<String, List<Double>> seconds =
        Interleaved.of(List.of("a", "b", "c", "a"), 4)
            .run(
                (c, r) -> {
                  ran.add(c + r);
                  return r * 10 + c.charAt(0) - 'a';
                });
    assertThat(
        ran,
        equalTo(List.of("a0", "b0", "c0", "c1", "b1", "a1", "a2", "b2", "c2", "c3", "b3", "a3")));
    assertThat(seconds.keySet(), equalTo(java.util.Set.of("a", "b", "c")));
    assertThat(seconds.get("b"), equalTo(List.of(1.0, 11.0, 21.0, 31.0)));
    assertThat(Interleaved.median(seconds.get("c")), is(17.0));
  }

  @Test
  public void medianOfOddCountIsTheMiddleValueWhateverTheOrder() {
    assertThat(Interleaved.median(List.of(3.0, 1.0, 2.0)), is(2.0));
    assertThat(Interleaved.median(List.of(7.5)), is(7.5));
  }

  @Test
  public void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(Interleaved.median(List.of(4.0, 1.0, 3.0, 10.0)), is(3.5));
  }

  @Test
  public void medianOfNothingOrNoRoundIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> Interleaved.median(List.of()));
    assertThrows(IllegalArgumentException.class, () -> Interleaved.of(List.of("a"), 0));
    assertThrows(IllegalArgumentException.class, () -> Interleaved.of(List.of(), 3));
    assertThat(Interleaved.medianOf(1), is("a single run"));
    assertThat(Interleaved.medianOf(5), is("the median of 5 runs"));
  }
}
