package dev.parabeam.pipelines.graph;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.launcher.Timeline;
import dev.parabeam.pipelines.launcher.WriteSortedLines;
import dev.parabeam.transforms.DeadLetter;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/** One run of {@link DependencyGraphJob}: the graph, and the checks on what it wrote. */
final class DependencyGraphRun implements Job.Run {
  static final String HEADER = "region,revenue,share,top_product,top_product_sales";

  private final DependencyGraphOptions o;
  private final String input;
  private final List<Path> files;
  private final int parallelism;
  private long regions;
  private long dead;
  private long read;

  DependencyGraphRun(DependencyGraphOptions o, String input, List<Path> files, int parallelism) {
    this.o = o;
    this.input = input;
    this.files = files;
    this.parallelism = parallelism;
  }

  /** Where the step Prepare's spans go in staging, one per file (not published). */
  static final String SPANS = "file-spans.csv";

  // the run's start (epoch ms), for its timeline
  private long startEpochMillis;

  @Override
  public void beforeBuild(Path staging) {
    startEpochMillis = System.currentTimeMillis();
  }

  @Override
  public void build(Pipeline p, Path staging) {
    PCollectionTuple prepared =
        p.apply("Files", Create.of(files.stream().map(Path::toString).toList()))
            .apply(
                "Prepare",
                ParDo.of(new ReadSalesFn())
                    .withOutputTags(
                        ReadSalesFn.SALES,
                        TupleTagList.of(ReadSalesFn.DEAD_LETTERS).and(ReadSalesFn.SPANS)));
    prepared
        .get(ReadSalesFn.SPANS)
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("WriteSpans", WriteSortedLines.to(staging.resolve(SPANS), ReadSalesFn.SPANS_HEADER));
    PCollection<Sale> sales = prepared.get(ReadSalesFn.SALES).setCoder(new Sale.Coder());
    prepared
        .get(ReadSalesFn.DEAD_LETTERS)
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply(
            "WriteDeadLetters",
            WriteSortedLines.to(
                staging.resolve(DependencyGraphJob.DEAD_LETTERS), DeadLetter.CSV_HEADER));

    PCollection<KV<String, BigDecimal>> revenue =
        sales.apply("A_RevenuePerRegion", new Steps.RevenuePerRegion());
    PCollection<KV<String, KV<String, Long>>> top =
        sales.apply("B_TopProductPerRegion", new Steps.TopProductPerRegion());
    PCollection<KV<String, KV<BigDecimal, BigDecimal>>> share =
        revenue.apply("C_ShareOfRevenue", new Steps.ShareOfRevenue());

    TupleTag<KV<String, Long>> topTag = new TupleTag<>("B");
    TupleTag<KV<BigDecimal, BigDecimal>> shareTag = new TupleTag<>("C");
    KeyedPCollectionTuple.of(topTag, top)
        .and(shareTag, share)
        .apply("Join_B_C", CoGroupByKey.create())
        .apply("ReportLine", ParDo.of(new Steps.ReportLineFn(topTag, shareTag)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply(
            "WriteReport", WriteSortedLines.to(staging.resolve(DependencyGraphJob.REPORT), HEADER));
  }

  @Override
  public List<String> outputs() {
    return List.of(
        DependencyGraphJob.REPORT, DependencyGraphJob.DEAD_LETTERS, Timeline.CSV, Timeline.PNG);
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(ReadSalesFn.NAMESPACE, name))
                    .build())
            .getCounters()) {
      Long v;
      try {
        v = c.getCommitted();
      } catch (UnsupportedOperationException e) {
        v = c.getAttempted();
      }
      sum += v == null ? 0 : v;
    }
    return sum;
  }

  @Override
  public Map<String, Object> finish(PipelineResult result, Path staging) throws Exception {
    read = counter(result, "records_read");
    long ok = counter(result, "records_ok");
    dead = counter(result, "dead_letters");
    if (read != ok + dead) {
      throw new IllegalStateException(
          "records do not add up: read " + read + " != ok " + ok + " + dead letters " + dead);
    }
    regions = Files.readAllLines(staging.resolve(DependencyGraphJob.REPORT)).size() - 1;
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", input);
    summary.put("files", files.size());
    summary.put("records_read", read);
    summary.put("records_ok", ok);
    summary.put("dead_letters", dead);
    summary.put("regions", regions);
    summary.put("runner", o.getRunner().getSimpleName());
    summary.put("parallelism", parallelism);
    // a bar per file read by the step Prepare, a lane per worker
    List<Timeline.Span> spans = Timeline.fromUnitSpans(staging.resolve(SPANS), startEpochMillis);
    Timeline.writeRun(
        spans,
        startEpochMillis,
        "dependency-graph: " + spans.size() + " files read",
        o.getRunner().getSimpleName(),
        staging,
        summary);
    return summary;
  }

  @Override
  public Job.DeadLetters deadLetters() {
    return new Job.DeadLetters(read, dead, 0, 0, DependencyGraphJob.DEAD_LETTERS);
  }

  @Override
  public void report(Path output, PrintStream out, PrintStream err) throws IOException {
    List<String> lines = Files.readAllLines(output.resolve(DependencyGraphJob.REPORT));
    out.println(String.format(Locale.ROOT, "report.csv (%,d regions):", regions));
    lines.stream().limit(6).forEach(l -> out.println("  " + l));
    if (lines.size() > 6) {
      out.println("  ...");
    }
    if (dead > 0) {
      out.println(
          String.format(
              Locale.ROOT,
              "dead letters: %,d in %s",
              dead,
              output.resolve(DependencyGraphJob.DEAD_LETTERS)));
    }
  }
}
