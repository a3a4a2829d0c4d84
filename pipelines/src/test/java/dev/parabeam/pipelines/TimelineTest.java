package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every chunked run publishes its timeline: timeline.csv with one row per unit of work (start
 * before end, within the run, on no more workers than it asked for, its records adding up to
 * records_read) and timeline.png, on the DirectRunner and on embedded Flink (a failed run publishes
 * neither: SeeARunTest).
 */
public class TimelineTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private Path input() throws IOException {
    StringBuilder sb = new StringBuilder("id,region,amount\n");
    Random r = new Random(3);
    for (int i = 0; i < 30_000; i++) {
      sb.append(i).append(",r").append(r.nextInt(40)).append(',').append(r.nextInt(10_000));
      sb.append(i % 997 == 0 ? ",extra\n" : "\n"); // some dead letters
    }
    Path p = tmp.newFile("in.csv").toPath();
    Files.writeString(p, sb, StandardCharsets.UTF_8);
    return p;
  }

  private static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\": ([0-9.]+)").matcher(json);
    assertThat(name + " in " + json, m.find(), is(true));
    return (long) Double.parseDouble(m.group(1));
  }

  private void check(String runner) throws IOException {
    Path out = tmp.getRoot().toPath().resolve("out-" + runner);
    JobRun run =
        JobRun.aggregate(
            "--input=" + input(),
            "--keyColumn=region",
            "--valueColumn=amount",
            "--chunkBytes=40000",
            "--workers=3",
            "--runner=" + runner,
            "--output=" + out);
    assertThat(run.err, run.exitCode, is(0));
    String summary = Files.readString(out.resolve("summary.json"), StandardCharsets.UTF_8);
    long units = field(summary, "units");
    long read = field(summary, "records_read");
    long wallMs =
        (long)
            (Double.parseDouble(summary.replaceAll("(?s).*\"wall_seconds\": ([0-9.]+).*", "$1"))
                * 1000);
    assertThat(units, greaterThan(3L));

    List<CSVRecord> rows = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(out.resolve("timeline.csv"))) {
      CSVFormat.RFC4180
          .builder()
          .setHeader()
          .setSkipHeaderRecord(true)
          .build()
          .parse(r)
          .forEach(rows::add);
    }
    assertThat("a row per unit", (long) rows.size(), equalTo(units));
    Set<String> tasks = new HashSet<>();
    Set<String> workers = new HashSet<>();
    long records = 0;
    long bytes = 0;
    long lastStart = -1;
    for (CSVRecord row : rows) {
      long start = Long.parseLong(row.get("start_ms"));
      long end = Long.parseLong(row.get("end_ms"));
      assertThat(row.toString(), start, lessThan(end));
      assertThat("within the run: " + row, end, lessThanOrEqualTo(wallMs));
      assertThat("in order of start", start, greaterThanOrEqualTo(lastStart));
      lastStart = start;
      tasks.add(row.get("task"));
      workers.add(row.get("worker"));
      records += Long.parseLong(row.get("records"));
      bytes += Long.parseLong(row.get("bytes"));
    }
    assertThat("each unit once", (long) tasks.size(), equalTo(units));
    assertThat(workers.size(), greaterThan(0));
    assertThat("no more workers than asked for: " + workers, workers.size(), lessThanOrEqualTo(3));
    assertThat(field(summary, "timeline_workers"), equalTo((long) workers.size()));
    assertThat("the units' records are the run's", records, equalTo(read));
    // the units' chunks cover the file but its header line
    assertThat("and their bytes the input's", bytes, lessThanOrEqualTo(field(summary, "bytes")));
    assertThat(bytes, greaterThan(field(summary, "bytes") - 100));
    BufferedImage png = ImageIO.read(out.resolve("timeline.png").toFile());
    assertThat(png.getWidth(), equalTo(1100));
    assertThat(png.getHeight(), greaterThan(200));
  }

  private static org.hamcrest.Matcher<Long> greaterThanOrEqualTo(long v) {
    return org.hamcrest.Matchers.greaterThanOrEqualTo(v);
  }

  @Test
  public void directRunner() throws IOException {
    check("DirectRunner");
  }

  @Test
  public void embeddedFlink() throws IOException {
    check("FlinkRunner");
  }
}
