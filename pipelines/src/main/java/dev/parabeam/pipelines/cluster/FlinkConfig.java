package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.launcher.Messages;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The configuration of a {@link LocalFlinkCluster}, as flink-dist's scripts would make it: the
 * {@code config.yaml} and {@code log4j.properties} it writes under {@code <dir>/conf}, and each
 * daemon's memory flags and dynamic properties, which it asks Flink's own {@code BashJavaUtils} for
 * (as {@code start-cluster.sh} does).
 */
final class FlinkConfig {
  private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

  /**
   * What flink-dist's config.yaml passes to every Flink JVM on Java 17 (Kryo and friends need
   * them).
   */
  static final List<String> JAVA17_OPTS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private final Path dir;
  private final ClusterDirs dirs;
  private final Path lib;

  FlinkConfig(Path dir, Path lib) {
    this.dir = dir;
    this.dirs = new ClusterDirs(this.dir);
    this.lib = lib;
  }

  static String javaBin() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Writes {@code conf/config.yaml} and {@code conf/log4j.properties}. */
  void write(int slots, int restPort, int rpcPort) throws IOException {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", LocalFlinkCluster.HOST);
    c.put("jobmanager.rpc.port", Integer.toString(rpcPort));
    c.put("jobmanager.bind-host", LocalFlinkCluster.HOST);
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("taskmanager.host", LocalFlinkCluster.HOST);
    c.put("taskmanager.bind-host", LocalFlinkCluster.HOST);
    c.put("taskmanager.memory.process.size", "2048m");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
    c.put("taskmanager.network.sort-shuffle.min-buffers", "64");
    c.put("rest.address", LocalFlinkCluster.HOST);
    c.put("rest.bind-address", LocalFlinkCluster.HOST);
    c.put("rest.port", Integer.toString(restPort));
    c.put("parallelism.default", "1");
    // a batch job survives a lost TaskManager only through a restart strategy (Beam's
    // --numberOfExecutionRetries is ignored for batch); short heartbeats notice the loss quickly
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "10");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.put("heartbeat.interval", "1000");
    c.put("heartbeat.timeout", "5000");
    // every file the daemons write stays under this directory
    c.put("io.tmp.dirs", quote(dirs.tmp().toString()));
    c.put("blob.storage.directory", quote(dirs.tmp().resolve("blob").toString()));
    c.put("web.tmpdir", quote(dirs.tmp().resolve("web").toString()));
    c.put("process.working-dir", quote(dirs.tmp().resolve("work").toString()));
    c.put("env.java.opts.all", quote(String.join(" ", JAVA17_OPTS)));
    StringBuilder sb =
        new StringBuilder(
            "# written by ./run.sh cluster start; everything binds to "
                + LocalFlinkCluster.HOST
                + "\n");
    c.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
    Files.writeString(dirs.conf().resolve("config.yaml"), sb.toString(), StandardCharsets.UTF_8);

    String log4j =
        String.join(
            "\n",
            "monitorInterval = 30",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "logger.pekko.name = org.apache.pekko",
            "logger.pekko.level = INFO",
            "logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline",
            "logger.netty.level = OFF",
            "appender.main.name = MainAppender",
            "appender.main.type = File",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            "");
    Files.writeString(dirs.conf().resolve("log4j.properties"), log4j, StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** Runs Flink's BashJavaUtils: [0] JVM flags, [1] dynamic properties (-D k=v ...). */
  List<String[]> resourceParams(String command) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(javaBin(), "-Dlog.file=" + dirs.log().resolve("bash-java-utils.log")));
    cmd.add("-Dlog4j.configurationFile=" + dirs.conf().resolve("log4j.properties").toUri());
    cmd.addAll(
        List.of(
            "-cp",
            lib + File.separator + "*",
            "org.apache.flink.runtime.util.bash.BashJavaUtils",
            command));
    cmd.addAll(List.of("--configDir", dirs.conf().toString()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new ClusterException(
          "Flink's BashJavaUtils "
              + command
              + " failed: "
              + Messages.firstLine(output.strip())
              + " (config "
              + dirs.conf().resolve("config.yaml")
              + ")");
    }
    List<String> results =
        output
            .lines()
            .filter(l -> l.startsWith(RESULT_PREFIX))
            .map(l -> l.substring(RESULT_PREFIX.length()).trim())
            .collect(Collectors.toList());
    if (results.size() < 2) {
      throw new ClusterException(
          "Flink's BashJavaUtils "
              + command
              + " printed no resource parameters: "
              + Messages.firstLine(output.strip()));
    }
    String jvm = results.get(results.size() - 2);
    String dyn = results.get(results.size() - 1);
    return List.of(split(jvm), split(dyn));
  }

  private static String[] split(String s) {
    return s.isBlank() ? new String[0] : s.trim().split("\\s+");
  }
}
