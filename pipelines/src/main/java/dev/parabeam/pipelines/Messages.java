package dev.parabeam.pipelines;

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
