package dev.parabeam.pipelines.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parabeam.pipelines.launcher.Staging;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A local Flink session cluster (one JobManager, one or more TaskManagers, each its own JVM)
 * started from the Maven-resolved Flink jars in {@code pipelines/flink-cluster/target/lib}, because
 * flink-dist is not available here. It does what Flink's {@code start-cluster.sh} does: writes a
 * {@code config.yaml}, asks {@code BashJavaUtils} for each daemon's memory flags and dynamic
 * properties, and starts the daemons.
 *
 * <p>Every server binds to 127.0.0.1. All working files live under one directory ({@link #dir()},
 * by default {@code <repo>/build/flink-cluster}): {@code conf/}, {@code pids/}, {@code tmp/}
 * (Flink's {@code io.tmp.dirs}, blobs, web uploads) and {@code log/}. {@link #start} wipes the
 * directory first; {@link #stop} wipes it again but keeps {@code log/}.
 *
 * <p>Its parts live apart: {@link FlinkConfig} (configuration files, Flink's resource parameters),
 * {@link ClusterProcesses} (launching daemons, pid files, liveness, termination), {@link FlinkRest}
 * (the REST API) and {@link ClusterStatus} (what status and jobs print). What stays here, a little
 * over 300 lines, is the lifecycle itself: start (with the clean-up when a daemon fails to come
 * up), add a TaskManager, stop, and the working directory's state.
 */
public final class LocalFlinkCluster {
  public static final String HOST = "127.0.0.1";
  public static final int DEFAULT_REST_PORT = 8081;
  public static final int DEFAULT_SLOTS = 4;

  static final String MARKER = ".parabeam-flink-cluster";
  static final String STATE = "cluster.properties";
  static final String JOBMANAGER = "jobmanager";
  static final String TASKMANAGER = "taskmanager";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final ClusterDirs dirs;
  private final Path lib;
  private final FlinkConfig config;
  private final ClusterProcesses processes;

  public LocalFlinkCluster(Path dir, Path lib) {
    this.dir = dir.toAbsolutePath().normalize();
    this.dirs = new ClusterDirs(this.dir);
    this.lib = lib.toAbsolutePath().normalize();
    this.config = new FlinkConfig(this.dir, this.lib);
    this.processes = new ClusterProcesses(this.dir, this.lib);
  }

  /** The cluster of a repository checkout: working directory {@code <repo>/build/flink-cluster}. */
  public static LocalFlinkCluster forRepo(Path repo) {
    return new LocalFlinkCluster(repo.resolve("build").resolve("flink-cluster"), defaultLib(repo));
  }

  /**
   * The repository root: system property {@code parabeam.repo}, else derived from where this class
   * was loaded ({@code <repo>/pipelines/target/...}), else the current directory.
   */
  public static Path defaultRepo() {
    String prop = System.getProperty("parabeam.repo");
    if (prop != null && !prop.isBlank()) {
      return Paths.get(prop).toAbsolutePath().normalize();
    }
    try {
      Path p =
          Paths.get(
              LocalFlinkCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path c = p; c != null; c = c.getParent()) {
        if (Files.isRegularFile(c.resolve("pipelines/flink-cluster/pom.xml"))) {
          return c;
        }
      }
    } catch (Exception ignored) {
      // fall through to the current directory
    }
    return Paths.get("").toAbsolutePath();
  }

  /**
   * The Flink runtime jars: system property {@code parabeam.flink.lib}, else the flink-cluster
   * module's target/lib.
   */
  public static Path defaultLib(Path repo) {
    String prop = System.getProperty("parabeam.flink.lib");
    if (prop != null && !prop.isBlank()) {
      return Paths.get(prop);
    }
    return repo.resolve("pipelines/flink-cluster/target/lib");
  }

  public Path dir() {
    return dir;
  }

  public Path logDir() {
    return dirs.log();
  }

  /** The REST port of the running (or last started) cluster, or -1. */
  public int restPort() {
    String p = state().getProperty("rest.port");
    return p == null ? -1 : Integer.parseInt(p);
  }

  public String webUrl() {
    return "http://" + HOST + ":" + restPort();
  }

  // ---------------------------------------------------------------------------------------------
  // start

  /** Starts a JobManager and one TaskManager with {@code slots} slots; a no-op if already up. */
  public void start(int slots, int restPort, PrintStream out)
      throws IOException, InterruptedException {
    if (slots < 1) {
      throw new ClusterException("--slots must be at least 1, got " + slots);
    }
    requireLib();
    Map<String, ProcessHandle> live = liveProcesses();
    if (!live.isEmpty()) {
      int port = restPort();
      Optional<JsonNode> ov = port > 0 ? get(port, "/overview") : Optional.empty();
      if (ov.isPresent()) {
        out.println(
            "Flink cluster already up at "
                + webUrl()
                + " ("
                + ov.get().path("taskmanagers").asInt()
                + " TaskManager(s), "
                + ov.get().path("slots-total").asInt()
                + " slots; pids "
                + pidList(live)
                + ")");
        return;
      }
      throw new ClusterException(
          "a Flink cluster from "
              + dir
              + " is running (pids "
              + pidList(live)
              + ") but does not answer at "
              + webUrl()
              + "; see "
              + logDir()
              + " or stop it with ./run.sh cluster stop");
    }
    if (!portFree(restPort)) {
      throw new ClusterException(
          HOST
              + ":"
              + restPort
              + " is already in use by another program (not a cluster started from "
              + dir
              + "); stop that program or choose another port with --port=N");
    }

    wipe(false);
    for (Path d : List.of(dirs.conf(), dirs.pids(), dirs.tmp(), logDir())) {
      Files.createDirectories(d);
    }
    Files.writeString(
        dir.resolve(MARKER), "working directory of ./run.sh cluster; wiped on start and stop\n");
    int rpcPort = freePort();
    Properties st = new Properties();
    st.setProperty("rest.port", Integer.toString(restPort));
    st.setProperty("rpc.port", Integer.toString(rpcPort));
    st.setProperty("slots", Integer.toString(slots));
    try (Writer w = Files.newBufferedWriter(dir.resolve(STATE), StandardCharsets.UTF_8)) {
      st.store(w, "local Flink cluster");
    }
    config.write(slots, restPort, rpcPort);

    List<String[]> jmParams = config.resourceParams("GET_JM_RESOURCE_PARAMS");
    List<String> jmArgs =
        new ArrayList<>(
            List.of("--configDir", dirs.conf().toString(), "--executionMode", "cluster"));
    jmArgs.addAll(Arrays.asList(jmParams.get(1)));
    Map<String, Process> started = new LinkedHashMap<>();
    try {
      started.put(
          JOBMANAGER,
          processes.launch(
              JOBMANAGER,
              "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
              Arrays.asList(jmParams.get(0)),
              jmArgs));
      String tm = TASKMANAGER + "-1";
      started.put(tm, launchTaskManager(tm));
      awaitUp(started, 1, slots, tm);
    } catch (IOException | InterruptedException | RuntimeException e) {
      for (Process p : started.values()) {
        p.destroyForcibly();
      }
      for (Process p : started.values()) {
        p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      wipe(true);
      throw e;
    }
    out.println(
        "Flink cluster up: 1 JobManager (pid "
            + started.get(JOBMANAGER).pid()
            + "), 1 TaskManager (pid "
            + started.get(TASKMANAGER + "-1").pid()
            + ") with "
            + slots
            + " slots");
    out.println("web UI:  " + webUrl());
    out.println(
        "submit:  ./run.sh aggregate ... --runner=FlinkRunner --flinkMaster="
            + HOST
            + ":"
            + restPort);
    out.println("logs:    " + logDir());
    out.println("stop:    ./run.sh cluster stop" + dirOption());
  }

  /**
   * Starts one more TaskManager (same configuration) and waits until it has registered; returns its
   * pid.
   */
  public long addTaskManager(PrintStream out) throws IOException, InterruptedException {
    requireLib();
    Map<String, ProcessHandle> live = liveProcesses();
    if (!live.containsKey(JOBMANAGER) || get(restPort(), "/overview").isEmpty()) {
      throw ClusterException.noCluster(
          "no Flink cluster is up in " + dir + "; start one with ./run.sh cluster start");
    }
    int n = 1;
    while (Files.exists(dirs.pids().resolve(TASKMANAGER + "-" + n + ".pid"))) {
      n++;
    }
    String name = TASKMANAGER + "-" + n;
    Process p = launchTaskManager(name);
    try {
      awaitUp(Map.of(name, p), 0, 0, name);
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
    int slots = Integer.parseInt(state().getProperty("slots", "0"));
    out.println(
        "TaskManager "
            + name
            + " up (pid "
            + p.pid()
            + ", "
            + slots
            + " slots); web UI "
            + webUrl());
    return p.pid();
  }

  private Process launchTaskManager(String name) throws IOException, InterruptedException {
    List<String[]> tmParams = config.resourceParams("GET_TM_RESOURCE_PARAMS");
    List<String> tmArgs = new ArrayList<>(List.of("--configDir", dirs.conf().toString()));
    tmArgs.addAll(Arrays.asList(tmParams.get(1)));
    // a known resource id lets us see this very TaskManager register in /taskmanagers
    tmArgs.addAll(List.of("-D", "taskmanager.resource-id=" + name));
    return processes.launch(
        name,
        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
        Arrays.asList(tmParams.get(0)),
        tmArgs);
  }

  /** Waits until {@code taskManager} is registered and at least {@code slots} slots in total. */
  private void awaitUp(
      Map<String, Process> watch, int minTaskManagers, int slots, String taskManager)
      throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    int port = restPort();
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, Process> e : watch.entrySet()) {
        if (!e.getValue().isAlive()) {
          throw new ClusterException(
              "the "
                  + e.getKey()
                  + " exited during start (exit code "
                  + e.getValue().exitValue()
                  + "); see "
                  + logDir().resolve(e.getKey() + ".log")
                  + " and "
                  + logDir().resolve(e.getKey() + ".out"));
        }
      }
      Optional<JsonNode> ov = get(port, "/overview");
      Optional<JsonNode> tms = ov.isPresent() ? get(port, "/taskmanagers") : Optional.empty();
      if (ov.isPresent()
          && tms.isPresent()
          && ov.get().path("taskmanagers").asInt() >= minTaskManagers
          && ov.get().path("slots-total").asInt() >= slots
          && registered(tms.get(), taskManager)) {
        return;
      }
      Thread.sleep(300);
    }
    throw new ClusterException(
        "the Flink cluster did not come up within "
            + START_TIMEOUT.toSeconds()
            + " s; see the logs in "
            + logDir());
  }

  private static boolean registered(JsonNode taskManagers, String id) {
    for (JsonNode tm : taskManagers.path("taskmanagers")) {
      if (id.equals(tm.path("id").asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Live processes of this cluster by role ({@code jobmanager}, {@code taskmanager-N}), from the
   * pid files.
   */
  public Map<String, ProcessHandle> liveProcesses() {
    return processes.live();
  }

  private void requireLib() {
    boolean ok = false;
    if (Files.isDirectory(lib)) {
      try (Stream<Path> s = Files.list(lib)) {
        ok = s.anyMatch(p -> p.getFileName().toString().startsWith("flink-runtime-"));
      } catch (IOException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new ClusterException(
          "the Flink runtime jars are not in "
              + lib
              + "; build them with: mvn -B -q package -DskipTests -pl pipelines/flink-cluster");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // stop

  /**
   * Stops every recorded process (SIGTERM, then SIGKILL after a grace period) and wipes the working
   * directory, keeping logs.
   */
  public void stop(PrintStream out) throws IOException, InterruptedException {
    Map<String, ProcessHandle> live = liveProcesses();
    if (live.isEmpty()) {
      if (Files.exists(dir.resolve(MARKER))) {
        wipe(true);
      }
      out.println("no Flink cluster running from " + dir);
      return;
    }
    List<String> forced = ClusterProcesses.terminate(live, STOP_TIMEOUT);
    wipe(true);
    out.println(
        "stopped "
            + live.entrySet().stream()
                .map(e -> e.getKey() + " (pid " + e.getValue().pid() + ")")
                .collect(Collectors.joining(", "))
            + (forced.isEmpty()
                ? ""
                : "; killed after " + STOP_TIMEOUT.toSeconds() + " s: " + forced)
            + "; logs kept in "
            + logDir());
  }

  /** Best effort, for shutdown hooks: stops whatever runs, never throws. */
  public void stopQuietly() {
    try {
      stop(new PrintStream(PrintStream.nullOutputStream()));
    } catch (Exception | Error e) {
      for (ProcessHandle h : liveProcesses().values()) {
        h.destroyForcibly();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // REST and process bookkeeping

  /** {@code " --dir=<dir>"} when this is not the repository's default cluster, else "". */
  String dirOption() {
    Path dflt =
        defaultRepo().resolve("build").resolve("flink-cluster").toAbsolutePath().normalize();
    return dir.equals(dflt) ? "" : " --dir=" + dir;
  }

  /** The REST API of the cluster at {@code port} of {@link #HOST}. */
  static FlinkRest rest(int port) {
    return new FlinkRest(HOST, port);
  }

  /** GET of a REST path of the cluster at {@code port}; empty if nothing answers with JSON. */
  Optional<JsonNode> get(int port, String path) {
    return rest(port).get(path);
  }

  /** GET of a REST path of this cluster; empty if it does not answer. */
  public Optional<JsonNode> get(String path) {
    int port = restPort();
    return port < 0 ? Optional.empty() : get(port, path);
  }

  private Properties state() {
    Properties p = new Properties();
    Path f = dir.resolve(STATE);
    if (Files.isRegularFile(f)) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        // unreadable state: treated as no state
      }
    }
    return p;
  }

  /**
   * Deletes the working directory's contents (but {@code log/} if {@code keepLogs}); refuses a
   * directory that is not ours.
   */
  private void wipe(boolean keepLogs) throws IOException {
    if (!Files.exists(dir)) {
      Files.createDirectories(dir);
      return;
    }
    boolean ours = Files.exists(dir.resolve(MARKER));
    try (Stream<Path> s = Files.list(dir)) {
      if (!ours && s.findAny().isPresent()) {
        throw new ClusterException(
            dir + " is not empty and not a cluster working directory; choose another --dir");
      }
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if ((keepLogs && n.equals("log")) || n.equals(MARKER)) {
          continue;
        }
        Staging.deleteTree(p);
      }
    }
  }

  static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  static String pidList(Map<String, ProcessHandle> live) {
    return live.values().stream()
        .map(h -> Long.toString(h.pid()))
        .collect(Collectors.joining(", "));
  }
}
