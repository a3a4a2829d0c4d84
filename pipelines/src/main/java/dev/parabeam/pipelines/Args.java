package dev.parabeam.pipelines;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name=value} arguments of the commands that are not pipelines (generate, speedup, …). */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();

  private Args() {}

  static Args parse(String[] args, Set<String> known) {
    Args a = new Args();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new UsageException(
            "unexpected argument '" + arg + "' (options look like --name=value)");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String value = eq < 0 ? "true" : arg.substring(eq + 1);
      if (!known.contains(name)) {
        throw new UsageException(
            "unknown option --" + name + " (known: --" + String.join(", --", known) + ")");
      }
      a.values.put(name, value);
    }
    return a;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String get(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  String required(String name) {
    String v = values.get(name);
    if (v == null || v.isEmpty()) {
      throw new UsageException("missing --" + name);
    }
    return v;
  }

  long getLong(String name, long dflt) {
    String v = values.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number, got '" + v + "'");
    }
  }
}
