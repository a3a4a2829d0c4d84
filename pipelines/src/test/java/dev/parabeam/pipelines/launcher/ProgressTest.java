package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import dev.parabeam.pipelines.UsageException;
import org.junit.Test;

/** The progress arithmetic, on a clock the test sets: fraction, rate, time left, the line. */
public class ProgressTest {
  @Test
  public void rateAndTimeLeftFollowFromDoneAndElapsed() {
    Progress p = new Progress(100_000_000, 400_000_000, 2_000);
    assertThat(p.fraction(), closeTo(0.25, 1e-12));
    assertThat(p.ratePerSecond(), closeTo(50e6, 1e-6));
    assertThat("300 MB left at 50 MB/s", p.etaMillis(), equalTo(6_000L));
    assertThat(
        p.line("RUNNING"),
        equalTo("progress: 25% (100.0 of 400.0 MB), 50.0 MB/s, 2.0 s elapsed, about 6.0 s left"));
    // counted in whole units (analyze's calls, tasks' tasks): no decimals
    assertThat(
        new Progress(300, 1200, 3_000).line("RUNNING", " calls", 1),
        equalTo(
            "progress: 25% (300 of 1200 calls), 100.0 calls/s, 3.0 s elapsed, about 9.0 s left"));
    // rounded up: never "0 s left" while work is left
    assertThat(new Progress(3, 10, 1_000).etaMillis(), equalTo(2_334L));
  }

  @Test
  public void theEdges() {
    assertThat(
        "nothing done: no time left told", new Progress(0, 10, 5_000).etaMillis(), equalTo(-1L));
    assertThat(
        new Progress(0, 10, 5_000).line("RUNNING"),
        equalTo("progress: 0% (0.0 of 0.0 MB), 0.0 MB/s, 5.0 s elapsed, time left not known yet"));
    assertThat("all done", new Progress(10, 10, 5_000).etaMillis(), equalTo(0L));
    assertThat("no time yet", new Progress(0, 10, 0).ratePerSecond(), equalTo(0.0));
    assertThat("a counter past the total", new Progress(12, 10, 1).fraction(), equalTo(1.0));
    Progress unknown = new Progress(0, 0, 65_000);
    assertThat(unknown.etaMillis(), equalTo(-1L));
    assertThat(unknown.line("RUNNING"), equalTo("progress: 1 min 05 s elapsed, running"));
    assertThat(Progress.duration(3_725_000), equalTo("1 h 02 min"));
    assertThrows(IllegalArgumentException.class, () -> new Progress(-1, 10, 0));
  }

  @Test
  public void theModes() {
    assertThat(ProgressReporter.mode(null), equalTo("auto"));
    assertThat(ProgressReporter.mode("ON"), equalTo("on"));
    UsageException e = assertThrows(UsageException.class, () -> ProgressReporter.mode("yes"));
    assertThat(e.getMessage(), equalTo("--progress=yes: give auto, on or off"));
  }
}
