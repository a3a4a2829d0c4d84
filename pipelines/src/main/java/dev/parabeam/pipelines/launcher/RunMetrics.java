package dev.parabeam.pipelines.launcher;

import dev.parabeam.transforms.engine.StepElements;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * A finished run's Beam metrics, per step: every counter and distribution its steps reported (the
 * same names on every runner), as {@code metrics.json} in the output directory and a short table at
 * the end of the run. Committed values where the runner has them (the DirectRunner), attempted ones
 * otherwise (Flink), which the file says.
 */
public final class RunMetrics {
  public static final String FILE = "metrics.json";

  /** One metric of one step: a counter's value, or a distribution's count, sum, min and max. */
  public record Metric(
      String step,
      String namespace,
      String name,
      String kind,
      long value,
      long sum,
      long min,
      long max) {
    double mean() {
      return value == 0 ? 0 : (double) sum / value;
    }
  }

  private final List<Metric> metrics;
  private final String values;

  private RunMetrics(List<Metric> metrics, String values) {
    this.metrics = metrics;
    this.values = values;
  }

  public List<Metric> metrics() {
    return metrics;
  }

  /** The metrics of {@code result}, a finished run. */
  public static RunMetrics of(PipelineResult result) {
    MetricQueryResults all = result.metrics().queryMetrics(MetricsFilter.builder().build());
    boolean committed = true;
    try {
      for (MetricResult<Long> c : all.getCounters()) {
        c.getCommitted();
      }
      for (MetricResult<DistributionResult> d : all.getDistributions()) {
        d.getCommitted();
      }
    } catch (UnsupportedOperationException e) {
      committed = false;
    }
    List<Metric> out = new ArrayList<>();
    for (MetricResult<Long> c : all.getCounters()) {
      long v = committed ? c.getCommitted() : c.getAttempted();
      out.add(
          new Metric(
              c.getKey().stepName(),
              c.getName().getNamespace(),
              c.getName().getName(),
              "counter",
              v,
              v,
              v,
              v));
    }
    for (MetricResult<DistributionResult> d : all.getDistributions()) {
      DistributionResult r = committed ? d.getCommitted() : d.getAttempted();
      out.add(
          new Metric(
              d.getKey().stepName(),
              d.getName().getNamespace(),
              d.getName().getName(),
              "distribution",
              r.getCount(),
              r.getSum(),
              r.getCount() == 0 ? 0 : r.getMin(),
              r.getCount() == 0 ? 0 : r.getMax()));
    }
    out.sort(
        Comparator.comparing(Metric::step)
            .thenComparing(Metric::kind)
            .thenComparing(Metric::namespace)
            .thenComparing(Metric::name));
    return new RunMetrics(out, committed ? "committed" : "attempted");
  }

  /** The sum of counter {@code name} over every step that reports it. */
  public long counter(String name) {
    long sum = 0;
    for (Metric m : metrics) {
      if (m.kind().equals("counter") && m.name().equals(name)) {
        sum += m.value();
      }
    }
    return sum;
  }

  /** Writes {@code metrics.json} into {@code dir}. */
  public void write(Path dir) throws IOException {
    List<Object> counters = new ArrayList<>();
    List<Object> distributions = new ArrayList<>();
    for (Metric m : metrics) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("step", m.step());
      o.put("namespace", m.namespace());
      o.put("name", m.name());
      if (m.kind().equals("counter")) {
        o.put("value", m.value());
        counters.add(o);
      } else {
        o.put("count", m.value());
        o.put("sum", m.sum());
        o.put("min", m.min());
        o.put("max", m.max());
        o.put("mean", Math.round(m.mean() * 1000) / 1000.0);
        distributions.add(o);
      }
    }
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("values", values);
    all.put("counters", counters);
    all.put("distributions", distributions);
    Files.writeString(dir.resolve(FILE), Json.object(all) + "\n", StandardCharsets.UTF_8);
  }

  private static String shortStep(String step) {
    return step.length() > 44 ? "..." + step.substring(step.length() - 41) : step;
  }

  /**
   * The elements step {@code stepSuffix} (the end of its full name) counted in and out ({@link
   * StepElements}), summed over the steps of that name.
   */
  public long[] elements(String stepSuffix) {
    long[] io = new long[2];
    for (Metric m : metrics) {
      if (m.namespace().equals(StepElements.NAMESPACE) && m.step().endsWith(stepSuffix)) {
        io[m.name().equals(StepElements.IN) ? 0 : 1] += m.value();
      }
    }
    return io;
  }

  /** The short table printed at the end of a run: a line per metric, by step. */
  public void print(PrintStream out) {
    if (metrics.isEmpty()) {
      return;
    }
    out.println("metrics (Beam, " + values + ", by step; all in " + FILE + "):");
    // a step's elements in and out on one line, where it counts them
    Map<String, long[]> elements = new LinkedHashMap<>();
    for (Metric m : metrics) {
      if (m.kind().equals("counter") && m.namespace().equals(StepElements.NAMESPACE)) {
        long[] io = elements.computeIfAbsent(m.step(), s -> new long[2]);
        io[m.name().equals(StepElements.IN) ? 0 : 1] += m.value();
      }
    }
    elements.forEach(
        (s, io) ->
            out.printf(
                Locale.ROOT,
                "  %-44s %-22s %,d in, %,d out%n",
                shortStep(s),
                "elements",
                io[0],
                io[1]));
    for (Metric m : metrics) {
      if (m.namespace().equals(StepElements.NAMESPACE)) {
        continue;
      }
      String step = shortStep(m.step());
      if (m.kind().equals("counter")) {
        out.printf(Locale.ROOT, "  %-44s %-22s %,d%n", step, m.name(), m.value());
      } else {
        out.printf(
            Locale.ROOT,
            "  %-44s %-22s n=%,d mean=%.1f min=%,d max=%,d%n",
            step,
            m.name(),
            m.value(),
            m.mean(),
            m.min(),
            m.max());
      }
    }
  }
}
