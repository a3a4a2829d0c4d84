package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The progress a client reads from a Flink cluster's REST API while its job runs (against a
 * stand-in for the JobManager on 127.0.0.1 that answers as Flink 1.19 does): the job's state and
 * its finished tasks over all its vertices.
 */
public class FlinkRestProgressTest {
  private HttpServer server;

  /** What the stand-in answers, by path (with its query, decoded). */
  private volatile Map<String, String> answers = Map.of();

  @Before
  public void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String q = exchange.getRequestURI().getRawQuery();
          String path =
              exchange.getRequestURI().getPath()
                  + (q == null ? "" : "?" + URLDecoder.decode(q, StandardCharsets.UTF_8));
          String body = answers.get(path);
          byte[] bytes = (body == null ? "{\"errors\":[\"Not found\"]}" : body).getBytes();
          exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
  }

  @After
  public void stop() {
    server.stop(0);
  }

  private FlinkRest rest() {
    return new FlinkRest("127.0.0.1", server.getAddress().getPort());
  }

  @Test
  public void aJobsFinishedTasksAreCountedOverItsVertices() {
    answers =
        Map.of(
            "/jobs/j1",
            "{\"jid\":\"j1\",\"state\":\"RUNNING\",\"vertices\":["
                + "{\"id\":\"v1\",\"parallelism\":2,\"tasks\":{\"FINISHED\":2,\"RUNNING\":0}},"
                + "{\"id\":\"v2\",\"parallelism\":2,\"tasks\":{\"FINISHED\":1,\"RUNNING\":1}},"
                + "{\"id\":\"v3\",\"parallelism\":1,\"tasks\":{\"CREATED\":1}}]}");
    assertThat(rest().taskProgress("j1"), equalTo(Optional.of("RUNNING, 3 of 5 tasks finished")));
    assertThat(rest().taskProgress("unknown"), equalTo(Optional.empty()));
    server.stop(0);
    assertThat(rest().taskProgress("j1"), equalTo(Optional.empty()));
  }
}
