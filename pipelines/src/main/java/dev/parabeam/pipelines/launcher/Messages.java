package dev.parabeam.pipelines.launcher;

import dev.parabeam.transforms.csv.CsvText;

/** One-line messages for users out of exceptions. */
public final class Messages {
  private Messages() {}

  public static String rootMessage(Throwable e) {
    Throwable t = e;
    String msg = null;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        msg = t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    return msg == null ? e.getClass().getName() : msg;
  }

  /** What the user reads when a run ran out of heap: the cause and the two ways out. */
  public static final String OUT_OF_MEMORY =
      "out of memory (Java heap space): give the JVM more heap (e.g. JAVA_OPTS=-Xmx2g) or the"
          + " job a smaller --memoryBudget";

  /** Whether {@code e} is, or was caused by, the JVM running out of memory. */
  public static boolean outOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OutOfMemoryError
          || (t.getMessage() != null && t.getMessage().contains("OutOfMemoryError"))) {
        return true; // Flink ships a task's failure as a serialized copy: its text names the error
      }
    }
    return false;
  }

  /**
   * The first line of a message, trimmed, with any control character left in it (a CR, a tab)
   * escaped, so that an error line never moves the cursor; "unknown error" for none.
   */
  public static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int i = s.indexOf('\n');
    return CsvText.printable((i < 0 ? s : s.substring(0, i)).trim(), Integer.MAX_VALUE);
  }
}
