package dev.parabeam.pipelines.cluster;

import static dev.parabeam.pipelines.cluster.JarProcess.aggregate;
import static dev.parabeam.pipelines.cluster.JarProcess.assertSameBytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.BeforeClass;
import org.junit.Test;

/** The real jar on an embedded Flink ({@code --flinkMaster=[local]}) gives the DirectRunner's bytes. */
public class EmbeddedFlinkIT {
  private static Path work;

  @BeforeClass
  public static void generate() throws Exception {
    work = Paths.get("target", "it-embedded-flink").toAbsolutePath();
    JarProcess.deleteTree(work);
    JarProcess.ok(work, "generate", 120, "generate", "--rows=100000", "--output=gen.csv");
    JarProcess.ok(work, "direct-gen", 300, aggregate("gen.csv", "direct-gen"));
    String sample = JarProcess.repo().resolve("testdata/sample/sales.csv").toString();
    JarProcess.ok(work, "direct-sample", 300, aggregate(sample, "direct-sample"));
  }

  private static void check(String input, String reference, int parallelism) throws Exception {
    String out = reference.replace("direct", "flink-p" + parallelism);
    JarProcess r =
        JarProcess.ok(work, out, 300,
            aggregate(input, out, "--runner=FlinkRunner", "--parallelism=" + parallelism));
    assertThat(r.out, containsString("\"runner\": \"FlinkRunner\""));
    assertThat(r.out, containsString("\"parallelism\": " + parallelism));
    assertSameBytes(work.resolve(reference).resolve("results.csv"), work.resolve(out).resolve("results.csv"));
  }

  @Test
  public void generatedDataAtParallelism1() throws Exception {
    check("gen.csv", "direct-gen", 1);
  }

  @Test
  public void generatedDataAtParallelism4() throws Exception {
    check("gen.csv", "direct-gen", 4);
  }

  /** Stray quotes, text after closing quotes and unterminated quotes, cut into 7-byte chunks. */
  @Test
  public void dirtyInputInSmallChunksMatchesTheOracle() throws Exception {
    Path td = JarProcess.repo().resolve("testdata");
    String out = "flink-dirty";
    JarProcess r = JarProcess.ok(work, out, 300,
        aggregate(td.resolve("dirty").toString() + "/*.csv", out, "--runner=FlinkRunner", "--parallelism=4",
            "--chunkBytes=7", "--launcherScanMaxBytes=0"));
    assertThat(r.out, containsString("\"records_read\": 59"));
    assertThat(r.out, containsString("\"dead_letters\": 5"));
    assertSameBytes(td.resolve("expected/dirty-all-results.csv"), work.resolve(out).resolve("results.csv"));
  }

  @Test
  public void sampleAtParallelism4() throws Exception {
    check(JarProcess.repo().resolve("testdata/sample/sales.csv").toString(), "direct-sample", 4);
  }
}
