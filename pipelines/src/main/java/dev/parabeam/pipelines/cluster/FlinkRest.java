package dev.parabeam.pipelines.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The few calls of Flink's REST API that Parabeam makes: the cluster's overview (slots), its jobs,
 * cancelling one. One instance per cluster address ({@code host:port}); every call answers empty or
 * false when nothing answers, never throws.
 */
public final class FlinkRest {
  /** One job as {@code /jobs/overview} lists it; {@link #finished} also for {@link #NOT_FOUND}. */
  public record Job(String id, String name, String state, long startMillis, long durationMillis) {
    public boolean finished() {
      return state.equals(NOT_FOUND)
          || state.equals("FINISHED")
          || state.equals("FAILED")
          || state.equals("CANCELED")
          || state.equals("SUSPENDED");
    }
  }

  /** Slots and TaskManagers, from {@code /overview}. */
  public record Slots(int total, int available, int taskManagers) {}

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final String host;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(3))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final ObjectMapper json = new ObjectMapper();

  public FlinkRest(String host, int port) {
    this.host = host;
    this.port = port;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String address() {
    return host + ":" + port;
  }

  /** The web UI's address. */
  public String webUrl() {
    return "http://" + address();
  }

  /** The web UI's page of one job. */
  public String jobUrl(String id) {
    return webUrl() + "/#/job/running/" + id + "/overview";
  }

  /** GET of a REST path; empty if nothing answers with JSON and 200. */
  public Optional<JsonNode> get(String path) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(webUrl() + path)).timeout(TIMEOUT).GET().build();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        return Optional.empty();
      }
      return Optional.of(json.readTree(resp.body()));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Job {@code jobId}'s state and how many of its tasks (a vertex's subtasks) have finished, e.g.
   * {@code RUNNING, 5 of 12 tasks finished}; empty if the cluster does not answer.
   */
  public Optional<String> taskProgress(String jobId) {
    return get("/jobs/" + jobId)
        .map(
            job -> {
              int finished = 0;
              int all = 0;
              for (JsonNode v : job.path("vertices")) {
                all += v.path("parallelism").asInt();
                finished += v.path("tasks").path("FINISHED").asInt();
              }
              return job.path("state").asText()
                  + ", "
                  + finished
                  + " of "
                  + all
                  + " tasks finished";
            });
  }

  /** The cluster's slots, or empty if it does not answer. */
  public Optional<Slots> slots() {
    return get("/overview")
        .map(
            o ->
                new Slots(
                    o.path("slots-total").asInt(),
                    o.path("slots-available").asInt(),
                    o.path("taskmanagers").asInt()));
  }

  /** Every job the cluster knows, oldest first; empty if it does not answer. */
  public List<Job> jobs() {
    return jobsIfAnswering().orElse(List.of());
  }

  /** Every job the cluster knows, oldest first; empty if the cluster does not answer. */
  public Optional<List<Job>> jobsIfAnswering() {
    return get("/jobs/overview").map(FlinkRest::jobsOf);
  }

  private static List<Job> jobsOf(JsonNode overview) {
    List<Job> list = new ArrayList<>();
    Optional.of(overview)
        .ifPresent(
            o ->
                o.path("jobs")
                    .forEach(
                        j ->
                            list.add(
                                new Job(
                                    j.path("jid").asText(),
                                    j.path("name").asText(),
                                    j.path("state").asText(),
                                    j.path("start-time").asLong(),
                                    j.path("duration").asLong()))));
    list.sort(Comparator.comparingLong(Job::startMillis));
    return list;
  }

  /** The newest job named {@code name}, if any. */
  public Optional<Job> job(String name) {
    Job found = null;
    for (Job j : jobs()) {
      if (j.name().equals(name)) {
        found = j;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The state of job {@code id}, or of the newest job named {@code name} when {@code id} is null
   * (as {@code /jobs/overview} gives it, e.g. {@code RUNNING}) with its id; {@link #NOT_FOUND} (and
   * the id given) if the cluster answers and does not know it (Flink forgets finished jobs after a
   * while, a restarted cluster all of them); empty if the cluster does not answer.
   */
  public Optional<Job> find(String id, String name) {
    return jobsIfAnswering()
        .map(
            jobs -> {
              Job found = null;
              for (Job j : jobs) {
                if (id != null ? j.id().equals(id) : j.name().equals(name)) {
                  found = j;
                }
              }
              return found != null ? found : new Job(id, name, NOT_FOUND, 0, 0);
            });
  }

  /** What {@link #state} says of a job the cluster does not know. */
  public static final String NOT_FOUND = "NOT_FOUND";

  /** Asks the cluster to cancel job {@code id}; true if it accepted. */
  public boolean cancel(String id) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(webUrl() + "/jobs/" + id + "?mode=cancel"))
              .timeout(TIMEOUT)
              .method("PATCH", HttpRequest.BodyPublishers.noBody())
              .build();
      int code = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      return code == 202 || code == 200;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
