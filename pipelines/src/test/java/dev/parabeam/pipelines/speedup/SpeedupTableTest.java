package dev.parabeam.pipelines.speedup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class SpeedupTableTest {
  static Cell cell(long rows, List<Double> seq, List<Double> par, List<Double> plain) {
    return new Cell("DirectRunner", "io", 1000, rows, 4, 2, seq, par, seq, par, plain);
  }

  static SpeedupTable.Context context() {
    return new SpeedupTable.Context(
        "./run.sh speedup --work=io",
        2,
        "OpenJDK 17",
        "2026-11-22",
        3,
        1,
        Map.of("DirectRunner", new Startup.Result(5.0, 1.5)),
        Map.of("DirectRunner", 0.4),
        1.0,
        2.0);
  }

  @Test
  public void markdownHasTheClassicTableWithMediansAndSpeedup() {
    List<Cell> cells =
        List.of(
            cell(10_000, List.of(10.2, 11.0, 9.0), List.of(3.1, 3.0, 4.0), List.of(9.5)),
            cell(100_000, List.of(98.5), List.of(26.7), List.of()));
    String md = SpeedupTable.markdown(cells, context());
    assertThat(
        md,
        containsString(
            "| Dataset Size | Sequential Processing | Parallel Processing (4 workers) | Speedup |"));
    assertThat(md, containsString("| 10,000 records | 10.20 seconds | 3.10 seconds | 3.29x |"));
    assertThat(md, containsString("| 100,000 records | 98.50 seconds | 26.70 seconds | 3.69x |"));
    assertThat(
        md, containsString("| 10,000 | 4x | 82% | 9.50 s | 1.07x | 10.20 s / 3.10 s | 3.58x |"));
    assertThat(md, containsString("| 100,000 | 4x | 92% | not measured |"));
    assertThat(md, containsString("--work=io --workMicros=1000"));
    assertThat(md, containsString("median of 3 runs"));
    assertThat(md, containsString("2 cores"));
    assertThat(md, containsString("| DirectRunner | 5.00 s | 1.50 s | 3.50 s | 0.40 s | 4.60 s |"));
  }

  @Test
  public void csvHasOneLinePerCellWithRunsAndDerivedNumbers() {
    String csv =
        SpeedupTable.csv(
            List.of(cell(10_000, List.of(10.2, 11.0, 9.0), List.of(3.1, 3.0, 4.0), List.of(9.5))));
    String[] lines = csv.split("\n");
    assertThat(lines.length, is(2));
    assertThat(lines[0], is(SpeedupTable.CSV_HEADER));
    assertThat(
        lines[1],
        is(
            "DirectRunner,io,1000,10000,4,2,10.200,3.100,3.290,4,0.823,9.500,10.200,3.100,"
                + "10.200;11.000;9.000,3.100;3.000;4.000,9.500"));
  }
}
