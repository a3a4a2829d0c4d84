package dev.parabeam.pipelines.speedup;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code speedup.png}: speedup against dataset size (log x), one line per runner and work, and the
 * ideal lines.
 */
public final class SpeedupChart {
  private SpeedupChart() {}

  /** Builds the chart of {@code cells}. */
  public static XYChart chart(List<Cell> cells, String subtitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title(
                "Speedup of the aggregate job, 1 worker vs N workers"
                    + (subtitle.isEmpty() ? "" : " (" + subtitle + ")"))
            .xAxisTitle("dataset size (records)")
            .yAxisTitle("speedup (sequential time / parallel time)")
            .build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisDecimalPattern("#,###");
    chart.getStyler().setYAxisDecimalPattern("0.0");
    chart.getStyler().setChartBackgroundColor(Color.WHITE);

    Map<String, List<Cell>> series = new LinkedHashMap<>();
    Map<String, Integer> ideals = new TreeMap<>();
    double minX = Double.MAX_VALUE;
    double maxX = 0;
    double maxY = 1;
    for (Cell c : cells) {
      String name = c.series() + ", " + c.workers + " workers";
      series.computeIfAbsent(name, k -> new ArrayList<>()).add(c);
      ideals.put(idealName(c), c.ideal());
      minX = Math.min(minX, c.rows);
      maxX = Math.max(maxX, c.rows);
      maxY = Math.max(maxY, Math.max(c.ideal(), c.speedup()));
    }
    if (cells.isEmpty()) {
      minX = 1;
      maxX = 10;
    }
    // a single size still gets a visible x range
    double lo = minX == maxX ? minX / 2 : minX;
    double hi = minX == maxX ? maxX * 2 : maxX;
    chart.getStyler().setYAxisMax(Math.ceil(maxY + 0.5));
    for (Map.Entry<String, List<Cell>> e : series.entrySet()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Cell c : e.getValue()) {
        xs.add((double) c.rows);
        ys.add(c.speedup());
      }
      XYSeries s = chart.addSeries(e.getKey(), xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    for (Map.Entry<String, Integer> e : ideals.entrySet()) {
      XYSeries s =
          chart.addSeries(
              e.getKey(), List.of(lo, hi), List.of((double) e.getValue(), (double) e.getValue()));
      s.setMarker(SeriesMarkers.NONE);
      s.setLineStyle(
          new BasicStroke(
              2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
      s.setLineColor(Color.GRAY);
    }
    return chart;
  }

  static String idealName(Cell c) {
    return "ideal for "
        + c.work
        + " work, "
        + c.workers
        + " workers on "
        + c.cores
        + " cores: "
        + c.ideal()
        + "x";
  }

  /** Writes the chart as a PNG to {@code file} (which must end in .png). */
  public static void writePng(List<Cell> cells, String subtitle, Path file) throws IOException {
    String name = file.toString();
    if (!name.endsWith(".png")) {
      throw new IllegalArgumentException("chart file must end in .png: " + file);
    }
    BitmapEncoder.saveBitmap(
        chart(cells, subtitle),
        name.substring(0, name.length() - 4),
        BitmapEncoder.BitmapFormat.PNG);
  }
}
