package dev.parabeam.pipelines.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * {@code report.html}: one self-contained page per run (no network, the pictures inlined): what
 * ran, the counts, the warnings, the pipeline graph, the timeline, the metrics and the first rows
 * of the job's CSV outputs (results, dead letters). Written into staging with the other outputs, so
 * that it is published only with them.
 */
public final class RunPage {
  public static final String FILE = "report.html";
  static final int FIRST_ROWS = 20;

  private RunPage() {}

  /** Everything the page shows, gathered by the launcher. */
  record Content(
      String job,
      String command,
      Path output,
      Map<String, Object> summary,
      List<String> warnings,
      String graphSvg,
      String graphNote,
      Path staging,
      List<String> csvOutputs,
      RunMetrics metrics) {}

  static void write(Content c) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>")
        .append(esc(c.job()))
        .append(" run: ")
        .append(esc(c.output().toString()))
        .append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:24px;color:#1d2433;max-width:1200px}")
        .append(
            "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d6dbe4}")
        .append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #d6dbe4;")
        .append("padding:3px 8px;text-align:left;vertical-align:top}th{background:#eef3fb}")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}")
        .append("code,pre{font-size:12px;background:#f5f7fa;padding:2px 4px}")
        .append(".warn{background:#fff4d6;border:1px solid #e0b84a;padding:6px 10px;margin:4px 0}")
        .append(".graph{overflow-x:auto;border:1px solid #d6dbe4;padding:6px}")
        .append("img{max-width:100%}\n</style></head><body>\n");
    h.append("<h1>")
        .append(esc(c.job()))
        .append(": ")
        .append(esc(c.output().toString()))
        .append("</h1>\n");
    h.append("<p>Command: <code>").append(esc(c.command())).append("</code></p>\n");

    h.append("<h2 id=\"counts\">Counts</h2>\n<table>\n");
    for (Map.Entry<String, Object> e : c.summary().entrySet()) {
      Object v = e.getValue();
      h.append("<tr><th>")
          .append(esc(e.getKey()))
          .append("</th><td")
          .append(v instanceof Number ? " class=\"n\">" : ">")
          .append(esc(String.valueOf(v)))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2 id=\"warnings\">Warnings</h2>\n");
    if (c.warnings().isEmpty()) {
      h.append("<p>None.</p>\n");
    }
    for (String w : c.warnings()) {
      h.append("<div class=\"warn\">").append(esc(w)).append("</div>\n");
    }

    h.append("<h2 id=\"graph\">The pipeline</h2>\n");
    if (c.graphSvg() != null) {
      h.append("<div class=\"graph\">").append(withoutProlog(c.graphSvg())).append("</div>\n");
    } else {
      h.append("<p>").append(esc(c.graphNote())).append("</p>\n");
    }

    Path png = c.staging().resolve(Timeline.PNG);
    if (Files.exists(png)) {
      h.append("<h2 id=\"timeline\">Timeline</h2>\n<p>One lane per worker, one bar per unit of")
          .append(" work (<code>timeline.csv</code> has the numbers).</p>\n")
          .append("<img alt=\"the run's timeline\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(Files.readAllBytes(png)))
          .append("\">\n");
    }

    h.append("<h2 id=\"metrics\">Metrics</h2>\n");
    if (c.metrics().metrics().isEmpty()) {
      h.append("<p>The runner reported none.</p>\n");
    } else {
      h.append("<table><tr><th>step</th><th>metric</th><th>value</th></tr>\n");
      for (RunMetrics.Metric m : c.metrics().metrics()) {
        String value =
            m.kind().equals("counter")
                ? String.format("%,d", m.value())
                : String.format(
                    "n=%,d mean=%.1f min=%,d max=%,d", m.value(), m.mean(), m.min(), m.max());
        h.append("<tr><td>")
            .append(esc(m.step()))
            .append("</td><td>")
            .append(esc(m.name()))
            .append("</td><td class=\"n\">")
            .append(esc(value))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    for (String name : c.csvOutputs()) {
      Path f = c.staging().resolve(name);
      if (!Files.exists(f)) {
        continue;
      }
      List<List<String>> rows = firstRows(f, FIRST_ROWS + 1);
      h.append("<h2>")
          .append(esc(name))
          .append("</h2>\n<p>The first ")
          .append(Math.max(0, rows.size() - 1))
          .append(" rows.</p>\n<table>\n");
      for (int i = 0; i < rows.size(); i++) {
        h.append("<tr>");
        for (String cell : rows.get(i)) {
          h.append(i == 0 ? "<th>" : "<td>").append(esc(cell)).append(i == 0 ? "</th>" : "</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("</body></html>\n");
    Files.writeString(c.staging().resolve(FILE), h, StandardCharsets.UTF_8);
  }

  /** The first {@code n} records of a CSV file (the header first), each cut to 200 characters. */
  static List<List<String>> firstRows(Path csv, int n) throws IOException {
    List<List<String>> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      for (CSVRecord rec : CSVFormat.RFC4180.parse(r)) {
        List<String> row = new ArrayList<>();
        for (String v : rec) {
          row.add(v.length() > 200 ? v.substring(0, 197) + "..." : v);
        }
        out.add(row);
        if (out.size() == n) {
          break;
        }
      }
    }
    return out;
  }

  /**
   * An SVG document as an element to inline: without its XML prolog and DOCTYPE, and scaled to the
   * page's width (Graphviz gives a fixed size in points, and a view box that scales).
   */
  static String withoutProlog(String svg) {
    int at = svg.indexOf("<svg");
    if (at < 0) {
      return "";
    }
    int end = svg.indexOf('>', at);
    String open =
        svg.substring(at, end)
            .replaceAll("\\s(width|height)=\"[^\"]*\"", "")
            .concat(" style=\"width:100%;height:auto\"");
    return open + svg.substring(end);
  }

  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }
}
