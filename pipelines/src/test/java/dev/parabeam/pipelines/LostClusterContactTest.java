package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.pipelines.launcher.OutputLock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A Flink client that loses contact with its job ({@code p.run()} throws while the job runs on the
 * cluster, as on a REST timeout or a JobManager failover): the launcher cancels the job through the
 * cluster's REST API and waits for it to end before it removes staging and releases the lock; if
 * the job cannot be cancelled, the error line says so with the job's id, and the lock stays until
 * the job has ended. The cluster is a fake Flink REST endpoint on 127.0.0.1 (its {@code /config},
 * {@code /overview}, {@code /jobs/overview} and the cancel {@code PATCH}); the client's failure is
 * made by the launcher's seam {@link Launcher#runPipeline}, after the job was "submitted".
 */
public class LostClusterContactTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final String JOB_ID = "8f3e2a1b9c0d4e5f8a7b6c5d4e3f2a1b";
  private static final String JOB_NAME = "lost-contact-test";

  private final Path sample = JobRun.testdata().resolve("sample/sales.csv");
  private final AtomicReference<String> state = new AtomicReference<>();
  private final AtomicBoolean acceptCancel = new AtomicBoolean(true);
  private final AtomicInteger cancels = new AtomicInteger();
  private HttpServer flink;
  private Path out;

  @Before
  public void startFakeFlink() throws IOException {
    out = tmp.getRoot().toPath().resolve("out");
    flink = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    flink.createContext("/config", x -> answer(x, 200, "{\"flink-version\": \"1.19.0\"}"));
    flink.createContext(
        "/overview",
        x -> answer(x, 200, "{\"slots-total\": 4, \"slots-available\": 4, \"taskmanagers\": 1}"));
    flink.createContext(
        "/jobs",
        x -> {
          if (x.getRequestMethod().equals("GET")
              && x.getRequestURI().getPath().equals("/jobs/overview")) {
            String s = state.get();
            answer(
                x,
                200,
                s == null
                    ? "{\"jobs\": []}"
                    : "{\"jobs\": [{\"jid\": \""
                        + JOB_ID
                        + "\", \"name\": \""
                        + JOB_NAME
                        + "\", \"state\": \""
                        + s
                        + "\", \"start-time\": 1, \"duration\": 1}]}");
          } else if (x.getRequestMethod().equals("PATCH")
              && x.getRequestURI().getPath().equals("/jobs/" + JOB_ID)
              && "mode=cancel".equals(x.getRequestURI().getQuery())) {
            cancels.incrementAndGet();
            if (acceptCancel.get()) {
              state.set("CANCELED");
              answer(x, 202, "{}");
            } else {
              answer(x, 500, "{\"errors\": [\"cannot cancel\"]}");
            }
          } else {
            answer(x, 404, "{\"errors\": [\"Not found\"]}");
          }
        });
    flink.start();
    // the client submits, then loses contact while the job runs
    Launcher.runPipeline =
        p -> {
          if (!p.getOptions().getRunner().getSimpleName().equals("FlinkRunner")) {
            return p.run(); // the runs on this machine
          }
          state.set("RUNNING");
          throw new RuntimeException(
              "org.apache.flink.runtime.rest.util.RestClientException: lost contact with the"
                  + " JobManager");
        };
  }

  @After
  public void stopFakeFlink() {
    Launcher.runPipeline = org.apache.beam.sdk.Pipeline::run;
    flink.stop(0);
  }

  private static void answer(HttpExchange x, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(code, b.length);
    x.getResponseBody().write(b);
    x.close();
  }

  private JobRun aggregateOnTheCluster(String... extra) {
    String[] base = {
      "--input=" + sample,
      "--keyColumn=region",
      "--valueColumn=amount",
      "--output=" + out,
      "--flinkMaster=127.0.0.1:" + flink.getAddress().getPort(),
      "--parallelism=2",
      "--jobName=" + JOB_NAME
    };
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private JobRun aggregateHere(String... extra) {
    String[] base = {
      "--input=" + sample,
      "--keyColumn=region",
      "--valueColumn=amount",
      "--output=" + out,
      "--runner=DirectRunner"
    };
    return JobRun.aggregate(
        Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static String errorLine(JobRun r) {
    assertThat("stdout: " + r.out + "\nstderr: " + r.err, r.exitCode, is(1));
    List<String> lines = r.err.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertThat(r.err, lines.size(), is(1));
    assertThat(lines.get(0), startsWith("error: job failed: "));
    return lines.get(0);
  }

  @Test
  public void aJobWhoseClientLostContactIsCancelledBeforeTheLockGoes() throws Exception {
    JobRun earlier = aggregateHere();
    assertThat(earlier.err, earlier.exitCode, is(0));
    String results = JobRun.read(out.resolve("results.csv"));

    JobRun r = aggregateOnTheCluster("--overwrite=true");
    String line = errorLine(r);
    assertThat(line, containsString("lost contact with the JobManager"));
    assertThat(line, containsString("cancelled Flink job " + JOB_ID + " on the cluster"));
    assertThat("cancel requests", cancels.get(), is(1));
    assertThat(state.get(), equalTo("CANCELED"));
    assertThat("no staging, no lock; the earlier results", names(), equalTo(JobRun.PUBLISHED));
    assertThat(JobRun.read(out.resolve("results.csv")), equalTo(results));
  }

  @Test
  public void aJobThatCannotBeCancelledKeepsTheOutputLockedUntilItHasEnded() throws Exception {
    acceptCancel.set(false);
    JobRun r = aggregateOnTheCluster();
    String line = errorLine(r);
    assertThat(line, containsString("lost contact with the JobManager"));
    assertThat(
        line, containsString("Flink job " + JOB_ID + " may still be running and could not be"));
    assertThat(line, containsString("./run.sh cluster cancel " + JOB_ID));
    assertThat(cancels.get(), is(1));
    List<String> left = names();
    assertThat("the lock stays", left, hasItem(OutputLock.FILE_NAME));
    assertThat(
        "staging stays, the job may write there",
        left.stream().anyMatch(n -> n.startsWith(Launcher.STAGING_PREFIX)),
        is(true));
    assertThat(JobRun.read(out.resolve(OutputLock.FILE_NAME)), containsString(JOB_ID));

    // while the job runs, no other run may use the directory
    JobRun second = aggregateHere("--overwrite=true");
    assertThat(second.err, second.exitCode, is(2));
    assertThat(
        second.err, startsWith("error: --output=" + out + " is held for Flink job " + JOB_ID));
    assertThat(second.err, containsString("it is RUNNING"));
    assertThat(second.err.strip().lines().count(), is(1L));
    assertThat("the refused run changed nothing", names(), equalTo(left));

    // once the cluster says it has ended, the next run takes the directory and cleans it
    state.set("CANCELED");
    JobRun third = aggregateHere();
    assertThat(third.err, third.exitCode, is(0));
    assertThat(names(), equalTo(JobRun.PUBLISHED));
  }
}
