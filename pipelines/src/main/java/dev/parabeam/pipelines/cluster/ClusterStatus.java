package dev.parabeam.pipelines.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What {@code cluster status} and {@code cluster jobs} print about a {@link LocalFlinkCluster}. */
final class ClusterStatus {
  private ClusterStatus() {}

  /** Prints whether the cluster is up, its slots and its jobs; returns true if it is up. */
  static boolean status(LocalFlinkCluster cluster, PrintStream out) {
    Map<String, ProcessHandle> live = cluster.liveProcesses();
    int port = cluster.restPort();
    Optional<JsonNode> ov =
        live.isEmpty() || port < 0 ? Optional.empty() : cluster.get(port, "/overview");
    if (ov.isEmpty()) {
      if (live.isEmpty()) {
        out.println(
            "Flink cluster: down (nothing running from "
                + cluster.dir()
                + "); start it with ./run.sh cluster start");
      } else {
        out.println(
            "Flink cluster: not answering at "
                + cluster.webUrl()
                + " (pids "
                + LocalFlinkCluster.pidList(live)
                + "); see "
                + cluster.logDir());
      }
      return false;
    }
    JsonNode o = ov.get();
    out.println(
        "Flink cluster: up, Flink "
            + o.path("flink-version").asText()
            + ", web UI "
            + cluster.webUrl());
    out.println(
        "  processes:    "
            + live.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().pid())
                .collect(Collectors.joining(", ")));
    out.println(
        "  TaskManagers: "
            + o.path("taskmanagers").asInt()
            + ", slots "
            + o.path("slots-total").asInt()
            + " total, "
            + o.path("slots-available").asInt()
            + " available");
    out.println(
        "  jobs:         "
            + o.path("jobs-running").asInt()
            + " running, "
            + o.path("jobs-finished").asInt()
            + " finished, "
            + o.path("jobs-failed").asInt()
            + " failed, "
            + o.path("jobs-cancelled").asInt()
            + " cancelled");
    printJobs(LocalFlinkCluster.rest(port).jobs(), "  ", out);
    return true;
  }

  /** One line per job: state, id, name, duration. */
  static void printJobs(List<FlinkRest.Job> jobs, String indent, PrintStream out) {
    for (FlinkRest.Job j : jobs) {
      out.println(
          String.format(
              Locale.ROOT,
              "%s%-10s %s  %s  %.1f s",
              indent,
              j.state(),
              j.id(),
              j.name(),
              j.durationMillis() / 1000.0));
    }
  }
}
