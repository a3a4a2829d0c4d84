package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

/**
 * {@code --flinkMaster} naming an address where nothing answers: exit 2, one error line, nothing
 * written.
 */
public class FlinkMasterUnreachableIT {
  @Test
  public void failsWithExitCodeTwoAndOneErrorLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort(); // free now, and nothing listens once closed
    }
    Path work = Paths.get("target", "it-unreachable").toAbsolutePath();
    JarProcess.deleteTree(work);
    String sample = JarProcess.repo().resolve("testdata/sample/sales.csv").toString();
    String address = "127.0.0.1:" + port;
    JarProcess r =
        JarProcess.run(
            work,
            "submit",
            60,
            JarProcess.aggregate(
                sample,
                "out",
                "--runner=FlinkRunner",
                "--flinkMaster=" + address,
                "--parallelism=4"));

    assertEquals("exit code: misuse, found before anything runs", 2, r.exit);
    List<String> lines = r.err.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertEquals("stderr should be one line, got:\n" + r.err, 1, lines.size());
    assertThat(lines.get(0), startsWith("error:"));
    assertThat(lines.get(0), containsString(address));
    assertThat(lines.get(0), containsString("./run.sh cluster start"));
    assertFalse("nothing may be written", Files.exists(work.resolve("out")));
  }
}
