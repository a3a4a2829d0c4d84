package dev.parabeam.pipelines.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes of a {@link LocalFlinkCluster}: starting a daemon (its command line, log and pid
 * files) and finding which recorded pids still run and are really ours.
 */
final class ClusterProcesses {
  private final Path dir;
  private final ClusterDirs dirs;
  private final Path lib;

  ClusterProcesses(Path dir, Path lib) {
    this.dir = dir;
    this.dirs = new ClusterDirs(this.dir);
    this.lib = lib;
  }

  /**
   * Starts daemon {@code name} in its own session, its output in {@code log/<name>.out}, its pid in
   * {@code pids/<name>.pid}.
   */
  Process launch(String name, String mainClass, List<String> jvmFlags, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    Path setsid = Paths.get("/usr/bin/setsid");
    if (Files.isExecutable(setsid)) {
      cmd.add(
          setsid
              .toString()); // own session: a Ctrl-C or hang-up of the starting shell does not reach
      // the daemon
    }
    cmd.add(FlinkConfig.javaBin());
    cmd.addAll(jvmFlags);
    cmd.addAll(FlinkConfig.JAVA17_OPTS);
    cmd.add("-Dparabeam.flink.cluster=" + dir); // marks the process as ours (see isOurs)
    cmd.add("-Dlog.file=" + dirs.log().resolve(name + ".log"));
    cmd.add("-Dlog4j.configuration=" + dirs.conf().resolve("log4j.properties").toUri());
    cmd.add("-Dlog4j.configurationFile=" + dirs.conf().resolve("log4j.properties").toUri());
    cmd.add("-Djava.io.tmpdir=" + dirs.tmp());
    cmd.addAll(List.of("-cp", lib + File.separator + "*", mainClass));
    cmd.addAll(args);
    Files.writeString(
        dirs.log().resolve(name + ".cmd"), String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dirs.log().resolve(name + ".out").toFile()))
            .start();
    Files.writeString(dirs.pids().resolve(name + ".pid"), p.pid() + "\n", StandardCharsets.UTF_8);
    return p;
  }

  /**
   * Live processes of this cluster by role ({@code jobmanager}, {@code taskmanager-N}), from the
   * pid files.
   */
  Map<String, ProcessHandle> live() {
    Map<String, ProcessHandle> m = new LinkedHashMap<>();
    if (!Files.isDirectory(dirs.pids())) {
      return m;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirs.pids(), "*.pid")) {
      ds.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (Path f : files) {
      String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
      try {
        long pid = Long.parseLong(Files.readString(f).trim());
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(this::isOurs)
            .ifPresent(h -> m.put(name, h));
      } catch (IOException | NumberFormatException e) {
        // a half-written pid file: nothing we started
      }
    }
    return m;
  }

  /**
   * A recorded pid is ours only if its command line names this working directory (pids get reused).
   */
  private boolean isOurs(ProcessHandle h) {
    Optional<String> cmd = h.info().commandLine();
    if (cmd.isEmpty()) {
      Optional<String[]> args = h.info().arguments();
      cmd = args.map(a -> String.join(" ", a));
    }
    return cmd.map(c -> c.contains("-Dparabeam.flink.cluster=" + dir)).orElse(false);
  }

  /**
   * Stops {@code live} (SIGTERM, then SIGKILL for those still running after {@code grace}); returns
   * the roles that had to be killed, and throws if one survives even that.
   */
  static List<String> terminate(Map<String, ProcessHandle> live, Duration grace)
      throws InterruptedException {
    for (ProcessHandle h : live.values()) {
      h.destroy();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> forced = new ArrayList<>();
    for (Map.Entry<String, ProcessHandle> e : live.entrySet()) {
      long left = Math.max(1, deadline - System.nanoTime());
      if (!waitExit(e.getValue(), left)) {
        forced.add(e.getKey());
        e.getValue().destroyForcibly();
      }
    }
    for (Map.Entry<String, ProcessHandle> e : live.entrySet()) {
      if (!waitExit(e.getValue(), TimeUnit.SECONDS.toNanos(10))) {
        throw new ClusterException(
            "the "
                + e.getKey()
                + " (pid "
                + e.getValue().pid()
                + ") does not exit even after SIGKILL");
      }
    }
    return forced;
  }

  private static boolean waitExit(ProcessHandle h, long nanos) throws InterruptedException {
    try {
      h.onExit().get(nanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return !h.isAlive();
    }
  }
}
