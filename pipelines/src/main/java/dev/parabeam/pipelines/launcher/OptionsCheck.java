package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.runners.PipelineRunnerRegistrar;

/**
 * Checks a command line against a job's options before Beam parses it, so that misuse reads in the
 * job's words, not Beam's: every missing required option at once, {@code unknown option --bogus
 * (did you mean --input?)}, {@code --targetParallelism: not an integer: 'abc'}. Beam still parses
 * and validates afterwards; this only words the common mistakes better.
 */
public final class OptionsCheck {
  private OptionsCheck() {}

  /** Throws {@link UsageException} for the first kind of mistake found in {@code args}. */
  static void check(Class<? extends PipelineOptions> options, String[] args) {
    Map<String, Class<?>> known = properties(options);
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw bareArgument(i == 0 ? null : args[i - 1], a);
      }
      if (a.startsWith("--help")) {
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
      String value = eq < 0 ? null : a.substring(eq + 1);
      if (!known.containsKey(name)) {
        String near = closest(name, known.keySet());
        throw new UsageException(
            "unknown option --" + name + (near == null ? "" : " (did you mean --" + near + "?)"));
      }
      Class<?> type = known.get(name);
      boolean many = type != null && (type.isArray() || List.class.isAssignableFrom(type));
      if (given.containsKey(name) && !many) {
        throw new UsageException("--" + name + " is given twice; give it once");
      }
      given.put(name, value);
    }
    List<String> missing = new ArrayList<>();
    for (Method m : options.getMethods()) {
      String name = property(m);
      if (name != null
          && m.isAnnotationPresent(Validation.Required.class)
          && !hasDefault(m)
          && given.get(name) == null) {
        missing.add("--" + name);
      }
    }
    if (!missing.isEmpty()) {
      missing.sort(Comparator.naturalOrder());
      throw new UsageException("missing " + String.join(", ", missing) + " (see --help)");
    }
    for (Map.Entry<String, String> e : given.entrySet()) {
      Class<?> type = known.get(e.getKey());
      String v = e.getValue();
      if (v == null || v.isEmpty()) {
        continue;
      }
      if (type == int.class || type == Integer.class) {
        try {
          Integer.parseInt(v.strip());
        } catch (NumberFormatException x) {
          throw new UsageException(
              "--"
                  + e.getKey()
                  + (v.strip().matches("-?\\d+")
                      ? ": too large (at most " + Integer.MAX_VALUE + "): '"
                      : ": not an integer: '")
                  + v
                  + "'");
        }
      } else if (type == long.class || type == Long.class) {
        try {
          Long.parseLong(v.strip());
        } catch (NumberFormatException x) {
          throw new UsageException("--" + e.getKey() + ": not an integer: '" + v + "'");
        }
      } else if (type == double.class || type == Double.class) {
        try {
          Double.parseDouble(v.strip());
        } catch (NumberFormatException x) {
          throw new UsageException("--" + e.getKey() + ": not a number: '" + v + "'");
        }
      } else if (type == boolean.class || type == Boolean.class) {
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
          throw new UsageException("--" + e.getKey() + ": not true or false: '" + v + "'");
        }
      }
    }
    positive(given, "targetParallelism");
    positive(given, "parallelism");
    positive(given, "workers");
    runner(given.get("runner"));
  }

  /** The runners a user of these jobs chooses from (Beam also registers test runners). */
  static final List<String> RUNNERS = List.of("DirectRunner", "FlinkRunner");

  /** {@code --runner=X}: one Beam knows (any case, with or without "Runner"), or a class name. */
  private static void runner(String v) {
    if (v == null || v.isEmpty() || v.contains(".")) {
      return; // Beam loads a class name, or says what it cannot load
    }
    Set<String> known = new TreeSet<>();
    for (PipelineRunnerRegistrar r : ServiceLoader.load(PipelineRunnerRegistrar.class)) {
      for (Class<?> c : r.getPipelineRunners()) {
        String n = c.getSimpleName().toLowerCase(Locale.ROOT);
        known.add(n);
        known.add(n.replaceFirst("runner$", ""));
      }
    }
    if (!known.contains(v.strip().toLowerCase(Locale.ROOT))) {
      String near = closest(v.strip(), RUNNERS);
      throw new UsageException(
          "--runner="
              + v
              + " is not a runner"
              + (near == null ? "" : " (did you mean " + near + "?)")
              + "; the runners: "
              + String.join(", ", RUNNERS));
    }
  }

  /**
   * An argument that is not an option: after a bare {@code --name}, the value of a {@code --name
   * value} written with a space.
   */
  private static UsageException bareArgument(String before, String arg) {
    if (before != null && before.startsWith("--") && before.indexOf('=') < 0) {
      return new UsageException(
          "unexpected argument '"
              + arg
              + "' after "
              + before
              + ": options look like --name=value (write "
              + before
              + "="
              + arg
              + ")");
    }
    return new UsageException(
        "unexpected argument '" + arg + "': options look like --name=value (see --help)");
  }

  private static boolean hasDefault(Method m) {
    for (Annotation a : m.getAnnotations()) {
      if (a.annotationType().getEnclosingClass() == Default.class) {
        return true;
      }
    }
    return false;
  }

  private static void positive(Map<String, String> given, String name) {
    String v = given.get(name);
    if (v != null && !v.isEmpty() && Long.parseLong(v.strip()) < 1) {
      throw new UsageException("--" + name + " must be at least 1, got " + v.strip());
    }
  }

  /**
   * Every option the job takes: its own, the runners' (DirectRunner, Flink) and every options
   * interface registered with Beam on this classpath (what Beam itself would accept).
   */
  public static Map<String, Class<?>> properties(Class<? extends PipelineOptions> options) {
    Map<String, Class<?>> out = new LinkedHashMap<>();
    List<Class<?>> interfaces = new ArrayList<>(List.of(options));
    RunnerDefaults.directOptions().ifPresent(interfaces::add);
    interfaces.add(FlinkPipelineOptions.class);
    interfaces.addAll(PipelineOptionsFactory.getRegisteredOptions());
    for (Class<?> c : interfaces) {
      for (Method m : c.getMethods()) {
        String name = property(m);
        if (name != null) {
          out.putIfAbsent(name, m.getReturnType());
        }
      }
    }
    return out;
  }

  private static String property(Method m) {
    String n = m.getName();
    if (m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class) {
      return null;
    }
    String rest = n.startsWith("get") ? n.substring(3) : n.startsWith("is") ? n.substring(2) : null;
    if (rest == null || rest.isEmpty() || !Character.isUpperCase(rest.charAt(0))) {
      return null;
    }
    return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
  }

  /** The known name nearest {@code name} by edit distance, if it is near enough to be a typo. */
  static String closest(String name, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : new TreeSet<>(known)) {
      int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
