package dev.parabeam.pipelines.cluster;

/** A cluster operation failed for a reason a user can act on; the message is one line. */
public final class ClusterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterException(String message) {
    super(message);
  }
}
