package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A local run stopped by SIGTERM (as Ctrl-C) says so and leaves nothing of its own behind: no
 * staging, no lock, and an earlier run's results as they were.
 */
public class InterruptedRunIT {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** 1,200 calls of 200 ms one at a time: minutes, so it is surely running when stopped. */
  private static final String[] SLOW = {"--latencyMillis=200", "--maxInFlight=1"};

  @Test
  public void aStoppedRunSaysSoAndRemovesTheDirectoryItMade() throws Exception {
    Path work = tmp.getRoot().toPath();
    Path out = work.resolve("out");
    long t0 = System.nanoTime();
    Process p = JarProcess.start(work, "analyze", "analyze", "--output=" + out, SLOW[0], SLOW[1]);
    JarProcess r = stopOnceStaged(p, out, work, "analyze", t0);
    assertThat(r.exit, not(is(0)));
    assertThat(r.err, containsString("stopped: the run was interrupted; nothing was published"));
    assertThat("the directory this run made is gone", Files.exists(out), is(false));
  }

  @Test
  public void aStoppedRunOverEarlierResultsLeavesThemAsTheyWere() throws Exception {
    Path work = tmp.getRoot().toPath();
    Path out = work.resolve("out");
    JarProcess.ok(work, "first", 120, "analyze", "--output=" + out, "--latencyMillis=0");
    Map<String, byte[]> earlier = files(out);
    assertThat(earlier.keySet(), hasItem("results.jsonl"));
    long t0 = System.nanoTime();
    Process p =
        JarProcess.start(
            work, "again", "analyze", "--output=" + out, "--overwrite=true", SLOW[0], SLOW[1]);
    JarProcess r = stopOnceStaged(p, out, work, "again", t0);
    assertThat(r.exit, not(is(0)));
    assertThat(r.err, containsString("stopped: the run was interrupted; nothing was published"));
    Map<String, byte[]> left = files(out);
    assertThat("no staging and no lock are left", left.keySet(), equalTo(earlier.keySet()));
    for (Map.Entry<String, byte[]> e : earlier.entrySet()) {
      assertThat(e.getKey(), left.get(e.getKey()), equalTo(e.getValue()));
    }
  }

  /**
   * Waits for the run's staging directory (the run holds the lock and its stop hook is set), stops
   * the process with SIGTERM and waits for it to end.
   */
  private static JarProcess stopOnceStaged(Process p, Path out, Path work, String tag, long t0)
      throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && p.isAlive() && !staged(out)) {
      Thread.sleep(50);
    }
    assertThat("the run never staged anything", staged(out), is(true));
    p.destroy(); // SIGTERM
    return JarProcess.finish(p, work, tag, t0, 60);
  }

  /** Every entry of {@code dir} (hidden ones too) with its bytes; directories as empty. */
  private static Map<String, byte[]> files(Path dir) throws Exception {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        m.put(
            f.getFileName().toString(),
            Files.isRegularFile(f) ? Files.readAllBytes(f) : new byte[0]);
      }
    }
    return m;
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
