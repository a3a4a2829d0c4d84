package dev.parabeam.transforms.tasks;

import java.io.Serializable;

/**
 * One task of a {@link TaskPool}: its id (unique in a run), its priority (lower is more urgent),
 * the expected work in milliseconds (what the pool balances), what it does ({@link Kind}) and how
 * it fails ({@link Fail}, for simulated work; {@link Fail#NONE} for real work).
 */
public record Task(String id, int priority, Kind kind, long millis, Fail fail)
    implements Serializable {
  public Task {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a task needs an id");
    }
    if (kind == null || fail == null) {
      throw new IllegalArgumentException("task " + id + ": kind and fail must not be null");
    }
    if (millis < 0) {
      throw new IllegalArgumentException("task " + id + ": millis must not be negative");
    }
  }

  /** What a task does. */
  public enum Kind {
    /** A blocking wait of {@code millis} (I/O, a remote call). */
    SLEEP,
    /** A compute loop of about {@code millis}. */
    CPU
  }

  /**
   * How a task fails: never, its first {@code k} attempts ({@code TRANSIENT}), every attempt with
   * an exception ({@code PERMANENT}) or every attempt with an {@link Error} ({@code ERROR}).
   */
  public record Fail(Mode mode, int k) implements Serializable {
    public static final Fail NONE = new Fail(Mode.NONE, 0);
    public static final Fail PERMANENT = new Fail(Mode.PERMANENT, 0);
    public static final Fail ERROR = new Fail(Mode.ERROR, 0);

    public Fail {
      if (mode == null || k < 0 || (mode != Mode.TRANSIENT && k != 0)) {
        throw new IllegalArgumentException("bad failure mode " + mode + ":" + k);
      }
    }

    public static Fail transientFor(int k) {
      return new Fail(Mode.TRANSIENT, k);
    }

    /**
     * {@code none}, {@code transient:K} (K ≥ 0), {@code permanent} or {@code error}; {@link
     * IllegalArgumentException} otherwise.
     */
    public static Fail parse(String s) {
      switch (s) {
        case "none":
          return NONE;
        case "permanent":
          return PERMANENT;
        case "error":
          return ERROR;
        default:
          if (s.startsWith("transient:") && s.substring(10).matches("[0-9]{1,6}")) {
            return transientFor(Integer.parseInt(s.substring(10)));
          }
          throw new IllegalArgumentException(
              "fail must be none, transient:K, permanent or error, not '" + s + "'");
      }
    }

    /** Whether attempt {@code attempt} (1-based) of a task failing this way throws. */
    public boolean fails(int attempt) {
      switch (mode) {
        case NONE:
          return false;
        case TRANSIENT:
          return attempt <= k;
        default:
          return true;
      }
    }

    @Override
    public String toString() {
      return mode == Mode.TRANSIENT ? "transient:" + k : mode.name().toLowerCase();
    }

    /** The failure modes. */
    public enum Mode {
      NONE,
      TRANSIENT,
      PERMANENT,
      ERROR
    }
  }
}
