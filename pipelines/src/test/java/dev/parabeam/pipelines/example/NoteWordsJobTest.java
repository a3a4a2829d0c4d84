package dev.parabeam.pipelines.example;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.pipelines.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The example job of docs/write-your-own-job.md runs through the shared launcher and counts what
 * commons-csv counts.
 */
public class NoteWordsJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static Path repo() {
    Path p = Paths.get("").toAbsolutePath();
    return Files.exists(p.resolve("testdata")) ? p : p.getParent();
  }

  @Test
  public void countsTheWordsOfTheNoteColumn() throws Exception {
    Path input = repo().resolve("testdata/sample/sales.csv");
    Path out = tmp.getRoot().toPath().resolve("words");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int rc =
        Launcher.run(
            new NoteWordsJob(),
            new String[] {
              "--input=" + input,
              "--textColumn=note",
              "--output=" + out,
              "--targetParallelism=4",
              "--chunkBytes=64"
            },
            new PrintStream(stdout, true, StandardCharsets.UTF_8),
            new PrintStream(stderr, true, StandardCharsets.UTF_8));
    assertThat(stderr.toString(StandardCharsets.UTF_8), rc, is(0));

    // the same count, written another way: commons-csv, a regex split, a TreeMap in code point
    // order
    Map<String, Long> want =
        new TreeMap<>((a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
    try (Reader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      for (CSVRecord rec :
          CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(r)) {
        for (String w : rec.get("note").toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
          if (!w.isEmpty()) {
            want.merge(w, 1L, Long::sum);
          }
        }
      }
    }
    StringBuilder expected = new StringBuilder("word,count\n");
    want.forEach((w, n) -> expected.append(w).append(',').append(n).append('\n'));
    assertThat(want.size() > 3, is(true));
    assertThat(
        Files.readString(out.resolve("results.csv"), StandardCharsets.UTF_8),
        equalTo(expected.toString()));
    assertThat(stdout.toString(StandardCharsets.UTF_8), containsString("\"records_read\": 16"));
  }

  /**
   * docs/write-your-own-job.md shows this file's code (between its "README: begin" and "README:
   * end" lines) verbatim, as one whole ```java block.
   */
  @Test
  public void theWriteYourOwnJobPageShowsThisJob() throws Exception {
    String source =
        Files.readString(
            repo()
                .resolve(
                    "pipelines/src/test/java/dev/parabeam/pipelines/example/NoteWordsJob.java"),
            StandardCharsets.UTF_8);
    String shown =
        source.substring(
            source.indexOf("// README: begin\n") + "// README: begin\n".length(),
            source.indexOf("// README: end"));
    assertThat(shown.length() > 1000, is(true));
    assertThat(
        Files.readString(repo().resolve("docs/write-your-own-job.md"), StandardCharsets.UTF_8),
        containsString("\n```java\n" + shown + "```\n"));
  }
}
