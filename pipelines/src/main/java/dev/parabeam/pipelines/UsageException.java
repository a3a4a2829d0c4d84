package dev.parabeam.pipelines;

/**
 * A bad invocation: reported as one {@code error:} line and exit code 2, before anything is
 * written.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
