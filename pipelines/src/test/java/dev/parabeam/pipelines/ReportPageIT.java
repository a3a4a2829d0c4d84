package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * report.html as a person sees it: a real headless Chromium (Debian's chromium, which .ci/run
 * installs) renders the page of a run of the bundled dirty inputs; the DOM it built holds the
 * counts, the graph (Graphviz's SVG, drawn) and the timeline (an image it decoded), and its
 * screenshot is a page of many colours, not a blank one. The page fetches nothing: Chromium runs
 * with the network off.
 */
public class ReportPageIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String chromium(Path profile, String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--user-data-dir=" + profile,
                // no network at all: a page that needed it would show the gap
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>"));
    cmd.addAll(List.of(args));
    File out = profile.resolve("stdout").toFile();
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("chromium did not finish: " + cmd);
    }
    assertThat("chromium exit", p.exitValue(), is(0));
    return Files.readString(out.toPath(), StandardCharsets.UTF_8);
  }

  @Test
  public void aRunsPageShowsItsCountsGraphAndTimeline() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("out");
    JobRun run =
        JobRun.aggregate(
            "--input=" + JobRun.testdata().resolve("dirty") + "/*.csv",
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out);
    assertThat(run.err, run.exitCode, is(0));
    Path page = out.resolve("report.html");
    String url = page.toUri().toString();

    String dom =
        chromium(tmp.newFolder("p1").toPath(), "--virtual-time-budget=5000", "--dump-dom", url);
    assertThat(dom, containsString("<h2 id=\"counts\">Counts</h2>"));
    assertThat(dom, containsString("<th>records_read</th><td class=\"n\">59</td>"));
    assertThat(dom, containsString("<th>dead_letters</th><td class=\"n\">5</td>"));
    assertThat("the dead-letter warning", dom, containsString("5 of 59 records (8.5%)"));
    assertThat("the graph, drawn by Graphviz", dom, containsString("<svg"));
    assertThat(dom, containsString(">ParseRecords</text>"));
    assertThat("the timeline", dom, containsString("alt=\"the run's timeline\""));

    Path shot = tmp.getRoot().toPath().resolve("report.png");
    chromium(tmp.newFolder("p2").toPath(), "--window-size=1280,1600", "--screenshot=" + shot, url);
    BufferedImage img = ImageIO.read(shot.toFile());
    assertThat(img.getWidth(), equalTo(1280));
    // a rendered page: text, tables, the graph's boxes and the timeline's bars in their colours
    Set<Integer> colours = new HashSet<>();
    int nonWhite = 0;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb != 0xffffff) {
          nonWhite++;
        }
      }
    }
    assertThat("colours on the page", colours.size(), greaterThan(200));
    assertThat("ink on the page", nonWhite, greaterThan(img.getWidth() * img.getHeight() / 4 / 20));
    // the timeline's bars: the chart's first series colour (XChart's default blue) is on screen
    boolean bar = false;
    for (int y = 0; y < img.getHeight() && !bar; y++) {
      for (int x = 0; x < img.getWidth() && !bar; x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        int r = rgb >> 16;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        bar = b > 200 && r < 120 && g < 150;
      }
    }
    assertThat("a timeline bar is on the screenshot", bar, is(true));
  }
}
