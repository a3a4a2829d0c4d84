package dev.parabeam.pipelines.analyze;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parabeam.pipelines.CapturedRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** What analyze reads: bytes that are not UTF-8, globs and directories, the dead-letter rules. */
public class AnalyzeInputTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String doc(String id, String text) {
    return JSON.createObjectNode().put("id", id).put("text", text).toString();
  }

  private Path out(String name) {
    return tmp.getRoot().toPath().resolve(name);
  }

  private static List<String> idsOf(Path results) throws IOException {
    List<String> ids = new ArrayList<>();
    for (String l : Files.readAllLines(results, StandardCharsets.UTF_8)) {
      ids.add(JSON.readTree(l).path("id").asText());
    }
    return ids;
  }

  @Test
  public void aLineThatIsNotUtf8IsADeadLetterAndTheRunGoesOn() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes((doc("a", "Paris was great.") + "\r\n").getBytes(StandardCharsets.UTF_8));
    // a line written in ISO-8859-1: é is the single byte 0xE9, which UTF-8 never has alone
    bytes.writeBytes(
        (doc("caf\u00e9", "Caf\u00e9 in Rome was slow.") + "\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    bytes.writeBytes((doc("b", "Oslo was fast.") + "\n").getBytes(StandardCharsets.UTF_8));
    Path in = tmp.getRoot().toPath().resolve("latin1.jsonl");
    Files.write(in, bytes.toByteArray());

    CapturedRun r =
        AnalyzeJobTest.run("--input=" + in, "--output=" + out("o"), "--latencyMillis=0");
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(idsOf(out("o").resolve("results.jsonl")), equalTo(List.of("a", "b")));
    List<String> dead = Files.readAllLines(out("o").resolve("dead-letters.jsonl"));
    assertThat(dead.size(), is(1));
    JsonNode d = JSON.readTree(dead.get(0));
    assertThat(d.path("file").asText(), equalTo(in.toString()));
    assertThat(d.path("line").asInt(), is(2));
    // {"id":"caf é: the 11th byte of the line
    assertThat(d.path("reason").asText(), equalTo("not UTF-8: byte 0xE9 at byte 11 of the line"));
    assertThat(d.path("record").asText(), startsWith("{\"id\":\"caf\uFFFD\""));
    assertThat(((Number) r.result().summary().get("input_lines")).longValue(), is(3L));
    assertThat(r.out(), containsString("dead letters: 1 input line in "));
  }

  @Test
  public void globsAndDirectoriesReadEveryFileTheyName() throws IOException {
    Path dir = tmp.newFolder("docs").toPath();
    Files.writeString(
        dir.resolve("b.jsonl"), doc("b1", "Berlin.") + "\n" + doc("b2", "Rome.") + "\n");
    Files.writeString(dir.resolve("a.jsonl"), doc("a1", "Oslo.") + "\n{not json\n");
    Files.writeString(dir.resolve("notes.txt"), doc("t1", "read from the directory only") + "\n");
    // hidden files and a subdirectory's files are not the directory's input
    Files.writeString(dir.resolve(".notes"), "not read\n");
    Files.writeString(dir.resolve("_SUCCESS"), "not read\n");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/c.jsonl"), doc("c1", "not read") + "\n");

    CapturedRun glob = AnalyzeJobTest.run("--input=" + dir + "/*.jsonl", "--output=" + out("glob"));
    assertThat(glob.err(), glob.result().exitCode(), is(0));
    assertThat(idsOf(out("glob").resolve("results.jsonl")), equalTo(List.of("a1", "b1", "b2")));
    assertThat(glob.result().summary().get("files"), equalTo(2));
    JsonNode dead = JSON.readTree(Files.readString(out("glob").resolve("dead-letters.jsonl")));
    assertThat(dead.path("file").asText(), equalTo(dir.resolve("a.jsonl").toString()));
    assertThat(dead.path("line").asInt(), is(2));

    CapturedRun whole = AnalyzeJobTest.run("--input=" + dir, "--output=" + out("dir"));
    assertThat(whole.err(), whole.result().exitCode(), is(0));
    assertThat(
        idsOf(out("dir").resolve("results.jsonl")), equalTo(List.of("a1", "b1", "b2", "t1")));
    assertThat(whole.result().summary().get("files"), equalTo(3));

    // one id in two files: misuse that names both places
    Files.writeString(dir.resolve("c.jsonl"), doc("b2", "again") + "\n");
    CapturedRun dup = AnalyzeJobTest.run("--input=" + dir + "/*.jsonl", "--output=" + out("dup"));
    assertThat(dup.result().exitCode(), is(2));
    assertThat(
        dup.err(),
        equalTo(
            "error: id 'b2' is on line 2 of "
                + dir.resolve("b.jsonl")
                + " and again on line 1 of "
                + dir.resolve("c.jsonl")
                + "; every document needs its own id\n"));
    assertThat(Files.exists(out("dup")), is(false));
  }

  @Test
  public void inputThatNamesNoFileIsMisuse() throws IOException {
    Path empty = tmp.newFolder("empty").toPath();
    Files.writeString(empty.resolve(".only-hidden"), "x\n");
    CapturedRun r = AnalyzeJobTest.run("--input=" + empty, "--output=" + out("never"));
    assertThat(r.result().exitCode(), is(2));
    assertThat(
        r.err(),
        equalTo(
            "error: --input="
                + empty
                + " is a directory without a file to read (files whose names start with . or _"
                + " do not count)\n"));
    CapturedRun none =
        AnalyzeJobTest.run("--input=" + empty + "/*.jsonl", "--output=" + out("never"));
    assertThat(none.result().exitCode(), is(2));
    assertThat(none.err(), equalTo("error: --input=" + empty + "/*.jsonl matches no file\n"));
    assertThat(Files.exists(out("never")), is(false));
  }

  @Test
  public void idsAreInTheOrderOfTheirUtf8Bytes() throws IOException {
    // U+FFFD sorts before U+1F600 by code point (UTF-8 bytes EF.. < F0..), after it by UTF-16
    // units (FFFD > D83D); U+E000 likewise
    List<String> ids = List.of("\uD83D\uDE00 smile", "\uFFFD mark", "\uE000 private", "z", "a");
    StringBuilder in = new StringBuilder();
    for (String id : ids) {
      in.append(doc(id, "Paris.")).append('\n');
    }
    Path file = tmp.getRoot().toPath().resolve("unicode.jsonl");
    Files.writeString(file, in, StandardCharsets.UTF_8);
    CapturedRun r =
        AnalyzeJobTest.run("--input=" + file, "--output=" + out("u"), "--latencyMillis=0");
    assertThat(r.err(), r.result().exitCode(), is(0));
    List<String> expected = new ArrayList<>(ids);
    expected.sort(
        (x, y) ->
            Arrays.compareUnsigned(
                x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
    assertThat(
        expected,
        equalTo(List.of("a", "z", "\uE000 private", "\uFFFD mark", "\uD83D\uDE00 smile")));
    List<String> utf16 = new ArrayList<>(ids);
    utf16.sort(null);
    assertThat("the two orders differ here", utf16.equals(expected), is(false));
    assertThat(idsOf(out("u").resolve("results.jsonl")), equalTo(expected));
  }

  @Test
  public void mostLinesDeadIsAWarningAndMoreThanTheLimitFailsTheRun() throws IOException {
    // a CSV file given to analyze: no line is a JSON document
    Path csv = tmp.getRoot().toPath().resolve("sales.csv");
    Files.writeString(csv, "region,amount\neast,1\nwest,2\n" + doc("ok", "Paris.") + "\n");
    CapturedRun r = AnalyzeJobTest.run("--input=" + csv, "--output=" + out("warned"));
    assertThat(r.err(), r.result().exitCode(), is(0));
    assertThat(
        r.err(),
        startsWith(
            "warning: 3 of 4 records (75%) are dead letters, 28 of 56 input bytes (50%); see "
                + out("warned").resolve("dead-letters.jsonl")));

    CapturedRun failed =
        AnalyzeJobTest.run(
            "--input=" + csv, "--output=" + out("failed"), "--maxDeadLetterFraction=0.5");
    assertThat(failed.result().exitCode(), is(1));
    assertThat(
        failed.err(),
        equalTo(
            "error: job failed: 3 of 4 records (75%) are dead letters, more than"
                + " --maxDeadLetterFraction=0.5 allows (at most 2); nothing was published\n"));
    assertThat(Files.exists(out("failed")), is(false));

    CapturedRun allowed =
        AnalyzeJobTest.run(
            "--input=" + csv, "--output=" + out("allowed"), "--maxDeadLetterFraction=0.75");
    assertThat(allowed.err(), allowed.result().exitCode(), is(0));

    CapturedRun misuse =
        AnalyzeJobTest.run(
            "--input=" + csv, "--output=" + out("never"), "--maxDeadLetterFraction=1.5");
    assertThat(misuse.result().exitCode(), is(2));
    assertThat(
        misuse.err(),
        equalTo("error: --maxDeadLetterFraction must be between 0 and 1 (0.01 = 1%), got 1.5\n"));
    assertThat(Files.exists(out("never")), is(false));
  }
}
