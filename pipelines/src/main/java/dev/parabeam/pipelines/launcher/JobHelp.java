package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.ChunkedJobOptions;
import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobOptions;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * {@code run.sh <job> --help}: the options a user of the job needs, with the job's own defaults:
 * the job's options (required first), the options every chunked job shares, and the runner options
 * the launcher sets or reads, with what it sets. Beam's full lists stay behind {@code
 * --help=DirectOptions} and {@code --help=FlinkPipelineOptions}.
 */
public final class JobHelp {
  private JobHelp() {}

  /** One option: its name, value type, default as printed, description, and whether required. */
  record Line(String name, String type, String dflt, String description, boolean required) {}

  public static void print(Job<?> job, PrintStream out) {
    out.println("usage: run.sh " + job.usage());
    out.println();
    out.println(job.summary());
    out.println();
    out.println("Options of " + job.name() + ":");
    print(withDefaults(declared(job.optionsClass()), job.defaults()), out);
    out.println();
    if (ChunkedJobOptions.class.isAssignableFrom(job.optionsClass())) {
      out.println("Options of every chunked CSV job (input, dialect, limits):");
      print(withDefaults(declared(ChunkedJobOptions.class), job.defaults()), out);
      out.println();
    }
    out.println("Options of every job:");
    print(withDefaults(declared(JobOptions.class), job.defaults()), out);
    out.println();
    out.println("Running it (the launcher's defaults):");
    print(
        List.of(
            new Line(
                "runner",
                "DirectRunner|FlinkRunner",
                "DirectRunner",
                "DirectRunner: threads in this JVM. FlinkRunner: an embedded Flink, or a cluster"
                    + " with --flinkMaster (which implies --runner=FlinkRunner).",
                false),
            new Line(
                "targetParallelism",
                "N",
                "max(cores, 3) = " + Math.max(Runtime.getRuntime().availableProcessors(), 3),
                "DirectRunner: workers (threads); --workers sets it. Beam's default is never below"
                    + " 3, even on fewer cores. The FlinkRunner ignores it (with a warning).",
                false),
            new Line(
                "parallelism",
                "N",
                "cores = " + Runtime.getRuntime().availableProcessors(),
                "FlinkRunner: parallel subtasks; on a cluster, the free task slots it needs;"
                    + " --workers sets it. The DirectRunner ignores it (with a warning).",
                false),
            new Line(
                "flinkMaster",
                "host:port",
                "[local]",
                "FlinkRunner: a running cluster, e.g. 127.0.0.1:8081 (./run.sh cluster start);"
                    + " [local] is an embedded Flink in this JVM.",
                false),
            new Line(
                "enforceImmutability, --enforceEncodability",
                "true|false",
                "false",
                "DirectRunner's per-element checks; the job turns them off (its tests cover what"
                    + " they check). Beam's default is true.",
                false)),
        out);
    out.println();
    out.println(
        "Every other Beam option: --help=DirectOptions, --help=FlinkPipelineOptions,"
            + " --help=PipelineOptions.");
  }

  /** {@code lines} with the job's own defaults ({@link Job#defaults}): not required then. */
  private static List<Line> withDefaults(List<Line> lines, Map<String, String> defaults) {
    List<Line> out = new ArrayList<>();
    for (Line l : lines) {
      String d = defaults.get(l.name());
      out.add(d == null ? l : new Line(l.name(), l.type(), d, l.description(), false));
    }
    out.sort(Comparator.comparing((Line l) -> !l.required()).thenComparing(Line::name));
    return out;
  }

  /** The options an interface declares itself, required first, then by name. */
  static List<Line> declared(Class<?> options) {
    List<Line> lines = new ArrayList<>();
    for (Method m : options.getDeclaredMethods()) {
      String n = m.getName();
      if (!n.startsWith("get") || m.getParameterCount() != 0 || m.isSynthetic()) {
        continue;
      }
      String name = Character.toLowerCase(n.charAt(3)) + n.substring(4);
      Description d = m.getAnnotation(Description.class);
      boolean required = m.getAnnotation(Validation.Required.class) != null;
      lines.add(
          new Line(
              name,
              typeName(m.getReturnType()),
              defaultOf(m),
              d == null ? "" : d.value(),
              required));
    }
    lines.sort(Comparator.comparing((Line l) -> !l.required()).thenComparing(Line::name));
    return lines;
  }

  private static String typeName(Class<?> t) {
    if (t == Boolean.class || t == boolean.class) {
      return "true|false";
    }
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
      return "N";
    }
    if (t == Double.class || t == double.class) {
      return "X";
    }
    return "<" + t.getSimpleName() + ">";
  }

  private static String defaultOf(Method m) {
    for (Annotation a : m.getAnnotations()) {
      if (a instanceof Default.String s) {
        return "'" + s.value() + "'";
      } else if (a instanceof Default.Boolean b) {
        return Boolean.toString(b.value());
      } else if (a instanceof Default.Integer i) {
        return Integer.toString(i.value());
      } else if (a instanceof Default.Long l) {
        return Long.toString(l.value());
      } else if (a instanceof Default.Double x) {
        return Double.toString(x.value());
      } else if (a instanceof Default.Enum e) {
        return e.value();
      }
    }
    return "";
  }

  private static void print(List<Line> lines, PrintStream out) {
    for (Line l : lines) {
      String head = "  --" + l.name() + "=" + l.type();
      out.println(head);
      String tail =
          l.required() ? " (required)" : l.dflt().isEmpty() ? "" : " (default: " + l.dflt() + ")";
      for (String w : wrap(l.description() + tail, 92)) {
        out.println("        " + w);
      }
    }
  }

  private static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.trim().split("\\s+")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        out.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      out.add(line.toString());
    }
    return out;
  }
}
