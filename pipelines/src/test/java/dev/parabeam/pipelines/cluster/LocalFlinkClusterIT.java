package dev.parabeam.pipelines.cluster;

import static dev.parabeam.pipelines.cluster.JarProcess.aggregate;
import static dev.parabeam.pipelines.cluster.JarProcess.assertSameBytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parabeam.pipelines.JobRun;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * A real local Flink session cluster started with {@code Main cluster start}: submission of the
 * real jar with relative paths, a TaskManager killed with SIGKILL mid-job, loopback-only ports, and
 * {@code cluster stop} leaving no process and no port behind (also from a shutdown hook if a test
 * fails hard).
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class LocalFlinkClusterIT {
  private static Path base;
  private static Path work;
  private static Path clusterDir;
  private static int port;
  private static LocalFlinkCluster cluster;
  private static Thread hook;
  private static boolean started;

  @BeforeClass
  public static void startCluster() throws Exception {
    base = Paths.get("target", "it-flink-cluster").toAbsolutePath();
    work = base.resolve("work");
    clusterDir = base.resolve("cluster");
    // a leftover cluster of an interrupted earlier run goes first
    cluster = new LocalFlinkCluster(clusterDir, LocalFlinkCluster.defaultLib(JarProcess.repo()));
    cluster.stopQuietly();
    JarProcess.deleteTree(work);
    hook = new Thread(cluster::stopQuietly, "stop-local-flink-cluster");
    Runtime.getRuntime().addShutdownHook(hook);

    // 8081 as a user would, unless something (say a user's own cluster) holds it
    port = LocalFlinkCluster.portFree(8081) ? 8081 : freePort();
    JarProcess.ok(work, "generate", 120, "generate", "--rows=200000", "--output=in.csv");
    JarProcess.ok(work, "direct", 300, aggregate("in.csv", "direct"));
    // the fault test's input: the generated rows with bad ones in the middle and at the end, and
    // testdata/multi-dead (bad records in each of its three files)
    Path fault = Files.createDirectories(work.resolve("fault"));
    List<String> rows = Files.readAllLines(work.resolve("in.csv"));
    // after the header (a line inside the data may be part of a quoted line break)
    rows.add(1, "999999999,north,widget,c1,not-a-number,\"bad at the start\"");
    rows.add("1000000000,south,widget,c2");
    rows.add("1000000001,east,widget,c3,1.5.5,\"bad at the end\"");
    Files.write(fault.resolve("generated.csv"), rows);
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(JarProcess.repo().resolve("testdata/multi-dead"), "*.csv")) {
      for (Path f : ds) {
        Files.copy(f, fault.resolve(f.getFileName()));
      }
    }
    JarProcess.ok(work, "direct-fault", 300, aggregate("fault/*.csv", "direct-fault"));

    JarProcess r =
        JarProcess.ok(
            work,
            "cluster-start",
            240,
            "cluster",
            "start",
            "--dir=" + clusterDir,
            "--port=" + port);
    started = true;
    assertThat(r.out, containsString("web UI:  http://127.0.0.1:" + port));
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    try {
      JarProcess r =
          JarProcess.run(work, "cluster-stop", 120, "cluster", "stop", "--dir=" + clusterDir);
      assertEquals("cluster stop failed:\n" + r.err, 0, r.exit);
      if (started) {
        assertThat(r.out, startsWith("stopped jobmanager"));
      }
      assertTrue("processes left: " + cluster.liveProcesses(), cluster.liveProcesses().isEmpty());
      assertTrue("port " + port + " still taken", LocalFlinkCluster.portFree(port));
      List<String> left = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(clusterDir)) {
        ds.forEach(p -> left.add(p.getFileName().toString()));
      }
      left.remove("log");
      left.remove(LocalFlinkCluster.MARKER);
      assertThat("working files left in " + clusterDir, left, empty());
    } finally {
      cluster.stopQuietly();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  @Test
  public void a_startIsIdempotentAndStatusShowsTheSlots() throws Exception {
    JarProcess again =
        JarProcess.ok(
            work,
            "cluster-start-again",
            60,
            "cluster",
            "start",
            "--dir=" + clusterDir,
            "--port=" + port);
    assertThat(again.out, containsString("already up"));
    JarProcess status =
        JarProcess.ok(work, "cluster-status", 60, "cluster", "status", "--dir=" + clusterDir);
    assertThat(status.out, containsString("Flink cluster: up"));
    assertThat(status.out, containsString("slots 4 total"));
  }

  @Test
  public void b_aPortTakenBySomethingElseIsAClearError() throws Exception {
    Path other = base.resolve("other-cluster");
    JarProcess r =
        JarProcess.run(
            work,
            "cluster-start-taken",
            60,
            "cluster",
            "start",
            "--dir=" + other,
            "--port=" + port);
    assertEquals(1, r.exit);
    assertThat(r.err.strip(), startsWith("error: 127.0.0.1:" + port + " is already in use"));
    assertEquals("one line", 1, r.err.strip().lines().count());
  }

  @Test
  public void c_submittedJobFinishesWithTheDirectRunnersBytes() throws Exception {
    Set<String> before = jobIds();
    JarProcess.ok(
        work,
        "submit",
        300,
        aggregate(
            "in.csv",
            "cluster-p4",
            "--runner=FlinkRunner",
            "--flinkMaster=127.0.0.1:" + port,
            "--parallelism=4"));
    String jid = newJob(before);
    assertEquals("FINISHED", state(jid));
    assertSameBytes(work.resolve("direct/results.csv"), work.resolve("cluster-p4/results.csv"));
  }

  @Test
  public void d_jobSurvivesATaskManagerKilledMidJob() throws Exception {
    Set<String> before = jobIds();
    // 50,000 records per slot at 0.3 ms or more each: tens of seconds, long enough to interrupt
    long t0 = System.nanoTime();
    Process submit =
        JarProcess.start(
            work,
            "submit-fault",
            aggregate(
                "fault/*.csv",
                "cluster-fault",
                "--runner=FlinkRunner",
                "--flinkMaster=127.0.0.1:" + port,
                "--parallelism=4",
                "--work=io",
                "--workMicros=300"));
    String jid = null;
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline && submit.isAlive()) {
      Optional<JsonNode> jobs = cluster.get("/jobs/overview");
      if (jobs.isPresent()) {
        for (JsonNode j : jobs.get().path("jobs")) {
          if (!before.contains(j.path("jid").asText())
              && j.path("state").asText().equals("RUNNING")
              && j.path("tasks").path("running").asInt() > 0) {
            jid = j.path("jid").asText();
          }
        }
      }
      if (jid != null) {
        break;
      }
      Thread.sleep(200);
    }
    assertTrue("the job never ran; see " + work.resolve("submit-fault.err"), jid != null);
    Thread.sleep(5000); // well into the per-record work
    assertEquals("the job must still run when the TaskManager is killed", "RUNNING", state(jid));

    ProcessHandle tm = cluster.liveProcesses().get("taskmanager-1");
    assertTrue("taskmanager-1 is not running", tm != null);
    assertTrue("SIGKILL", tm.destroyForcibly());
    tm.onExit().get();
    JarProcess.ok(
        work, "add-taskmanager", 180, "cluster", "add-taskmanager", "--dir=" + clusterDir);

    JarProcess r = JarProcess.finish(submit, work, "submit-fault", t0, 600);
    assertEquals("the job failed after the TaskManager was killed:\n" + r.err, 0, r.exit);
    assertEquals("FINISHED", state(jid));
    JsonNode exceptions = cluster.get("/jobs/" + jid + "/exceptions").orElseThrow();
    assertThat(
        "the job saw the lost TaskManager",
        exceptions.path("exceptionHistory").path("entries").size(),
        greaterThan(0));
    // no record lost or counted twice, and every dead letter once, in input order, from all 4 files
    assertSameBytes(
        work.resolve("direct-fault/results.csv"), work.resolve("cluster-fault/results.csv"));
    assertSameBytes(
        work.resolve("direct-fault/dead-letters.csv"),
        work.resolve("cluster-fault/dead-letters.csv"));
    Map<String, String> direct = counts(work.resolve("direct-fault/summary.json"));
    assertEquals(direct, counts(work.resolve("cluster-fault/summary.json")));
    assertEquals("12", direct.get("dead_letters"));
    List<String> deadLetters = Files.readAllLines(work.resolve("cluster-fault/dead-letters.csv"));
    assertEquals(
        "distinct dead-letter rows", deadLetters.size(), new HashSet<>(deadLetters).size());
    for (String file : List.of("generated.csv", "part-a.csv", "part-b.csv", "part-c.csv")) {
      assertTrue(
          "dead letters of " + file,
          deadLetters.stream().anyMatch(l -> l.startsWith(work.resolve("fault/" + file) + ",")));
    }
  }

  /**
   * The tasks job on the cluster, its TaskManager killed with SIGKILL while the workers run and a
   * new one started: Flink restarts the job, and every task is in tasks.csv exactly once, with the
   * attempts of its failure mode (the attempts of the lost run are not in the output).
   */
  @Test
  public void da_tasksJobSurvivesATaskManagerKilledMidRun() throws Exception {
    StringBuilder sb = new StringBuilder("id,priority,kind,millis,fail\n");
    int n = 60;
    for (int i = 1; i <= n; i++) {
      sb.append(i)
          .append(',')
          .append(1 + i % 3)
          .append(",sleep,600,")
          .append(i % 10 == 0 ? "transient:1" : i % 15 == 0 ? "permanent" : "none")
          .append('\n');
    }
    Files.writeString(work.resolve("tasks-fault.csv"), sb);
    Set<String> before = jobIds();
    long t0 = System.nanoTime();
    Process submit =
        JarProcess.start(
            work,
            "submit-tasks-fault",
            "tasks",
            "--input=tasks-fault.csv",
            "--output=cluster-tasks-fault",
            "--flinkMaster=127.0.0.1:" + port,
            "--workers=4");
    String jid = null;
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline && submit.isAlive() && jid == null) {
      Optional<JsonNode> jobs = cluster.get("/jobs/overview");
      if (jobs.isPresent()) {
        for (JsonNode j : jobs.get().path("jobs")) {
          if (!before.contains(j.path("jid").asText())
              && j.path("state").asText().equals("RUNNING")
              && j.path("tasks").path("running").asInt() > 0) {
            jid = j.path("jid").asText();
          }
        }
      }
      Thread.sleep(200);
    }
    assertTrue("the job never ran; see " + work.resolve("submit-tasks-fault.err"), jid != null);
    Thread.sleep(4000); // the workers are running tasks (60 x 600 ms on 4 workers: 9 s or more)
    assertEquals("the job must still run when the TaskManager is killed", "RUNNING", state(jid));
    ProcessHandle tm =
        cluster.liveProcesses().entrySet().stream()
            .filter(e -> e.getKey().startsWith("taskmanager"))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no TaskManager is running"));
    assertTrue("SIGKILL", tm.destroyForcibly());
    tm.onExit().get();
    JarProcess.ok(
        work, "add-taskmanager-tasks", 180, "cluster", "add-taskmanager", "--dir=" + clusterDir);

    JarProcess r = JarProcess.finish(submit, work, "submit-tasks-fault", t0, 600);
    assertEquals("the job failed after the TaskManager was killed:\n" + r.err, 0, r.exit);
    assertEquals("FINISHED", state(jid));
    JsonNode exceptions = cluster.get("/jobs/" + jid + "/exceptions").orElseThrow();
    assertThat(
        "the job saw the lost TaskManager",
        exceptions.path("exceptionHistory").path("entries").size(),
        greaterThan(0));
    List<String> rows = Files.readAllLines(work.resolve("cluster-tasks-fault/tasks.csv"));
    assertEquals("id,priority,worker,attempts,start_ms,end_ms,outcome,error", rows.get(0));
    assertEquals("one row per task", n + 1, rows.size());
    int attempts = 0;
    for (int i = 1; i <= n; i++) {
      String[] f = rows.get(i).split(",", -1);
      assertEquals("the row of task " + i, Integer.toString(i), f[0]);
      int expected = i % 10 == 0 ? 2 : i % 15 == 0 ? 3 : 1;
      assertEquals("attempts of task " + i, Integer.toString(expected), f[3]);
      assertEquals(i % 15 == 0 && i % 10 != 0 ? "failed" : "succeeded", f[6]);
      attempts += expected;
    }
    assertEquals(
        "one row per attempt of the committed run",
        attempts + 1,
        Files.readAllLines(work.resolve("cluster-tasks-fault/attempts.csv")).size());
  }

  /** The figures of summary.json that must not depend on the runner or on a retry. */
  private static Map<String, String> counts(Path summary) throws IOException {
    Map<String, String> m = new TreeMap<>();
    for (String line : Files.readAllLines(summary)) {
      Matcher x = Pattern.compile("^\\s*\"([a-z_]+)\": (\\d+),?$").matcher(line);
      if (x.matches()
          && List.of(
                  "files",
                  "bytes",
                  "records_read",
                  "records_ok",
                  "dead_letters",
                  "dead_letter_bytes",
                  "unterminated_quotes",
                  "keys")
              .contains(x.group(1))) {
        m.put(x.group(1), x.group(2));
      }
    }
    assertEquals("figures in " + summary + ": " + m, 8, m.size());
    return m;
  }

  @Test
  public void e_everyListeningPortIsOnLoopback() throws Exception {
    Map<String, ProcessHandle> live = cluster.liveProcesses();
    assertThat(live.keySet(), not(empty()));
    for (Map.Entry<String, ProcessHandle> e : live.entrySet()) {
      List<String> addresses = ListeningSockets.of(e.getValue().pid());
      assertThat(e.getKey() + " listens on nothing?", addresses, not(empty()));
      for (String a : addresses) {
        assertThat(
            e.getKey() + " (pid " + e.getValue().pid() + ") listens on " + a,
            a,
            startsWith("127.0.0.1:"));
      }
    }
  }

  @Test
  public void f_tooFewFreeSlotsIsOneErrorLineBeforeAnythingIsSubmitted() throws Exception {
    Set<String> before = jobIds();
    JarProcess r =
        JarProcess.run(
            work,
            "submit-too-wide",
            120,
            aggregate(
                "in.csv",
                "cluster-too-wide",
                "--runner=FlinkRunner",
                "--flinkMaster=127.0.0.1:" + port,
                "--parallelism=9"));
    assertEquals(r.err, 2, r.exit);
    assertThat(r.err, startsWith("error: --parallelism=9 needs 9 free task slots"));
    assertThat(r.err, containsString("cluster add-taskmanager"));
    assertEquals("one line", 1, r.err.strip().lines().count());
    assertFalse(Files.exists(work.resolve("cluster-too-wide")));
    assertEquals(before, jobIds());
  }

  @Test
  public void g_aStoppedClientCancelsItsJobAndClusterCancelCancelsOne() throws Exception {
    for (String how : List.of("client-stopped", "cluster-cancel")) {
      Process submit =
          JarProcess.start(
              work,
              "submit-" + how,
              aggregate(
                  "in.csv",
                  "cluster-" + how,
                  "--runner=FlinkRunner",
                  "--flinkMaster=127.0.0.1:" + port,
                  "--parallelism=2",
                  "--work=io",
                  "--workMicros=2000"));
      long t0 = System.nanoTime();
      String jid = submittedJobId(work.resolve("submit-" + how + ".out"), submit);
      assertThat(
          Files.readString(work.resolve("submit-" + how + ".out")),
          containsString("web UI:    http://127.0.0.1:" + port + "/#/job/running/" + jid));
      awaitState(jid, "RUNNING");
      JarProcess jobs =
          JarProcess.ok(work, "jobs-" + how, 60, "cluster", "jobs", "--dir=" + clusterDir);
      assertThat(jobs.out, containsString(jid));
      if (how.equals("client-stopped")) {
        submit.destroy(); // SIGTERM, as Ctrl-C: the JVM's shutdown hooks run
      } else {
        JarProcess.ok(work, "cancel", 60, "cluster", "cancel", jid, "--dir=" + clusterDir);
      }
      JarProcess r = JarProcess.finish(submit, work, "submit-" + how, t0, 120);
      assertThat(r.exit, not(is(0)));
      awaitState(jid, "CANCELED");
      if (how.equals("client-stopped")) {
        assertThat(r.err, containsString("stopped: cancelled Flink job " + jid));
      }
      assertFalse(Files.exists(work.resolve("cluster-" + how).resolve("results.csv")));
    }
  }

  /**
   * A client that loses contact with its running job (its connection to the cluster cut by a relay
   * in front of the REST port, as a network partition would): it cannot cancel the job, so it says
   * so with the job's id and leaves the output locked; the next runs are refused while the job may
   * run (the cluster does not answer, then answers that it runs) and proceed once it is cancelled.
   */
  @Test
  public void h_aClientThatLosesContactLeavesTheOutputLockedWhileItsJobRuns() throws Exception {
    Path out = work.resolve("cluster-lost");
    try (CuttableProxy relay = new CuttableProxy(port)) {
      long t0 = System.nanoTime();
      Process submit =
          JarProcess.start(
              work,
              "submit-lost",
              aggregate(
                  "in.csv",
                  "cluster-lost",
                  "--runner=FlinkRunner",
                  "--flinkMaster=127.0.0.1:" + relay.port(),
                  "--parallelism=2",
                  "--work=io",
                  "--workMicros=3000"));
      String jid = submittedJobId(work.resolve("submit-lost.out"), submit);
      awaitState(jid, "RUNNING");
      relay.cut();
      JarProcess r = JarProcess.finish(submit, work, "submit-lost", t0, 400);
      assertEquals(r.err, 1, r.exit);
      assertThat(
          r.err, containsString("Flink job " + jid + " may still be running and could not be"));
      assertEquals("RUNNING", state(jid));
      Path lock = out.resolve(".parabeam.lock");
      assertTrue("the lock file stays", Files.exists(lock));
      assertThat(Files.readString(lock), containsString(jid));

      JarProcess refused =
          JarProcess.run(work, "lost-refused", 120, aggregate("in.csv", "cluster-lost"));
      assertEquals(refused.err, 2, refused.exit);
      assertThat(refused.err, containsString("is held for Flink job " + jid));
      assertThat(refused.err, containsString("does not answer"));

      relay.restore();
      JarProcess still =
          JarProcess.run(work, "lost-still", 120, aggregate("in.csv", "cluster-lost"));
      assertEquals(still.err, 2, still.exit);
      assertThat(still.err, containsString("it is RUNNING"));

      JarProcess.ok(work, "lost-cancel", 60, "cluster", "cancel", jid, "--dir=" + clusterDir);
      awaitState(jid, "CANCELED");
      // the lock file names the cluster as the client reached it: through the relay
      JarProcess.ok(work, "lost-after", 300, aggregate("in.csv", "cluster-lost"));
    }
    assertSameBytes(work.resolve("direct/results.csv"), out.resolve("results.csv"));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, ".parabeam*")) {
      assertFalse("no staging or lock left", ds.iterator().hasNext());
    }
  }

  /**
   * Point 5 of issue 19: a many-keys job that spills (a small --memoryBudget) on 2 TaskManagers of
   * 4 slots at --parallelism=8 merges its partitions on every subtask, so on both TaskManagers (the
   * MergePartitions vertex's subtasks as the REST API reports them: each read records, and they ran
   * on two TaskManagers), and its results equal the DirectRunner's.
   */
  @Test
  public void i_theMergesOfAManyKeysJobRunOnBothTaskManagers() throws Exception {
    JarProcess.ok(
        work,
        "generate-many",
        120,
        "generate",
        "--rows=300000",
        "--products=200000",
        "--output=many.csv");
    JarProcess.ok(
        work,
        "direct-many",
        300,
        "aggregate",
        "--input=many.csv",
        "--keyColumn=product",
        "--valueColumn=amount",
        "--memoryBudget=1m",
        "--output=direct-many");
    long live =
        cluster.liveProcesses().keySet().stream().filter(n -> n.startsWith("taskmanager")).count();
    for (long i = live; i < 2; i++) {
      JarProcess.ok(
          work,
          "add-taskmanager-many-" + i,
          180,
          "cluster",
          "add-taskmanager",
          "--dir=" + clusterDir);
    }
    // a TaskManager killed by an earlier test may still be listed until its heartbeat times out
    long deadline = System.nanoTime() + 60_000_000_000L;
    JsonNode ov = cluster.get("/overview").orElseThrow();
    while (System.nanoTime() < deadline
        && (ov.path("taskmanagers").asInt() != 2 || ov.path("slots-available").asInt() < 8)) {
      Thread.sleep(300);
      ov = cluster.get("/overview").orElseThrow();
    }
    assertEquals("TaskManagers: " + ov, 2, ov.path("taskmanagers").asInt());

    Set<String> before = jobIds();
    JarProcess r =
        JarProcess.ok(
            work,
            "submit-many",
            400,
            "aggregate",
            "--input=many.csv",
            "--keyColumn=product",
            "--valueColumn=amount",
            "--memoryBudget=1m",
            "--runner=FlinkRunner",
            "--flinkMaster=127.0.0.1:" + port,
            "--parallelism=8",
            "--output=cluster-many");
    String jid = newJob(before);
    assertEquals("FINISHED", state(jid));
    Matcher runs = Pattern.compile("\"run_files\": (\\d+)").matcher(r.out);
    assertTrue(r.out, runs.find());
    assertThat("the units spilled", Long.parseLong(runs.group(1)), greaterThan(0L));
    assertSameBytes(
        work.resolve("direct-many/results.csv"), work.resolve("cluster-many/results.csv"));

    String merge = null;
    for (JsonNode v : cluster.get("/jobs/" + jid).orElseThrow().path("vertices")) {
      if (v.path("name").asText().contains("MergePartitions")) {
        merge = v.path("id").asText();
      }
    }
    assertTrue("no MergePartitions vertex in job " + jid, merge != null);
    JsonNode vertex = cluster.get("/jobs/" + jid + "/vertices/" + merge).orElseThrow();
    assertEquals(vertex.toString(), 8, vertex.path("parallelism").asInt());
    Map<String, Long> readByTaskManager = new TreeMap<>();
    Set<Long> readPerSubtask = new HashSet<>();
    StringBuilder seen = new StringBuilder(vertex.path("name").asText());
    for (JsonNode st : vertex.path("subtasks")) {
      long read = st.path("metrics").path("read-records").asLong();
      assertThat("records into merge subtask " + st, read, greaterThan(0L));
      readByTaskManager.merge(st.path("taskmanager-id").asText(), read, Long::sum);
      readPerSubtask.add(read);
      seen.append("\n  subtask ")
          .append(st.path("subtask").asInt())
          .append(" on ")
          .append(st.path("taskmanager-id").asText())
          .append(": ")
          .append(read)
          .append(" records in");
    }
    System.out.println("MergePartitions of job " + jid + ": " + seen);
    assertEquals("subtasks of " + vertex, 8, vertex.path("subtasks").size());
    assertEquals(
        "TaskManagers that merged partitions: " + readByTaskManager, 2, readByTaskManager.size());
    // each of the 8 units sends one slice per partition; with 4 partitions per subtask (the shuffle
    // keys of FlinkChunkKeys.forPartitions) every subtask receives as many slices
    assertEquals("slices per merge subtask: " + seen, 1, readPerSubtask.size());
  }

  /** The job id the client printed once the cluster had the job. */
  private static String submittedJobId(Path out, Process client) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && client.isAlive()) {
      for (String line : Files.readAllLines(out)) {
        if (line.startsWith("submitted: Flink job ")) {
          return line.substring("submitted: Flink job ".length()).split(" ")[0];
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the client printed no job id; see " + out);
  }

  private static void awaitState(String jid, String wanted) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    String now = null;
    while (System.nanoTime() < deadline) {
      now = state(jid);
      if (now.equals(wanted)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("job " + jid + " is " + now + ", not " + wanted);
  }

  /** Every job and its arguments (besides --output) for the lean-jar runs. */
  private static List<List<String>> everyJob() {
    Path td = JarProcess.repo().resolve("testdata");
    return List.of(
        List.of("aggregate", "--input=in.csv", "--keyColumn=region", "--valueColumn=amount"),
        List.of(
            "groupby",
            "--input=" + td.resolve("groupby") + "/*.csv",
            "--keyColumns=customer",
            "--aggregations=countDistinct(region),sum(qty),p50(amount),p90(amount),p99(amount)"),
        List.of("analyze", "--input=" + td.resolve("docs/docs.jsonl"), "--latencyMillis=0"),
        List.of("flow-demo"),
        List.of("dependency-graph"));
  }

  /**
   * The lean job jar (parabeam-pipelines-cluster.jar) on its own, as {@code flink run} submits it:
   * Flink's own client (CliFrontend, from the cluster's class path) runs Main from the lean jar,
   * which holds neither Flink nor the DirectRunner, and every job writes on the cluster what it
   * writes on the DirectRunner, byte for byte (summary.json aside: it holds the runner and times).
   */
  @Test
  public void j_theLeanJarRunsEveryJobOnTheClusterWithFlinksOwnClient() throws Exception {
    Path leanJar = JarProcess.jar().resolveSibling(ClusterJar.CLUSTER_JAR);
    assertTrue("the lean jar is missing: " + leanJar, Files.isRegularFile(leanJar));
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(leanJar.toFile())) {
      List<String> provided =
          z.stream()
              .map(java.util.zip.ZipEntry::getName)
              .filter(
                  n ->
                      n.startsWith("org/apache/flink/")
                          || n.startsWith("org/apache/beam/runners/direct/")
                          || n.startsWith("org/apache/pdfbox/")
                          || n.startsWith("io/grpc/xds/"))
              .limit(5)
              .toList();
      assertThat("Flink, the DirectRunner, PDFBox, xds are not in the lean jar", provided, empty());
      assertTrue("Main is", z.getEntry("dev/parabeam/pipelines/Main.class") != null);
    }
    for (List<String> job : everyJob()) {
      String name = job.get(0);
      List<String> direct = new ArrayList<>(job);
      direct.add("--output=lean-ref-" + name);
      JarProcess.ok(work, "lean-ref-" + name, 300, direct.toArray(new String[0]));

      Set<String> before = jobIds();
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Dparabeam.repo=" + JarProcess.repo(),
                  "-cp",
                  LocalFlinkCluster.defaultLib(JarProcess.repo()) + "/*",
                  "org.apache.flink.client.cli.CliFrontend",
                  "run",
                  "-c",
                  "dev.parabeam.pipelines.Main",
                  leanJar.toString()));
      cmd.addAll(job);
      cmd.addAll(List.of("--output=lean-" + name, "--runner=FlinkRunner", "--parallelism=2"));
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(work.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(work.resolve("lean-" + name + ".out").toFile())
              .redirectError(work.resolve("lean-" + name + ".err").toFile());
      pb.environment().put("FLINK_CONF_DIR", clusterDir.resolve("conf").toString());
      Process p = pb.start();
      boolean ended = p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly().waitFor();
      }
      String err = Files.readString(work.resolve("lean-" + name + ".err"));
      String out = Files.readString(work.resolve("lean-" + name + ".out"));
      assertTrue("flink run of " + name + " did not end", ended);
      assertEquals("flink run " + name + ":\n" + err + out, 0, p.exitValue());
      assertEquals("FINISHED", state(newJob(before)));

      Path ref = work.resolve("lean-ref-" + name);
      List<Path> files = new ArrayList<>();
      try (var walk = Files.walk(ref)) {
        walk.filter(Files::isRegularFile)
            .filter(f -> !JobRun.RUN_DESCRIPTION.contains(f.getFileName().toString()))
            .forEach(files::add);
      }
      assertThat(name + " writes files", files, not(empty()));
      long bytes = 0;
      for (Path f : files) {
        Path lean = work.resolve("lean-" + name).resolve(ref.relativize(f));
        assertTrue("missing " + lean, Files.isRegularFile(lean));
        assertTrue(
            lean + " is not byte-identical to " + f,
            java.util.Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(lean)));
        bytes += Files.size(f);
      }
      assertThat(name + " writes results", bytes, greaterThan(0L));
    }
  }

  private static Set<String> jobIds() {
    Set<String> ids = new HashSet<>();
    cluster
        .get("/jobs/overview")
        .orElseThrow()
        .path("jobs")
        .forEach(j -> ids.add(j.path("jid").asText()));
    return ids;
  }

  private static String newJob(Set<String> before) {
    List<String> fresh = new ArrayList<>();
    cluster
        .get("/jobs/overview")
        .orElseThrow()
        .path("jobs")
        .forEach(
            j -> {
              if (!before.contains(j.path("jid").asText())) {
                fresh.add(j.path("jid").asText());
              }
            });
    assertEquals("new jobs on the cluster: " + fresh, 1, fresh.size());
    return fresh.get(0);
  }

  private static String state(String jid) {
    for (JsonNode j : cluster.get("/jobs/overview").orElseThrow().path("jobs")) {
      if (j.path("jid").asText().equals(jid)) {
        return j.path("state").asText();
      }
    }
    throw new AssertionError("job " + jid + " is not in /jobs/overview");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
