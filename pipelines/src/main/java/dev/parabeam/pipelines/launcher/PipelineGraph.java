package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * {@code --graph=FILE.dot}: the job's pipeline in Graphviz DOT, written once the pipeline is built:
 * every step under the name the code gave it ({@code ParseRecords}, not Beam's {@code
 * ParMultiDo(ParseChunk)}, which is what Beam's own {@code PipelineDotRenderer} shows for a leaf),
 * composite steps as boxes around their parts, an edge per PCollection; and the SVG beside it when
 * Graphviz's {@code dot} is on the PATH (a missing or failing {@code dot} is a warning, never a
 * failed run: the DOT file is the output asked for).
 */
public final class PipelineGraph {
  private PipelineGraph() {}

  /**
   * Misuse before anything runs: a graph file that is a directory, or under something that is not
   * one (a missing directory is made when the graph is written, as the output's is).
   */
  static void validate(String graph) {
    if (graph == null) {
      return;
    }
    Path p = graph.isBlank() ? null : Path.of(graph).toAbsolutePath();
    Path existing = p == null ? null : p.getParent();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (p == null || Files.isDirectory(p) || existing == null || !Files.isDirectory(existing)) {
      throw new UsageException(
          "--graph="
              + graph
              + ": give a file whose directory exists or can be made, e.g. --graph=job.dot");
    }
  }

  /** The SVG's path beside {@code dot}: its name with .svg for .dot (or .svg added). */
  public static Path svgOf(Path dot) {
    String name = dot.getFileName().toString();
    String base = name.endsWith(".dot") ? name.substring(0, name.length() - 4) : name;
    return dot.resolveSibling(base + ".svg");
  }

  /**
   * Writes the graph {@code dotText} to {@code dot} (and the SVG beside it if Graphviz can draw
   * it), says so on {@code err}; returns the SVG's path, or null when there is none.
   */
  static Path write(String dotText, Path dot, PrintStream err) throws IOException {
    Path dir = dot.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Files.writeString(dot, dotText, StandardCharsets.UTF_8);
    Path svg = svgOf(dot);
    String rendered = render(dot, svg);
    err.println("graph: " + dot + (rendered == null ? " and " + svg : " (" + rendered + ")"));
    return rendered == null ? svg : null;
  }

  /** The SVG in {@code svg}, or null (none was drawn, or it cannot be read). */
  static String read(Path svg) {
    try {
      return svg == null ? null : Files.readString(svg, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code p}'s graph in DOT: a box per composite step, a node per primitive one. */
  public static String toDot(Pipeline p) {
    StringBuilder dot = new StringBuilder("digraph pipeline {\n");
    dot.append(
        "  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\"];\n");
    Map<PValue, Integer> producers = new IdentityHashMap<>();
    StringBuilder edges = new StringBuilder();
    Deque<String> indent = new ArrayDeque<>();
    indent.push("  ");
    int[] ids = {0};
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.isRootNode()) {
              return CompositeBehavior.ENTER_TRANSFORM;
            }
            String in = indent.peek();
            dot.append(in)
                .append("subgraph cluster_")
                .append(ids[0]++)
                .append(" {\n")
                .append(in)
                .append("  label=")
                .append(quote(last(node.getFullName())))
                .append("; style=rounded; color=\"#7a8aa0\";\n");
            indent.push(in + "  ");
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void leaveCompositeTransform(TransformHierarchy.Node node) {
            if (node.isRootNode()) {
              return;
            }
            indent.pop();
            dot.append(indent.peek()).append("}\n");
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            int id = ids[0]++;
            dot.append(indent.peek())
                .append('n')
                .append(id)
                .append(" [label=")
                .append(quote(last(node.getFullName())))
                .append(", tooltip=")
                .append(quote(node.getFullName()))
                .append("];\n");
            for (PValue input : node.getInputs().values()) {
              Integer from = producers.get(input);
              if (from != null) {
                edges.append("  n").append(from).append(" -> n").append(id);
                if (input instanceof PCollection<?> c && c.isBounded() != null) {
                  edges.append(" [tooltip=").append(quote(c.getName())).append(']');
                }
                edges.append(";\n");
              }
            }
            for (PValue output : node.getOutputs().values()) {
              producers.put(output, id);
            }
          }
        });
    return dot.append(edges).append("}\n").toString();
  }

  /** The step's own name: the last part of its full name (outside any parentheses). */
  static String last(String fullName) {
    int depth = 0;
    for (int i = fullName.length() - 1; i >= 0; i--) {
      char c = fullName.charAt(i);
      if (c == ')') {
        depth++;
      } else if (c == '(') {
        depth--;
      } else if (c == '/' && depth == 0) {
        return fullName.substring(i + 1);
      }
    }
    return fullName;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** The SVG of a DOT text by Graphviz, or null when it cannot be had (no dot, dot failed). */
  static String svg(String dotText) {
    try {
      Path dir = Files.createTempDirectory("parabeam-graph");
      try {
        Path dot = dir.resolve("g.dot");
        Path svg = dir.resolve("g.svg");
        Files.writeString(dot, dotText, StandardCharsets.UTF_8);
        return render(dot, svg) == null ? Files.readString(svg, StandardCharsets.UTF_8) : null;
      } finally {
        Files.deleteIfExists(dir.resolve("g.dot"));
        Files.deleteIfExists(dir.resolve("g.svg"));
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Renders {@code dot} into {@code svg} with Graphviz; null if it did, else why not. */
  static String render(Path dot, Path svg) {
    try {
      Process proc =
          new ProcessBuilder("dot", "-Tsvg", dot.toString(), "-o", svg.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!proc.waitFor(60, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        return "no SVG: Graphviz's dot took more than 60 s";
      }
      return proc.exitValue() == 0 ? null : "no SVG: Graphviz's dot exited " + proc.exitValue();
    } catch (IOException e) {
      return "no SVG: Graphviz's dot is not on the PATH";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "no SVG: interrupted";
    }
  }
}
