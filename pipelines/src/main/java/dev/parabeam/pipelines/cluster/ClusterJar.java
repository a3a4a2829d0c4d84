package dev.parabeam.pipelines.cluster;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The jar a run on a Flink cluster uploads: the lean job jar ({@value #CLUSTER_JAR}, without
 * Flink's own runtime, which the cluster has, and without what no job uses) that the build writes
 * beside the bundled one ({@value #BUNDLED_JAR}). Without this choice Beam stages the client's
 * class path, the whole bundled jar.
 */
public final class ClusterJar {
  public static final String BUNDLED_JAR = "parabeam-pipelines-bundled.jar";
  public static final String CLUSTER_JAR = "parabeam-pipelines-cluster.jar";

  private ClusterJar() {}

  /**
   * For a run on a remote cluster ({@link FlinkMasterCheck#remote}) that does not name its own
   * {@code --filesToStage}: stages the lean jar if the client runs from the bundled jar and the
   * lean one lies beside it. Otherwise leaves Beam's choice alone. Returns the jar it chose.
   */
  public static Optional<Path> stageFor(PipelineOptions options, boolean filesToStageGiven) {
    if (filesToStageGiven || FlinkMasterCheck.remote(options).isEmpty()) {
      return Optional.empty();
    }
    Optional<Path> lean = besideBundled(codeLocation());
    lean.ifPresent(
        jar -> options.as(FlinkPipelineOptions.class).setFilesToStage(List.of(jar.toString())));
    return lean;
  }

  /** The lean jar beside {@code location} when that is the bundled jar and the lean one exists. */
  static Optional<Path> besideBundled(Optional<Path> location) {
    return location
        .filter(p -> p.getFileName() != null && p.getFileName().toString().equals(BUNDLED_JAR))
        .map(p -> p.resolveSibling(CLUSTER_JAR))
        .filter(Files::isRegularFile);
  }

  private static Optional<Path> codeLocation() {
    CodeSource cs = ClusterJar.class.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Paths.get(cs.getLocation().toURI()).toAbsolutePath());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
