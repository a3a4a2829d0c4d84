package dev.parabeam.pipelines.launcher;

import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.tasks.CallBundle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run's units of parallel work on a time line: {@code timeline.csv} ({@code
 * task,worker,start_ms,end_ms,records,bytes}, times from the run's start, one row per unit in order
 * of start) and {@code timeline.png}, one lane per worker and one bar per unit, so that one look
 * shows idle workers, stragglers and imbalance.
 */
public final class Timeline {
  public static final String CSV = "timeline.csv";
  public static final String PNG = "timeline.png";

  /** One unit: its name, its worker, its start and end in ms from the run's start, its sizes. */
  public record Span(
      String task, String worker, long startMs, long endMs, long records, long bytes) {}

  private Timeline() {}

  /**
   * The spans of {@code spansCsv} (the engine's {@code unit-spans.csv}: epoch milliseconds) from
   * {@code startEpochMillis}, the run's start, in order of start.
   */
  public static List<Span> fromUnitSpans(Path spansCsv, long startEpochMillis) throws IOException {
    List<Span> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(spansCsv, StandardCharsets.UTF_8)) {
      for (CSVRecord rec :
          CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(r)) {
        out.add(
            new Span(
                rec.isMapped("task") ? rec.get("task") : "unit " + rec.get("unit"),
                rec.get("worker"),
                Math.max(0, Long.parseLong(rec.get("start_epoch_ms")) - startEpochMillis),
                Math.max(0, Long.parseLong(rec.get("end_epoch_ms")) - startEpochMillis),
                Long.parseLong(rec.get("records")),
                Long.parseLong(rec.get("bytes"))));
      }
    }
    out.sort(Comparator.comparingLong(Span::startMs).thenComparing(Span::task));
    return out;
  }

  /** Where {@link #callBundlesTo} writes, in staging, for {@link #fromUnitSpans}. */
  public static final String CALL_BUNDLES = "call-bundles.csv";

  /**
   * A sink of call bundles (each with its analysis's name) that writes them into {@code file} as
   * {@link #fromUnitSpans} reads them ({@code task,worker,start_epoch_ms,end_epoch_ms,records,
   * bytes}: the analysis, its calls as records), one line per bundle in order of start.
   */
  public static PTransform<PCollection<KV<String, CallBundle>>, PCollection<Void>> callBundlesTo(
      Path file) {
    return new PTransform<>() {
      private static final long serialVersionUID = 1L;
      private final String path = file.toString();

      @Override
      public PCollection<Void> expand(PCollection<KV<String, CallBundle>> bundles) {
        return bundles
            .apply(
                "AsLines",
                MapElements.into(
                        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                    .via(
                        (KV<String, CallBundle> kv) -> {
                          CallBundle b = kv.getValue();
                          String line =
                              CsvText.row(
                                  List.of(
                                      kv.getKey(),
                                      b.worker(),
                                      Long.toString(b.startMillis()),
                                      Long.toString(b.endMillis()),
                                      Long.toString(b.calls()),
                                      "0"));
                          // by start, then the line: the same file whatever the arrival order
                          return KV.of(String.format(Locale.ROOT, "%020d", b.startMillis()), line);
                        }))
            .apply(
                "Write",
                WriteSortedLines.to(
                    Path.of(path), "task,worker,start_epoch_ms,end_epoch_ms,records,bytes"));
      }
    };
  }

  /**
   * Writes the timeline of a run that started at {@code startEpochMillis} and ends now into {@code
   * dir}, titled {@code <what> on <workers> workers (<detail>)}, and puts its workers into {@code
   * summary} as {@code timeline_workers}.
   */
  public static void writeRun(
      List<Span> spans,
      long startEpochMillis,
      String what,
      String detail,
      Path dir,
      Map<String, Object> summary)
      throws IOException {
    int workers = lanes(spans).size();
    write(
        spans,
        System.currentTimeMillis() - startEpochMillis,
        what + " on " + workers + " workers (" + detail + ")",
        dir);
    summary.put("timeline_workers", workers);
  }

  /** Writes {@code timeline.csv} and {@code timeline.png} of {@code spans} into {@code dir}. */
  public static void write(List<Span> spans, long totalMs, String title, Path dir)
      throws IOException {
    StringBuilder csv = new StringBuilder("task,worker,start_ms,end_ms,records,bytes\n");
    for (Span s : spans) {
      csv.append(
              CsvText.row(
                  s.task(),
                  s.worker(),
                  String.valueOf(s.startMs()),
                  String.valueOf(s.endMs()),
                  String.valueOf(s.records()),
                  String.valueOf(s.bytes())))
          .append('\n');
    }
    Files.writeString(dir.resolve(CSV), csv, StandardCharsets.UTF_8);
    BitmapEncoder.saveBitmap(
        chart(spans, totalMs, title), dir.resolve(PNG).toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * Draws a small chart into memory and drops it: loads what the first real drawing needs (XChart,
   * Java2D, the fonts), which takes a JVM a tenth of a second or more; called while a run runs.
   */
  public static void warmUp() {
    try {
      BitmapEncoder.getBufferedImage(
          chart(List.of(new Span("unit 0", "w", 0, 1, 0, 0)), 1, "warm-up"));
    } catch (RuntimeException | java.awt.AWTError | InternalError | LinkageError e) {
      // a headless JVM without fonts draws nothing now and fails later where it is reported
    }
  }

  /** The workers in order of their first unit's start: lane 0 at the top. */
  public static List<String> lanes(List<Span> spans) {
    Map<String, Long> first = new LinkedHashMap<>();
    for (Span s : spans) {
      first.merge(s.worker(), s.startMs(), Math::min);
    }
    List<String> lanes = new ArrayList<>(first.keySet());
    lanes.sort(Comparator.comparingLong(first::get));
    return lanes;
  }

  static XYChart chart(List<Span> spans, long totalMs, String title) {
    List<String> lanes = lanes(spans);
    int height = Math.max(260, 140 + 34 * lanes.size());
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(height)
            .title(title)
            .xAxisTitle(
                String.format(
                    Locale.ROOT,
                    "seconds from the run's start (the run: %.2f s)",
                    totalMs / 1000.0))
            .yAxisTitle("workers (one lane each)")
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setPlotGridHorizontalLinesVisible(false);
    chart.getStyler().setYAxisTicksVisible(false);
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(Math.max(totalMs, 1) / 1000.0);
    chart.getStyler().setYAxisMin(-0.6);
    chart.getStyler().setYAxisMax(Math.max(lanes.size(), 1) - 0.4);
    float barWidth = (float) Math.max(6, Math.min(24, (height - 140.0) / lanes.size() * 0.6));
    // one series per worker, its units as bars with gaps between (NaN breaks the line), each bar
    // a little shorter than its unit so that units back to back stay apart, and at least visible
    double gap = Math.max(totalMs, 1) / 1000.0 / 400;
    Set<String> names = new HashSet<>();
    for (int lane = 0; lane < lanes.size(); lane++) {
      String worker = lanes.get(lane);
      double y = lanes.size() - 1 - lane;
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Span s : spans) {
        if (!s.worker().equals(worker)) {
          continue;
        }
        double from = s.startMs() / 1000.0;
        double to = Math.max(from + gap, s.endMs() / 1000.0 - gap);
        if (!xs.isEmpty()) {
          xs.add(Double.NaN);
          ys.add(Double.NaN);
        }
        xs.add(from);
        ys.add(y);
        xs.add(to);
        ys.add(y);
      }
      String name = shortName(worker);
      while (!names.add(name)) {
        name = name + " '"; // two long names cut alike: the legend's names must differ
      }
      XYSeries bars = chart.addSeries(name, xs, ys);
      bars.setMarker(SeriesMarkers.NONE);
      bars.setLineStyle(new BasicStroke(barWidth, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
    }
    if (spans.isEmpty()) {
      XYSeries none = chart.addSeries("no units", new double[] {0}, new double[] {0});
      none.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  /**
   * A worker's label, cut to fit the legend: its start and its end, which names the subtask on
   * Flink ({@code (2/4)#0}) and the thread and process.
   */
  static String shortName(String worker) {
    return worker.length() <= 56
        ? worker
        : worker.substring(0, 22) + "..." + worker.substring(worker.length() - 31);
  }
}
