package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link ResilientCall} against a real HTTP server on 127.0.0.1 (an ephemeral port), over real
 * sockets with {@link HttpClient}: {@code /flaky?id=N&fails=K} answers 503 to the first K requests
 * for N and then {@code ok-N}; {@code /slow?id=N} answers only when the test ends; {@code /busy}
 * answers after 300 ms and counts how many requests it works on at once.
 */
public class ResilientCallHttpTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static volatile URI base;
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private HttpServer server;
  private ExecutorService handlers;
  private final CountDownLatch release = new CountDownLatch(1);

  /** Requests /busy is working on now, the most at once, and how many it took. */
  private static final AtomicInteger BUSY = new AtomicInteger();

  private static final AtomicInteger MAX_BUSY = new AtomicInteger();
  private static final AtomicInteger BUSY_REQUESTS = new AtomicInteger();

  @Before
  public void startServer() throws IOException {
    Probe.reset();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    handlers = Executors.newFixedThreadPool(16);
    server.setExecutor(handlers);
    server.createContext(
        "/flaky",
        exchange -> {
          String id = param(exchange, "id");
          int fails = Integer.parseInt(param(exchange, "fails"));
          int request = Probe.attempt("server-" + id);
          if (request <= fails) {
            answer(exchange, 503, "busy, request " + request);
          } else {
            answer(exchange, 200, "ok-" + id);
          }
        });
    server.createContext(
        "/slow",
        exchange -> {
          Probe.attempt("server-slow-" + param(exchange, "id"));
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          answer(exchange, 200, "late");
        });
    BUSY.set(0);
    MAX_BUSY.set(0);
    BUSY_REQUESTS.set(0);
    server.createContext(
        "/busy",
        exchange -> {
          BUSY_REQUESTS.incrementAndGet();
          MAX_BUSY.accumulateAndGet(BUSY.incrementAndGet(), Math::max);
          try {
            Thread.sleep(300);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            BUSY.decrementAndGet();
          }
          answer(exchange, 200, "done");
        });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    // Warm the client up: its first request in a JVM loads and starts a good deal.
    assertThat(fetch("/flaky?id=warm-up&fails=0"), is("ok-warm-up"));
  }

  @After
  public void stopServer() {
    release.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }

  private static String param(HttpExchange exchange, String name) {
    for (String pair : exchange.getRequestURI().getQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        return kv[1];
      }
    }
    throw new IllegalArgumentException("no " + name);
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    // One connection per request: no attempt waits behind another on a pooled connection.
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static HttpRequest get(String pathAndQuery) {
    return HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build();
  }

  private static String bodyOf(HttpResponse<String> response) {
    if (response.statusCode() >= 500) {
      throw new UncheckedIOException(
          new IOException("HTTP " + response.statusCode() + ": " + response.body()));
    }
    return response.body();
  }

  /** Blocking call: {@code send} is interrupted when the attempt times out. */
  private static String fetch(String pathAndQuery) {
    try {
      return bodyOf(CLIENT.send(get(pathAndQuery), HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Blocking call over {@link HttpURLConnection}: its socket read does not heed interrupts, so an
   * attempt cut off by the timeout goes on waiting for the server's answer.
   */
  private static String fetchIgnoringInterrupts(String pathAndQuery) {
    try {
      HttpURLConnection c = (HttpURLConnection) base.resolve(pathAndQuery).toURL().openConnection();
      c.setConnectTimeout(5_000);
      c.setReadTimeout(20_000);
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test(timeout = 120_000)
  public void theServerNeverWorksOnMoreThanMaxInFlightRequestsThoughAttemptsTimeOut()
      throws InterruptedException {
    int maxInFlight = 2;
    List<String> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      requests.add("/busy?id=" + i);
    }
    ResilientCall<String, String> call =
        ResilientCall.of(ResilientCallHttpTest::fetchIgnoringInterrupts)
            .withOutputCoder(StringUtf8Coder.of())
            .withMaxAttempts(4)
            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
            .withTimeout(Duration.ofMillis(50))
            .withMaxInFlight(maxInFlight);
    PCollectionTuple out =
        pipeline.apply(Create.of(requests).withCoder(StringUtf8Coder.of())).apply(call);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    // every attempt was cut off at 50 ms and retried while its read went on for 300 ms: the
    // server still never had more than maxInFlight of them at once
    assertThat(BUSY_REQUESTS.get(), greaterThan(0));
    assertThat(MAX_BUSY.get(), allOf(greaterThan(0), lessThanOrEqualTo(maxInFlight)));
    CallCounts counts = CallCounts.of(result);
    assertThat(counts.results() + counts.deadLetters(), is(8L));
    assertThat(counts.timeouts(), greaterThan(8L));
    assertThat(counts.maxRunning(), lessThanOrEqualTo((long) maxInFlight));
    // the abandoned reads end with their answers before the server stops
    while (BUSY.get() > 0) {
      Thread.sleep(20);
    }
  }

  /** Asynchronous call; the timeout cancels the returned future. */
  private static CompletableFuture<String> fetchAsync(String pathAndQuery) {
    return CLIENT
        .sendAsync(get(pathAndQuery), HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              try {
                return bodyOf(r);
              } catch (UncheckedIOException e) {
                throw new CompletionException(e.getCause());
              }
            });
  }

  /** Ids 0..9 fail their first id % 3 requests; the two slow ones never answer in time. */
  private static List<String> requests() {
    List<String> r = new ArrayList<>();
    for (int id = 0; id < 10; id++) {
      r.add("/flaky?id=" + id + "&fails=" + (id % 3));
    }
    r.add("/slow?id=0");
    r.add("/slow?id=1");
    return r;
  }

  private static List<String> expectedBodies() {
    List<String> r = new ArrayList<>();
    for (int id = 0; id < 10; id++) {
      r.add("ok-" + id);
    }
    return r;
  }

  /** Ids 1, 4, 7 fail once; 2, 5, 8 twice. */
  private static final int FLAKY_RETRIES = 3 * 1 + 3 * 2;

  private void checkRun(ResilientCall<String, String> call) {
    PCollectionTuple out =
        pipeline.apply(Create.of(requests()).withCoder(StringUtf8Coder.of())).apply(call);
    PAssert.that(out.get(call.results())).containsInAnyOrder(expectedBodies());
    PAssert.that(out.get(call.failures()))
        .containsInAnyOrder(
            new CallFailure<>("/slow?id=0", "timed out after 600 ms", 3),
            new CallFailure<>("/slow?id=1", "timed out after 600 ms", 3));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    CallCounts counts = CallCounts.of(result);
    assertThat(counts.timeouts(), is(6L));
    assertThat(counts.retries(), is((long) FLAKY_RETRIES + 4));
    assertThat(counts.results(), is(10L));
    assertThat(counts.deadLetters(), is(2L));
    // The server saw every attempt: the retries were real requests.
    int served = 0;
    for (int id = 0; id < 10; id++) {
      served += Probe.attempts("server-" + id);
    }
    assertThat(served, is(10 + FLAKY_RETRIES));
    assertThat(Probe.attempts("server-slow-0"), is(3));
    assertThat(Probe.attempts("server-slow-1"), is(3));
  }

  @Test
  public void blockingHttpCallsAreRetriedAndCutOffByTheTimeout() {
    checkRun(
        ResilientCall.of(ResilientCallHttpTest::fetch)
            .withOutputCoder(StringUtf8Coder.of())
            .withMaxAttempts(3)
            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
            .withRetryOn(IOException.class)
            .withTimeout(Duration.ofMillis(600))
            .withMaxInFlight(8));
  }

  @Test
  public void asynchronousHttpCallsAreRetriedAndCutOffByTheTimeout() {
    checkRun(
        ResilientCall.ofAsync(ResilientCallHttpTest::fetchAsync)
            .withOutputCoder(StringUtf8Coder.of())
            .withMaxAttempts(3)
            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
            .withRetryOn(IOException.class)
            .withTimeout(Duration.ofMillis(600))
            .withMaxInFlight(8));
  }
}
