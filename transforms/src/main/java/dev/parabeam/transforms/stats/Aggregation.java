package dev.parabeam.transforms.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One aggregation of a group-by, as written on a command line: {@code count}, or a function of a
 * column, {@code sum(amount)}. {@link #parseList} reads a comma-separated list of them.
 */
public final class Aggregation implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What an aggregation computes. */
  public enum Kind {
    COUNT("count", false, false),
    SUM("sum", true, true),
    MIN("min", true, true),
    MAX("max", true, true),
    MEAN("mean", true, true),
    COUNT_DISTINCT("countDistinct", true, false),
    P50("p50", true, true),
    P90("p90", true, true),
    P99("p99", true, true);

    final String word;
    final boolean takesColumn;
    final boolean numeric;

    Kind(String word, boolean takesColumn, boolean numeric) {
      this.word = word;
      this.takesColumn = takesColumn;
      this.numeric = numeric;
    }

    /** The percentile of p50/p90/p99, or -1. */
    public int percentile() {
      return this == P50 ? 50 : this == P90 ? 90 : this == P99 ? 99 : -1;
    }
  }

  private static final Pattern ONE = Pattern.compile("([A-Za-z0-9]+)(?:\\((.*)\\))?");

  private final Kind kind;
  private final String column;
  private final String text;

  private Aggregation(Kind kind, String column, String text) {
    this.kind = kind;
    this.column = column;
    this.text = text;
  }

  public Kind kind() {
    return kind;
  }

  /** The column it reads, or null for {@code count}. */
  public String column() {
    return column;
  }

  /** Whether its column must hold a number. */
  public boolean numeric() {
    return kind.numeric;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Aggregation)) {
      return false;
    }
    Aggregation a = (Aggregation) o;
    return kind == a.kind && java.util.Objects.equals(column, a.column) && text.equals(a.text);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, column, text);
  }

  /** As written: the results column's header. */
  @Override
  public String toString() {
    return text;
  }

  /**
   * Parses {@code count,sum(amount),p90(amount),countDistinct(customer)}: items separated by commas
   * outside parentheses, spaces around them ignored; a column name is the text inside the
   * parentheses, spaces around it ignored.
   *
   * @throws IllegalArgumentException with a message for the user
   */
  public static List<Aggregation> parseList(String list) {
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException("the list of aggregations is empty");
    }
    List<String> items = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth < 0) {
          throw new IllegalArgumentException("unbalanced ')' in '" + list + "'");
        }
      } else if (c == ',' && depth == 0) {
        items.add(list.substring(start, i));
        start = i + 1;
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("unbalanced '(' in '" + list + "'");
    }
    items.add(list.substring(start));
    List<Aggregation> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String raw : items) {
      String item = raw.trim();
      Aggregation a = parseOne(item);
      if (!seen.add(a.text)) {
        throw new IllegalArgumentException("aggregation '" + a.text + "' is listed twice");
      }
      out.add(a);
    }
    return out;
  }

  private static Aggregation parseOne(String item) {
    if (item.isEmpty()) {
      throw new IllegalArgumentException("an empty item in the list of aggregations");
    }
    Matcher m = ONE.matcher(item);
    Kind kind = null;
    if (m.matches()) {
      for (Kind k : Kind.values()) {
        if (k.word.equals(m.group(1))) {
          kind = k;
        }
      }
    }
    if (kind == null) {
      throw new IllegalArgumentException(
          "unknown aggregation '"
              + item
              + "' (known: count, sum(col), min(col), "
              + "max(col), mean(col), countDistinct(col), p50(col), p90(col), p99(col))");
    }
    // spaces around the column's name do not count: sum( amount ) reads amount
    String column = m.group(2) == null ? null : m.group(2).strip();
    if (kind.takesColumn && (column == null || column.isEmpty())) {
      throw new IllegalArgumentException(
          "'" + item + "' needs a column: " + kind.word + "(column)");
    }
    if (!kind.takesColumn && column != null) {
      throw new IllegalArgumentException("'" + item + "' takes no column: write " + kind.word);
    }
    return new Aggregation(kind, column, item);
  }
}
