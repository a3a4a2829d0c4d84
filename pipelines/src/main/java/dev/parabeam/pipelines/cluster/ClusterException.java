package dev.parabeam.pipelines.cluster;

import dev.parabeam.pipelines.Cli;

/** A cluster operation failed for a reason a user can act on; the message is one line. */
public final class ClusterException extends Cli.Failure {
  private static final long serialVersionUID = 1L;

  public ClusterException(String message) {
    super(message);
  }
}
