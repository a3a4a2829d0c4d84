package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.launcher.Cli;

/**
 * A cluster operation failed for a reason a user can act on; the message is one line. Exit 1, or
 * {@value #NO_CLUSTER} when no cluster answers.
 */
public final class ClusterException extends Cli.Failure {
  private static final long serialVersionUID = 1L;

  /** Exit code of a cluster command that found no cluster to act on. */
  public static final int NO_CLUSTER = 3;

  public ClusterException(String message) {
    super(message);
  }

  private ClusterException(String message, int exitCode) {
    super(message, exitCode);
  }

  /** No cluster answers: exit {@value #NO_CLUSTER}, as {@code cluster status} when it is down. */
  public static ClusterException noCluster(String message) {
    return new ClusterException(message, NO_CLUSTER);
  }
}
