package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A local run stopped by SIGTERM (as Ctrl-C) says so and leaves nothing staged behind. */
public class InterruptedRunIT {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aStoppedRunSaysSoAndRemovesWhatItStaged() throws Exception {
    Path work = tmp.getRoot().toPath();
    Path out = work.resolve("out");
    long t0 = System.nanoTime();
    // 1,200 calls of 200 ms one at a time: minutes, so it is surely running when stopped
    Process p =
        JarProcess.start(
            work,
            "analyze",
            "analyze",
            "--output=" + out,
            "--latencyMillis=200",
            "--maxInFlight=1");
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && !staged(out)) {
      Thread.sleep(100);
    }
    assertThat("the run never staged anything", staged(out), is(true));
    Thread.sleep(1000);
    p.destroy(); // SIGTERM
    JarProcess r = JarProcess.finish(p, work, "analyze", t0, 60);
    assertThat(r.exit, not(is(0)));
    assertThat(r.err, containsString("stopped: the run was interrupted; nothing was published"));
    assertThat("the directory this run made is gone", Files.exists(out), is(false));
  }

  private static boolean staged(Path out) throws Exception {
    if (!Files.isDirectory(out)) {
      return false;
    }
    try (Stream<Path> s = Files.list(out)) {
      return s.anyMatch(f -> f.getFileName().toString().startsWith(".parabeam-staging-"));
    }
  }
}
