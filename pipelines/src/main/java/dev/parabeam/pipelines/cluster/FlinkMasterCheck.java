package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Fails fast when {@code --flinkMaster} names a cluster that does not answer. Without this check
 * Flink's REST client retries for about a minute before the job fails.
 */
public final class FlinkMasterCheck {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(4);

  private FlinkMasterCheck() {}

  /**
   * Does nothing unless the runner is a Flink runner with a remote {@code --flinkMaster} (anything
   * but {@code [local]}, {@code [auto]}, {@code [collection]} or unset); then asks the address's
   * REST endpoint for {@code /config} and throws a {@link UsageException} if nothing (Flink)
   * answers.
   */
  public static void requireReachable(PipelineOptions options) {
    remote(options)
        .ifPresent(
            rest -> {
              String problem = probe(rest);
              if (problem != null) {
                throw new UsageException(
                    problem
                        + " at "
                        + rest.address()
                        + " (--flinkMaster); start a local cluster with ./run.sh cluster start,"
                        + " or leave out --flinkMaster to run on an embedded Flink");
              }
            });
  }

  /**
   * Like {@link #requireReachable}, and then that the cluster has {@code parallelism} free task
   * slots: a Flink batch job waits for all of its slots, and without them it hangs silently and
   * restarts for about 50 minutes (the reason only in {@code jobmanager.log}).
   */
  public static void requireSlots(PipelineOptions options, int parallelism) {
    requireReachable(options);
    Optional<FlinkRest> rest = remote(options);
    if (rest.isEmpty()) {
      return;
    }
    Optional<FlinkRest.Slots> slots = rest.get().slots();
    if (slots.isPresent() && slots.get().available() < parallelism) {
      FlinkRest.Slots s = slots.get();
      throw new UsageException(
          "--parallelism="
              + parallelism
              + " needs "
              + parallelism
              + " free task slots, and the cluster at "
              + rest.get().address()
              + " has "
              + s.available()
              + " free of "
              + s.total()
              + " ("
              + s.taskManagers()
              + " TaskManager(s)); add slots with ./run.sh cluster add-taskmanager (or restart"
              + " the cluster with cluster start --slots="
              + parallelism
              + "), wait for running jobs (./run.sh cluster jobs), or lower --parallelism");
    }
  }

  /**
   * The REST API of the cluster named by {@code --flinkMaster}, if the runner is a Flink runner
   * with a remote master (anything but {@code [local]}, {@code [auto]}, {@code [collection]} or
   * unset); a {@link UsageException} if the master is not an address.
   */
  static Optional<FlinkRest> remote(PipelineOptions options) {
    if (options.getRunner() == null || !options.getRunner().getSimpleName().startsWith("Flink")) {
      return Optional.empty();
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    if (master == null || master.isBlank() || master.trim().startsWith("[")) {
      return Optional.empty();
    }
    String address = master.trim().replaceFirst("^[a-zA-Z]+://", "").replaceFirst("/+$", "");
    String host = address;
    int port = LocalFlinkCluster.DEFAULT_REST_PORT;
    int colon = address.lastIndexOf(':');
    if (colon >= 0) {
      host = address.substring(0, colon);
      try {
        port = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new UsageException(
          "--flinkMaster="
              + master
              + " is not host:port, [local] or [auto] (e.g. --flinkMaster=127.0.0.1:8081)");
    }
    return Optional.of(new FlinkRest(host, port));
  }

  /** Null if a Flink REST endpoint answers, else what went wrong. */
  static String probe(FlinkRest rest) {
    return probe(rest.host(), rest.port());
  }

  /** Null if a Flink REST endpoint answers at host:port, else what went wrong. */
  static String probe(String host, int port) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/config"))
              .timeout(REQUEST_TIMEOUT)
              .GET()
              .build();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() == 200 && resp.body().contains("flink-version")) {
        return null;
      }
      return "something answers but it is not a Flink REST endpoint (HTTP "
          + resp.statusCode()
          + ")";
    } catch (IllegalArgumentException e) {
      return "cannot make an address of it";
    } catch (IOException e) {
      return "no Flink cluster answers";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while looking for a Flink cluster";
    }
  }
}
