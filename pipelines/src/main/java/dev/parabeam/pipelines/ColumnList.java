package dev.parabeam.pipelines;

import dev.parabeam.transforms.csv.CsvText;
import java.util.ArrayList;
import java.util.List;

/**
 * Column names in options: a comma-separated list ({@code --keyColumns}, {@code --columns}) whose
 * names are trimmed of the spaces around them, so that {@code 'region, product'} names {@code
 * region} and {@code product}; and a header's names as a message shows them.
 */
public final class ColumnList {
  private ColumnList() {}

  /**
   * The names of {@code --option=list}, each stripped of white space around it, or a {@link
   * UsageException} for an empty name or a name given twice; {@code example} is a good value.
   */
  public static List<String> parse(String option, String list, String example) {
    List<String> names = new ArrayList<>();
    for (String raw : (list == null ? "" : list).split(",", -1)) {
      String name = raw.strip();
      if (name.isEmpty()) {
        throw new UsageException(
            "--"
                + option
                + "="
                + CsvText.printable(list == null ? "" : list)
                + ": an empty column name; write e.g. --"
                + option
                + "="
                + example);
      }
      if (names.contains(name)) {
        throw new UsageException("--" + option + " names '" + CsvText.printable(name) + "' twice");
      }
      names.add(name);
    }
    return names;
  }

  /** How many of a header's names {@link #describe} shows. */
  static final int DESCRIBED = 30;

  /**
   * A header's names for one line of a message: each {@linkplain CsvText#printable printable},
   * quoted when it is empty, has spaces around it or holds {@code ", "}; the first {@link
   * #DESCRIBED} of many.
   */
  public static String describe(List<String> columns) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < columns.size() && i < DESCRIBED; i++) {
      String c = columns.get(i);
      String shown = CsvText.printable(c);
      boolean quote = c.isEmpty() || !c.strip().equals(c) || c.contains(", ");
      s.append(i == 0 ? "" : ", ").append(quote ? "'" + shown + "'" : shown);
    }
    if (columns.size() > DESCRIBED) {
      s.append(", ... (").append(columns.size()).append(" in all)");
    }
    return s.toString();
  }
}
