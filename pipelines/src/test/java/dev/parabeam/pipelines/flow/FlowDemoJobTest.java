package dev.parabeam.pipelines.flow;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.JobOptions;
import dev.parabeam.pipelines.JobResult;
import dev.parabeam.pipelines.aggregate.AggregateJob;
import dev.parabeam.pipelines.aggregate.AggregateOptions;
import dev.parabeam.pipelines.launcher.Launcher;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.values.PValue;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlowDemoJobTest {
  @ClassRule public static TemporaryFolder tmp = new TemporaryFolder();

  static <O extends JobOptions> JobResult run(Job<O> job, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    JobResult r =
        Launcher.execute(
            job,
            args,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8), r.exitCode(), is(0));
    return r;
  }

  /** Rows with quoted commas and line breaks, and a few bad amounts (dead letters). */
  static Path data() throws IOException {
    Path f = tmp.getRoot().toPath().resolve("flow.csv");
    if (Files.exists(f)) {
      return f;
    }
    Random rnd = new Random(5);
    StringBuilder sb = new StringBuilder("id,region,amount,note\n");
    String[] regions = {"north", "south", "\"east, far\"", "west"};
    for (int i = 1; i <= 3000; i++) {
      String amount = i % 97 == 0 ? "n/a" : (rnd.nextInt(20000) - 5000) / 100.0 + "";
      String note = i % 13 == 0 ? "\"two\nlines\"" : "";
      sb.append(i).append(',').append(regions[rnd.nextInt(4)]).append(',');
      sb.append(amount).append(',').append(note).append('\n');
    }
    Files.writeString(f, sb);
    return f;
  }

  @Test
  public void fourBranchesGiveAggregatesBytesOnTheDirectRunnerAndEmbeddedFlink()
      throws IOException {
    Path in = data();
    Path root = tmp.getRoot().toPath();
    run(
        AggregateJob.INSTANCE,
        "--input=" + in,
        "--keyColumn=region",
        "--valueColumn=amount",
        "--output=" + root.resolve("aggregate"));
    for (String runner : List.of("DirectRunner", "FlinkRunner")) {
      Path out = root.resolve("flow-" + runner);
      JobResult r =
          run(
              FlowDemoJob.INSTANCE,
              "--input=" + in,
              "--keyColumn=region",
              "--valueColumn=amount",
              "--output=" + out,
              "--runner=" + runner);
      assertThat(r.chunks(), is(4));
      assertThat(((Number) r.summary().get("units")).intValue(), is(4));
      assertThat(r.deadLetters() > 0, is(true));
      for (String f : List.of("results.csv", "dead-letters.csv")) {
        assertThat(
            runner + " " + f,
            Files.readString(out.resolve(f)),
            equalTo(Files.readString(root.resolve("aggregate").resolve(f))));
      }
    }
  }

  /**
   * With {@code --output} alone it runs on the bundled sample (found from this module's directory,
   * where {@code testdata/} is not), by region, and gives aggregate's expected results for it.
   */
  @Test
  public void withOutputAloneItRunsOnTheBundledSample() throws IOException {
    Path out = tmp.getRoot().toPath().resolve("flow-bundled");
    run(FlowDemoJob.INSTANCE, "--output=" + out);
    assertThat(
        Files.readString(out.resolve("results.csv")),
        equalTo(Files.readString(repo().resolve("testdata/expected/sample-results.csv"))));
    // a default is only a default: given options win
    Path other = tmp.getRoot().toPath().resolve("flow-by-product");
    run(FlowDemoJob.INSTANCE, "--output=" + other, "--keyColumn=product");
    assertThat(
        Files.readString(other.resolve("results.csv")),
        startsWith("key,count,sum,min,max,mean\ngadget,"));
  }

  @Test
  public void aHeaderOnlyInputGivesAggregatesEmptyResults() throws IOException {
    Path in = tmp.getRoot().toPath().resolve("header-only.csv");
    Files.writeString(in, "id,region,amount\n");
    Path out = tmp.getRoot().toPath().resolve("flow-empty");
    JobResult r =
        run(
            FlowDemoJob.INSTANCE,
            "--input=" + in,
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out);
    assertThat(r.recordsRead(), is(0L));
    assertThat(
        Files.readString(out.resolve("results.csv")), equalTo("key,count,sum,min,max,mean\n"));
  }

  @Test
  public void theGraphIsTheFlowWithFourBranches() throws IOException {
    Path in = data();
    CsvDialect d = CsvDialect.RFC4180;
    CsvHeader h;
    try (FileChannel ch = FileChannel.open(in)) {
      h = CsvHeader.read(ch, d, 1 << 20);
    }
    CsvFile file =
        new CsvFile(in.toString(), Files.size(in), h.dataStart(), h.dataStartLine(), h.columns());
    List<CsvChunk> chunks = ChunkLocator.scanAndLocate(ChunkPlanner.plan(List.of(file), 0, 4), d);
    AggregateOptions o = PipelineOptionsFactory.as(AggregateOptions.class);
    o.setKeyColumn("region");
    o.setValueColumn("amount");
    Pipeline p = Pipeline.create(o);
    FlowDemoJob.INSTANCE.build(p, o, JobInput.of(chunks, d, true));
    List<String> top = new ArrayList<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode() && !node.getFullName().contains("/")) {
              top.add(node.getFullName());
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (!node.getFullName().contains("/")) {
              top.add(node.getFullName());
            }
          }
        });
    assertThat(
        top,
        hasItems(
            "DataPreparation",
            "ProcessChunk1",
            "ProcessChunk2",
            "ProcessChunk3",
            "ProcessChunk4",
            "AggregateResults"));
  }

  /**
   * The edges of the graph: each ProcessChunkN reads its own output of DataPreparation, and
   * AggregateResults takes exactly the four branches' results, one from each.
   */
  @Test
  public void eachBranchReadsItsOwnPartAndAllFourFeedAggregateResults() throws IOException {
    Path in = data();
    CsvDialect d = CsvDialect.RFC4180;
    CsvHeader h;
    try (FileChannel ch = FileChannel.open(in)) {
      h = CsvHeader.read(ch, d, 1 << 20);
    }
    CsvFile file =
        new CsvFile(in.toString(), Files.size(in), h.dataStart(), h.dataStartLine(), h.columns());
    List<CsvChunk> chunks = ChunkLocator.scanAndLocate(ChunkPlanner.plan(List.of(file), 0, 4), d);
    AggregateOptions o = PipelineOptionsFactory.as(AggregateOptions.class);
    o.setKeyColumn("region");
    o.setValueColumn("amount");
    Pipeline p = Pipeline.create(o);
    FlowDemoJob.INSTANCE.build(p, o, JobInput.of(chunks, d, true));

    Map<PValue, String> producer = new HashMap<>();
    Map<String, List<PValue>> inputs = new TreeMap<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode() && node.getFullName().matches("ProcessChunk\\d")) {
              inputs.put(node.getFullName(), new ArrayList<>(node.getInputs().values()));
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getFullName().equals("AggregateResults")) {
              inputs.put("AggregateResults", new ArrayList<>(node.getInputs().values()));
            }
          }

          @Override
          public void visitValue(PValue value, TransformHierarchy.Node node) {
            producer.put(value, node.getFullName());
          }
        });

    // the step (its name's first part) that made each input of AggregateResults
    List<String> into = new ArrayList<>();
    for (PValue v : inputs.get("AggregateResults")) {
      into.add(producer.get(v).split("/")[0]);
    }
    Collections.sort(into);
    assertThat(
        into, equalTo(List.of("ProcessChunk1", "ProcessChunk2", "ProcessChunk3", "ProcessChunk4")));

    Set<PValue> parts = new HashSet<>();
    for (int i = 1; i <= 4; i++) {
      List<PValue> branchInput = inputs.get("ProcessChunk" + i);
      assertThat("ProcessChunk" + i + " has one input", branchInput.size(), is(1));
      assertThat(producer.get(branchInput.get(0)), startsWith("DataPreparation/"));
      parts.add(branchInput.get(0));
    }
    assertThat("four distinct parts of DataPreparation", parts.size(), is(4));
  }

  @Test
  public void eachBranchTakesAContiguousQuarterOfTheUnits() {
    for (int u = 0; u < 4; u++) {
      assertThat(FlowDemoJob.branchOf(u, 4), is(u));
    }
    List<Integer> eight = new ArrayList<>();
    for (int u = 0; u < 8; u++) {
      eight.add(FlowDemoJob.branchOf(u, 8));
    }
    assertThat(eight, equalTo(List.of(0, 0, 1, 1, 2, 2, 3, 3)));
    assertThat(FlowDemoJob.branchOf(4, 5), is(3));
  }

  static Path repo() {
    Path p = Paths.get("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("testdata"))) {
      p = p.getParent();
    }
    return p;
  }
}
