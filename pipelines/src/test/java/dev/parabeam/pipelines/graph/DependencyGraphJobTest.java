package dev.parabeam.pipelines.graph;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.CapturedRun;
import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.stats.Decimals;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.values.PValue;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class DependencyGraphJobTest {
  @ClassRule public static TemporaryFolder tmp = new TemporaryFolder();

  static CapturedRun run(String... args) {
    return CapturedRun.of(DependencyGraphJob.INSTANCE, args);
  }

  @Test
  public void theReportIsWhatAPlainLoopComputesOnTheDirectRunnerAndEmbeddedFlink()
      throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    Random rnd = new Random(11);
    String[] regions = {"north", "south", "east", "west", "Zürich"};
    String[] products = {"widget", "gadget", "gizmo", "doohickey"};
    Map<String, BigDecimal> revenue = new TreeMap<>();
    Map<String, Map<String, Long>> counts = new HashMap<>();
    long bad = 0;
    for (int f = 0; f < 2; f++) {
      StringBuilder sb =
          new StringBuilder(f == 0 ? "region,product,amount,id\n" : "id,amount,product,region\n");
      for (int i = 0; i < 500; i++) {
        String region = regions[rnd.nextInt(regions.length)];
        String product = products[rnd.nextInt(1 + rnd.nextInt(products.length))];
        boolean isBad = rnd.nextInt(50) == 0;
        String amount = isBad ? "n/a" : new BigDecimal(rnd.nextInt(100000)).movePointLeft(2) + "";
        if (isBad) {
          bad++;
        } else {
          revenue.merge(region, new BigDecimal(amount), BigDecimal::add);
          counts.computeIfAbsent(region, k -> new HashMap<>()).merge(product, 1L, Long::sum);
        }
        sb.append(
            f == 0
                ? region + "," + product + "," + amount + "," + i
                : i + "," + amount + "," + product + "," + region);
        sb.append('\n');
      }
      Files.writeString(dir.resolve("part-" + f + ".csv"), sb);
    }
    BigDecimal total = revenue.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    StringBuilder expected = new StringBuilder(DependencyGraphRun.HEADER + "\n");
    for (Map.Entry<String, BigDecimal> e : revenue.entrySet()) {
      String top = null;
      long topCount = -1;
      for (Map.Entry<String, Long> c : new TreeMap<>(counts.get(e.getKey())).entrySet()) {
        if (c.getValue() > topCount) {
          top = c.getKey();
          topCount = c.getValue();
        }
      }
      expected
          .append(e.getKey())
          .append(',')
          .append(Decimals.format(e.getValue()))
          .append(',')
          .append(e.getValue().divide(total, 6, RoundingMode.HALF_EVEN).toPlainString())
          .append(',')
          .append(top)
          .append(',')
          .append(topCount)
          .append('\n');
    }
    for (String runner : List.of("DirectRunner", "FlinkRunner")) {
      Path out = tmp.getRoot().toPath().resolve("out-" + runner);
      CapturedRun r = run("--input=" + dir + "/*.csv", "--output=" + out, "--runner=" + runner);
      assertThat(r.err(), r.result().exitCode(), is(0));
      assertThat(runner, Files.readString(out.resolve("report.csv")), equalTo(expected.toString()));
      assertThat(r.result().deadLetters(), is(bad));
      assertThat(Files.readAllLines(out.resolve("dead-letters.csv")).size(), is((int) bad + 1));
      assertThat(r.out(), containsString("report.csv (5 regions):"));
      // the timeline: a bar per file read, its records the file's (500 each), start before end
      List<String> bars = Files.readAllLines(out.resolve("timeline.csv"));
      assertThat(bars.get(0), is("task,worker,start_ms,end_ms,records,bytes"));
      List<String> files = new java.util.ArrayList<>();
      for (String bar : bars.subList(1, bars.size())) {
        String[] f = bar.split(",");
        files.add(f[0]);
        assertThat(bar, Long.parseLong(f[2]) <= Long.parseLong(f[3]), is(true));
        assertThat(bar, f[4], is("500"));
        assertThat(bar, Long.parseLong(f[5]), is(Files.size(dir.resolve(f[0].substring(5)))));
      }
      files.sort(null);
      assertThat(files, equalTo(List.of("file part-0.csv", "file part-1.csv")));
    }
    // the launcher's dead-letter limit holds for this job too
    Path limited = tmp.getRoot().toPath().resolve("out-limited");
    CapturedRun r =
        run("--input=" + dir + "/*.csv", "--output=" + limited, "--maxDeadLetterFraction=0");
    assertThat(r.result().exitCode(), is(1));
    assertThat(
        r.err(),
        containsString(
            " are dead letters, more than --maxDeadLetterFraction=0 allows (at most 0)"));
    assertThat(Files.exists(limited), is(false));
  }

  @Test
  public void eachStepWaitsForExactlyWhatItNeeds() {
    DependencyGraphOptions o = PipelineOptionsFactory.as(DependencyGraphOptions.class);
    Pipeline p = Pipeline.create(o);
    new DependencyGraphRun(o, "x", List.of(Path.of("/none.csv")), 1)
        .build(p, tmp.getRoot().toPath());
    Map<String, Set<String>> producerOf = new HashMap<>();
    Map<String, Set<String>> inputsOf = new HashMap<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            record(node);
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            record(node);
          }

          private void record(TransformHierarchy.Node node) {
            if (node.isRootNode() || node.getFullName().contains("/")) {
              return;
            }
            for (PValue v : node.getOutputs().values()) {
              producerOf.computeIfAbsent(v.getName(), k -> new TreeSet<>()).add(node.getFullName());
            }
            Set<String> ins = new TreeSet<>();
            for (PValue v : node.getInputs().values()) {
              ins.add(v.getName());
            }
            inputsOf.put(node.getFullName(), ins);
          }
        });
    Function<String, Set<String>> needs =
        step -> {
          Set<String> s = new TreeSet<>();
          for (String in : inputsOf.get(step)) {
            s.addAll(producerOf.getOrDefault(in, Set.of()));
          }
          return s;
        };
    assertThat(needs.apply("A_RevenuePerRegion"), equalTo(Set.of("Prepare")));
    assertThat(needs.apply("B_TopProductPerRegion"), equalTo(Set.of("Prepare")));
    assertThat(needs.apply("C_ShareOfRevenue"), equalTo(Set.of("A_RevenuePerRegion")));
    assertThat(
        needs.apply("Join_B_C"), equalTo(Set.of("B_TopProductPerRegion", "C_ShareOfRevenue")));
  }

  /**
   * A share has 6 places, trailing zeros included; an amount with spaces around it is read as
   * aggregate reads it (trimmed, docs/aggregate.md), so both jobs count the same records.
   */
  @Test
  public void sharesHaveSixPlacesAndAmountsAreReadAsAggregateReadsThem() throws Exception {
    Path f = tmp.newFile("halves.csv").toPath();
    Files.writeString(f, "region,product,amount\nnorth,w, 4 \nsouth,g,4\nsouth,g,x\n");
    Path out = tmp.getRoot().toPath().resolve("halves");
    CapturedRun r = run("--input=" + f, "--output=" + out);
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(
        Files.readString(out.resolve("report.csv")),
        equalTo(DependencyGraphRun.HEADER + "\nnorth,4,0.500000,w,1\nsouth,4,0.500000,g,1\n"));
    Path agg = tmp.getRoot().toPath().resolve("halves-aggregate");
    JobResult a =
        Launcher.execute(
            dev.parabeam.pipelines.aggregate.AggregateJob.INSTANCE,
            new String[] {
              "--input=" + f, "--keyColumn=region", "--valueColumn=amount", "--output=" + agg
            },
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(r.result().deadLetters(), is(a.deadLetters()));
    assertThat(r.result().recordsOk(), is(a.recordsOk()));
  }

  @Test
  public void aFileWithoutTheColumnsIsMisuse() throws Exception {
    Path f = tmp.newFile("wrong.csv").toPath();
    Files.writeString(f, "region,price\nnorth,1\n");
    CapturedRun r = run("--input=" + f, "--output=" + tmp.getRoot().toPath().resolve("never"));
    assertThat(r.result().exitCode(), is(2));
    assertThat(r.err(), containsString("has no column 'product' (its columns: region, price)"));
    assertThat(Files.exists(tmp.getRoot().toPath().resolve("never")), is(false));
  }
}
