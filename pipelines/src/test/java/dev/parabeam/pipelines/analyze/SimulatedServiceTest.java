package dev.parabeam.pipelines.analyze;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.Test;

/**
 * The simulated service answers an attempt from the document, the analysis and the attempt's number
 * alone: not from what this JVM's service saw before, so a call redone after a Flink failover, or
 * run by another TaskManager, fails and succeeds as the first try did.
 */
public class SimulatedServiceTest {
  private static final SimulatedService.Faults TRANSIENT =
      new SimulatedService.Faults(7, 0, 1000, 0.5, 0, 0);

  private static SimulatedService service(String runId, SimulatedService.Faults f) {
    return new SimulatedService("sentiment", t -> "ok:" + t, runId, f);
  }

  /** What attempts 1 to 4 of {@code d} come to: "ok:..." or the failure's class. */
  private static List<String> outcomes(SimulatedService s, Document d) {
    List<String> out = new ArrayList<>();
    for (int attempt = 1; attempt <= 4; attempt++) {
      try {
        out.add(s.apply(d, attempt));
      } catch (RuntimeException e) {
        out.add(e.getClass().getSimpleName());
      }
    }
    return out;
  }

  @Test
  public void anAttemptFailsOrSucceedsByItsNumberWhateverTheServiceSawBefore() {
    String runId = "run-" + UUID.randomUUID();
    SimulatedService s = service(runId, TRANSIENT);
    int checked = 0;
    String first = null;
    for (int i = 0; i < 40; i++) {
      Document d = new Document("doc-" + i, "text " + i);
      int fails = s.transientFailures(d.id());
      if (fails == 0) {
        continue;
      }
      checked++;
      first = first == null ? d.id() : first;
      List<String> expected = new ArrayList<>();
      for (int attempt = 1; attempt <= 4; attempt++) {
        expected.add(attempt <= fails ? "UncheckedUnavailable" : "ok:text " + i);
      }
      // the first try, the same calls again in this JVM (a bundle redone after a failover), and
      // another worker's copy of the service, in its own JVM with a log of its own
      assertThat(outcomes(s, d), is(expected));
      assertThat(outcomes(s, d), is(expected));
      assertThat(outcomes(service("other-" + UUID.randomUUID(), TRANSIENT), d), is(expected));
    }
    assertThat(checked, greaterThan(5));
    // the log still records what the service saw: two rounds of four attempts under this run id
    assertThat(SimulatedService.calls(runId).attempts("sentiment", first), is(8));
  }

  @Test
  public void aPermanentFailureFailsEveryAttempt() {
    SimulatedService s =
        service("run-" + UUID.randomUUID(), new SimulatedService.Faults(7, 0, 1000, 0, 1, 0));
    Document d = new Document("doc-1", "x");
    for (int attempt = 1; attempt <= 3; attempt++) {
      int a = attempt;
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.apply(d, a));
      assertThat(e.getMessage(), containsString("rejects doc-1"));
    }
  }
}
