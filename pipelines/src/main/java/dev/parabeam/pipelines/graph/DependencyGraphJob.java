package dev.parabeam.pipelines.graph;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.LocalFiles;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dependency-graph}: sequential and parallel steps, each waiting only for what it needs.
 *
 * <pre>
 *                ┌─► A_RevenuePerRegion ─► C_ShareOfRevenue ─┐
 *   Prepare ─────┤                                           ├─► Join_B_C ─► WriteReport
 *                └─► B_TopProductPerRegion ──────────────────┘
 * </pre>
 *
 * Prepare reads the sales (region, product, amount); A sums the revenue per region while B, in
 * parallel, finds each region's most sold product; C, which needs A, computes each region's share
 * of the total; Join_B_C joins B and C per region into {@code report.csv}. Bad records are dead
 * letters ({@code dead-letters.csv}).
 */
public final class DependencyGraphJob implements Job<DependencyGraphOptions> {
  public static final DependencyGraphJob INSTANCE = new DependencyGraphJob();
  static final String DEFAULT_INPUT = "testdata/groupby/*.csv";
  static final String REPORT = "report.csv";
  static final String DEAD_LETTERS = "dead-letters.csv";
  static final List<String> COLUMNS = List.of("region", "product", "amount");

  @Override
  public String name() {
    return "dependency-graph";
  }

  @Override
  public String summary() {
    return "Prepare -> {A, B} in parallel -> C (needs A) -> join of B and C: a report per region";
  }

  @Override
  public Class<DependencyGraphOptions> optionsClass() {
    return DependencyGraphOptions.class;
  }

  @Override
  public String usage() {
    return "dependency-graph [--input=<file or glob>] --output=<dir>";
  }

  @Override
  public Job.Run prepare(DependencyGraphOptions o, int parallelism, Path output)
      throws IOException {
    String given = o.getInput() == null ? DEFAULT_INPUT : o.getInput();
    List<Path> files = LocalFiles.match(LocalFiles.orBundled(given, DEFAULT_INPUT));
    for (Path f : files) {
      if (f.toRealPath().startsWith(output)) {
        throw new UsageException("--output=" + o.getOutput() + " holds the input file " + f);
      }
      CsvHeader h;
      try (FileChannel ch = FileChannel.open(f)) {
        h = CsvHeader.read(ch, CsvDialect.RFC4180, 1 << 20);
      } catch (IllegalArgumentException e) {
        throw new UsageException(f + ": " + e.getMessage());
      }
      for (String c : COLUMNS) {
        if (h.positions(c).size() > 1) {
          throw new UsageException(f + ": " + CsvHeader.ambiguity(c, h.positions(c)));
        }
        if (h.indexOf(c) < 0) {
          throw new UsageException(
              f
                  + " has no column '"
                  + c
                  + "' (its columns: "
                  + String.join(", ", h.columns())
                  + ")");
        }
      }
    }
    return new DependencyGraphRun(o, given, files, parallelism);
  }
}
