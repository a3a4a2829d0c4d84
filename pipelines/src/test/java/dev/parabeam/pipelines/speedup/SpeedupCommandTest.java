package dev.parabeam.pipelines.speedup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class SpeedupCommandTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /**
   * The command's dataset cache, {@code Datasets.ensure}, which is package-private in
   * dev.parabeam.pipelines.
   */
  static Path ensure(Path dir, long rows, long seed) {
    try {
      Method m =
          Class.forName("dev.parabeam.pipelines.bench.Datasets")
              .getDeclaredMethod("ensure", Path.class, long.class, long.class);
      m.setAccessible(true);
      return (Path) m.invoke(null, dir, rows, seed);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    System.setProperty("java.awt.headless", "true");
    return Speedup.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        SpeedupCommandTest::ensure);
  }

  private String errText() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void misuseIsOneErrorLineAndExitTwo() {
    for (String[] bad :
        List.of(
            new String[] {"--sizes=ten"},
            new String[] {"--work=gpu"},
            new String[] {"--workers=1"},
            new String[] {"--runner=SparkRunner"},
            new String[] {"--repeats=0"},
            new String[] {"--colour=blue"},
            new String[] {"stray"})) {
      err.reset();
      assertThat(String.join(" ", bad), run(bad), is(2));
      assertThat(errText(), startsWith("error: "));
      assertThat(errText().trim().split("\n").length, is(1));
    }
  }

  @Test
  public void workMicrosPerKind() {
    Speedup.Options o =
        Speedup.parse(new String[] {"--work=io,cpu", "--workMicros=io:1000,cpu:30"});
    assertThat(o.micros.get("io"), is(1000L));
    assertThat(o.micros.get("cpu"), is(30L));
    Speedup.Options d = Speedup.parse(new String[] {});
    assertThat(d.works, is(List.of("cpu")));
    assertThat(d.micros.get("cpu"), is(Speedup.DEFAULT_MICROS.get("cpu")));
    assertThat(d.sizes.length, is(3));
  }

  @Test
  public void smallEndToEndRunWritesConsistentFiles() throws Exception {
    Path output = tmp.getRoot().toPath().resolve("speedup");
    Path data = tmp.getRoot().toPath().resolve("data");
    int rc =
        run(
            "--sizes=1000",
            "--repeats=1",
            "--work=io",
            "--workMicros=50",
            "--warmupRows=0",
            "--output=" + output,
            "--dataDir=" + data);
    assertThat(errText(), rc, is(0));

    List<String> csv = Files.readAllLines(output.resolve("speedup.csv"), StandardCharsets.UTF_8);
    assertThat(csv.size(), is(2));
    assertThat(csv.get(0), is(SpeedupTable.CSV_HEADER));
    String[] header = csv.get(0).split(",");
    String[] values = csv.get(1).split(",", -1);
    Map<String, String> row = new HashMap<>();
    for (int i = 0; i < header.length; i++) {
      row.put(header[i], values[i]);
    }
    assertThat(row.get("runner"), is("DirectRunner"));
    assertThat(row.get("work"), is("io"));
    assertThat(row.get("rows"), is("1000"));
    assertThat(row.get("workers"), is("4"));
    assertThat(row.get("ideal"), is("4"));
    double seq = Double.parseDouble(row.get("sequential_s"));
    double par = Double.parseDouble(row.get("parallel_s"));
    double speedup = Double.parseDouble(row.get("speedup"));
    assertThat(seq, greaterThan(0.0));
    assertThat(par, greaterThan(0.0));
    assertThat(speedup, closeTo(seq / par, 0.01));
    assertThat(Double.parseDouble(row.get("efficiency")), closeTo(speedup / 4, 0.001));
    assertThat(Double.parseDouble(row.get("plain_java_1_thread_s")), greaterThan(0.0));

    String md = Files.readString(output.resolve("speedup.md"), StandardCharsets.UTF_8);
    assertThat(md, containsString("| 1,000 records | "));
    assertThat(md, containsString("Parallel Processing (4 workers)"));
    assertThat(md, containsString("Fixed start-up"));
    // the table shows the speedup to 2 decimals, the CSV to 3: equal to within rounding
    Matcher shown = Pattern.compile("\\| ([0-9.]+)x \\|").matcher(md);
    assertThat(md, shown.find(), is(true));
    assertThat(Double.parseDouble(shown.group(1)), closeTo(speedup, 0.0051));

    BufferedImage png = ImageIO.read(output.resolve("speedup.png").toFile());
    assertThat(png.getWidth(), is(900));
    assertThat(png.getHeight(), is(560));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("written: "));
  }
}
