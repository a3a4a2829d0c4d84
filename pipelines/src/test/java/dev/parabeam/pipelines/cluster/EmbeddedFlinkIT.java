package dev.parabeam.pipelines.cluster;

import static dev.parabeam.pipelines.cluster.JarProcess.aggregate;
import static dev.parabeam.pipelines.cluster.JarProcess.assertSameBytes;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

  /** A header and no record (one file, blank lines after it, a glob of such files) is a valid empty input. */
  @Test
  public void headerOnlyInputs() throws Exception {
    Path in = work.resolve("header-only");
    Files.createDirectories(in.resolve("glob"));
    Files.writeString(in.resolve("header.csv"), "region,amount\n");
    Files.writeString(in.resolve("blanks.csv"), "region,amount\r\n\n\r\n\n");
    Files.writeString(in.resolve("glob/a.csv"), "region,amount\n");
    Files.writeString(in.resolve("glob/b.csv"), "amount,region\n");
    for (String input : List.of("header.csv", "blanks.csv", "glob/*.csv")) {
      String out = "flink-empty-" + input.replaceAll("[^a-z]", "");
      JarProcess r = JarProcess.ok(work, out, 300,
          aggregate(in.resolve(input).toString(), out, "--runner=FlinkRunner", "--parallelism=2"));
      assertThat(r.out, containsString("\"runner\": \"FlinkRunner\""));
      for (String zero : List.of("records_read", "records_ok", "dead_letters", "keys")) {
        assertThat(input + " " + zero, r.out, containsString("\"" + zero + "\": 0,"));
      }
      Path dir = work.resolve(out);
      assertThat(input, Files.readString(dir.resolve("results.csv")), equalTo("key,count,sum,min,max,mean\n"));
      assertThat(input, Files.readString(dir.resolve("dead-letters.csv")), equalTo("file,line,reason,record\n"));
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(input, files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList()),
            equalTo(List.of("dead-letters.csv", "results.csv", "summary.json")));
      }
    }
  }
}
