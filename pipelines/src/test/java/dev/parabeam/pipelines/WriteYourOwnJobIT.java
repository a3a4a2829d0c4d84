package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * docs/write-your-own-job.md, step by step, in a copy of the checkout: the page's blocks are the
 * only source of the new job, so the page and this test cannot drift apart.
 *
 * <p>Each fenced block of the page preceded by {@code <!-- file: PATH -->} is a new file at PATH;
 * one preceded by {@code <!-- into: PATH, after the line: TEXT -->} is inserted into PATH after the
 * one line that starts with TEXT (indented as that line). A {@code <!-- test: ... -->} line of
 * DocsCommandsIT may stand between the marker and the block. Every {@code ```java} block of the
 * page must carry one of these markers: no code on the page goes untested.
 *
 * <p>The copy holds the checkout's files as git lists them (tracked and untracked, not ignored: no
 * {@code target/}); in a checkout where a user took the page's steps already, the page's files
 * replace theirs and the lines it adds are not added twice. Then, as the page's steps 6 and 7 say,
 * one Maven run in the copy formats the code ({@code spotless:apply}), compiles both modules and
 * runs the page's tests; the test checks that the formatter left the page's new files as printed,
 * runs every {@code ./run.sh} command of the page through the copy's built classes (the shaded jar
 * would cost a minute more and proves nothing more here), and checks README's table and --help
 * lines as DocsCommandsIT does.
 */
public class WriteYourOwnJobIT {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path REPO =
      Paths.get(System.getProperty("parabeam.repo", "..")).toAbsolutePath().normalize();
  private static final Path PAGE = REPO.resolve("docs/write-your-own-job.md");

  private static final Pattern FILE = Pattern.compile("<!-- file: (\\S+) -->");
  private static final Pattern INTO =
      Pattern.compile("<!-- into: (\\S+), after the line: (.+) -->");
  private static final Set<String> NOT_COPIED = Set.of(".git", "target", "build", ".idea");

  /** A fenced block of the page: its first line, its marker (null if none), its info and body. */
  record Block(int line, String marker, String info, List<String> body) {
    String text() {
      return body.stream().map(l -> l + "\n").collect(Collectors.joining());
    }
  }

  static List<Block> blocks(List<String> lines) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith("```")) {
        continue;
      }
      int open = i;
      int close = open + 1;
      while (close < lines.size() && !lines.get(close).startsWith("```")) {
        close++;
      }
      String marker = null;
      for (int above = open - 1; above >= 0; above--) {
        String l = lines.get(above).strip();
        if (l.isEmpty() || l.startsWith("<!-- test:")) {
          continue;
        }
        marker = FILE.matcher(l).matches() || INTO.matcher(l).matches() ? l : null;
        break;
      }
      blocks.add(
          new Block(
              open + 1,
              marker,
              lines.get(open).substring(3).strip(),
              List.copyOf(lines.subList(open + 1, close))));
      i = close;
    }
    return blocks;
  }

  @Test
  public void thePageTakesANewJobToARegisteredTestedFormattedCommand() throws Exception {
    long t0 = System.nanoTime();
    List<String> pageLines = Files.readAllLines(PAGE, StandardCharsets.UTF_8);
    List<Block> blocks = blocks(pageLines);
    for (Block b : blocks) {
      if (b.info().equals("java")) {
        assertThat(
            "docs/write-your-own-job.md:" + b.line() + ": a java block without a file/into marker",
            b.marker() != null,
            is(true));
      }
    }

    Path copy = tmp.newFolder("checkout").toPath();
    copyCheckout(copy);
    long copied = System.nanoTime();

    List<String> newFiles = new ArrayList<>();
    List<String> edited = new ArrayList<>();
    for (Block b : blocks) {
      if (b.marker() == null) {
        continue;
      }
      Matcher file = FILE.matcher(b.marker());
      if (file.matches()) {
        Path target = copy.resolve(file.group(1));
        Files.createDirectories(target.getParent()); // replaces the file of a checkout that has it
        Files.writeString(target, b.text(), StandardCharsets.UTF_8);
        newFiles.add(file.group(1));
      } else {
        Matcher into = INTO.matcher(b.marker());
        assertThat(into.matches(), is(true));
        insertAfter(copy.resolve(into.group(1)), into.group(2), b.body(), b.marker());
        edited.add(into.group(1));
      }
    }
    // the steps of the page, as the issue asks for them
    assertThat(
        newFiles,
        hasItem("pipelines/src/main/java/dev/parabeam/pipelines/notewords/NoteWordsJob.java"));
    assertThat(
        newFiles,
        hasItem("pipelines/src/test/java/dev/parabeam/pipelines/notewords/NoteWordsJobTest.java"));
    assertThat(edited, hasItem("pipelines/src/main/java/dev/parabeam/pipelines/Main.java"));
    assertThat(edited, hasItem("README.md"));
    List<String> tests =
        newFiles.stream()
            .filter(f -> f.startsWith("pipelines/src/test/java/") && f.endsWith("Test.java"))
            .map(f -> f.substring(f.lastIndexOf('/') + 1, f.length() - ".java".length()))
            .collect(Collectors.toList());

    // steps 6 and 7: format, compile, run the page's tests; and the classpath to run the command
    List<String> mvn =
        new ArrayList<>(
            List.of(
                mvn(),
                "-B",
                "-o",
                "-Dstyle.color=never",
                "-pl",
                "pipelines",
                "-am",
                "spotless:apply",
                "test",
                "dependency:build-classpath",
                "-Dmdep.outputFile=target/classpath.txt",
                "-Dmdep.includeScope=runtime",
                "-Dtest=" + String.join(",", tests),
                "-Dsurefire.failIfNoSpecifiedTests=false"));
    String localRepository = System.getProperty("parabeam.localRepository", "");
    if (!localRepository.isEmpty() && !localRepository.contains("${")) {
      mvn.add("-Dmaven.repo.local=" + localRepository);
    }
    Result build = exec(copy, mvn, 900);
    assertThat(tail(build.output, 60), build.exit, is(0));
    long built = System.nanoTime();
    for (String test : tests) {
      Path report =
          copy.resolve(
              "pipelines/target/surefire-reports/TEST-"
                  + packageOf(copy, test)
                  + "."
                  + test
                  + ".xml");
      assertThat(test + " ran", Files.exists(report), is(true));
      Matcher ran =
          Pattern.compile("tests=\"(\\d+)\"")
              .matcher(Files.readString(report, StandardCharsets.UTF_8));
      assertThat(ran.find(), is(true));
      assertThat(test + ": tests run", Integer.parseInt(ran.group(1)), greaterThan(0));
    }

    // the page shows its code formatted: the formatter changed none of the new files
    for (Block b : blocks) {
      Matcher file = b.marker() == null ? null : FILE.matcher(b.marker());
      if (file != null && file.matches()) {
        assertThat(
            file.group(1) + " as formatted by spotless:apply",
            Files.readString(copy.resolve(file.group(1)), StandardCharsets.UTF_8),
            equalTo(b.text()));
      }
    }

    // every ./run.sh command of the page, through the copy's built classes
    String classpath =
        String.join(
            File.pathSeparator,
            copy.resolve("pipelines/target/classes").toString(),
            copy.resolve("transforms/target/classes").toString(),
            Files.readString(copy.resolve("pipelines/target/classpath.txt")).strip());
    List<String> runShLines =
        blocks.stream()
            .filter(b -> b.info().equals("bash"))
            .flatMap(b -> b.body().stream())
            .map(String::strip)
            .filter(l -> l.startsWith("./run.sh "))
            .collect(Collectors.toList());
    assertThat(runShLines, hasItem("./run.sh notewords --help"));
    for (String line : runShLines) {
      List<String> command = new ArrayList<>(List.of(javaBin(), "-cp", classpath));
      command.add("dev.parabeam.pipelines.Main");
      command.addAll(Arrays.asList(line.substring("./run.sh ".length()).strip().split("\\s+")));
      Result r = exec(copy, command, 300);
      assertThat(line + "\n" + tail(r.output, 30), r.exit, is(0));
      if (line.endsWith("--help")) {
        assertThat(r.output, containsString("usage: run.sh notewords --input="));
        assertThat(r.output, containsString("--minLength=N"));
      }
      Matcher out = Pattern.compile("--output=(\\S+)").matcher(line);
      if (out.find()) {
        assertThat(
            Files.readString(copy.resolve(out.group(1)).resolve("results.csv")),
            startsWith("word,count,amount\n"));
      }
    }

    // README: the table row and the --help line (what DocsCommandsIT checks in the checkout)
    Result help =
        exec(
            copy,
            List.of(javaBin(), "-cp", classpath, "dev.parabeam.pipelines.Main", "--help"),
            120);
    assertThat(help.output, help.exit, is(0));
    assertThat(help.output, containsString("  notewords "));
    DocsCommandsIT.assertTheReadmeListsTheCommandsAndRunsTheHelpOfEach(copy, help.output);

    long done = System.nanoTime();
    System.out.printf(
        Locale.ROOT,
        "WriteYourOwnJobIT: copy %.1f s, maven (format, compile, %s) %.1f s, commands %.1f s%n",
        (copied - t0) / 1e9,
        String.join(", ", tests),
        (built - copied) / 1e9,
        (done - built) / 1e9);
  }

  /** The checkout's files as git lists them (tracked or untracked, not ignored), else a walk. */
  private static void copyCheckout(Path copy) throws Exception {
    List<String> files = new ArrayList<>();
    Result ls =
        exec(
            REPO,
            List.of("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
            120);
    if (ls.exit == 0) {
      for (String f : ls.output.split("\0")) {
        if (!f.isEmpty() && Files.isRegularFile(REPO.resolve(f))) {
          files.add(f);
        }
      }
    } else {
      Files.walkFileTree(
          REPO,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return NOT_COPIED.contains(dir.getFileName().toString())
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
              files.add(REPO.relativize(f).toString());
              return FileVisitResult.CONTINUE;
            }
          });
    }
    assertThat("files of the checkout", files, hasItem("pom.xml"));
    for (String f : files) {
      Path target = copy.resolve(f);
      Files.createDirectories(target.getParent());
      Files.copy(REPO.resolve(f), target, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  /**
   * Inserts {@code lines} after the one line of {@code file} that starts with {@code anchor},
   * unless the file has every one of them already (a checkout where a user took the page's steps).
   */
  private static void insertAfter(Path file, String anchor, List<String> lines, String marker)
      throws IOException {
    List<String> content = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    Set<String> present = content.stream().map(String::strip).collect(Collectors.toSet());
    if (lines.stream().map(String::strip).allMatch(present::contains)) {
      return;
    }
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < content.size(); i++) {
      if (content.get(i).strip().startsWith(anchor)) {
        at.add(i);
      }
    }
    assertThat(marker + ": lines that start with the anchor", at.size(), is(1));
    String line = content.get(at.get(0));
    String indent = line.substring(0, line.length() - line.stripLeading().length());
    content.addAll(at.get(0) + 1, lines.stream().map(l -> indent + l).collect(Collectors.toList()));
    Files.write(file, content, StandardCharsets.UTF_8);
  }

  private static String packageOf(Path copy, String testClass) throws IOException {
    try (var s = Files.walk(copy.resolve("pipelines/src/test/java"))) {
      List<Path> found =
          s.filter(p -> p.getFileName().toString().equals(testClass + ".java"))
              .collect(Collectors.toList());
      assertThat(testClass + ".java", found.size(), is(1));
      return copy.resolve("pipelines/src/test/java")
          .relativize(found.get(0).getParent())
          .toString()
          .replace(File.separatorChar, '.');
    }
  }

  /** The Maven that runs this test (failsafe passes its home), else the one on the PATH. */
  private static String mvn() {
    String home = System.getProperty("parabeam.mavenHome", "");
    Path bin = Paths.get(home, "bin", "mvn");
    return !home.isEmpty() && !home.contains("${") && Files.isExecutable(bin)
        ? bin.toString()
        : "mvn";
  }

  private static String javaBin() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static final class Result {
    int exit;
    String output;
  }

  private static Result exec(Path dir, List<String> command, int timeoutSeconds) throws Exception {
    File out = File.createTempFile("cmd", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(out)
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(
            String.join(" ", command) + ": did not finish in " + timeoutSeconds + " s");
      }
      Result r = new Result();
      r.exit = p.exitValue();
      r.output = Files.readString(out.toPath(), StandardCharsets.UTF_8);
      return r;
    } finally {
      Files.deleteIfExists(out.toPath());
    }
  }

  private static String tail(String s, int n) {
    List<String> l = s.lines().collect(Collectors.toList());
    return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
  }

  @Test
  public void blocksAreReadWithTheirMarkers() {
    List<Block> b =
        blocks(
            List.of(
                "<!-- file: a/B.java -->",
                "```java",
                "class B {}",
                "```",
                "<!-- into: README.md, after the line: | x | -->",
                "<!-- test: skip: why -->",
                "```bash",
                "./run.sh x --help",
                "```",
                "```java",
                "unmarked",
                "```"));
    assertThat(b.size(), is(3));
    assertThat(b.get(0).marker(), equalTo("<!-- file: a/B.java -->"));
    assertThat(b.get(0).text(), equalTo("class B {}\n"));
    assertThat(b.get(1).marker(), startsWith("<!-- into: README.md"));
    assertThat(b.get(1).info(), equalTo("bash"));
    assertThat(b.get(2).marker(), equalTo(null));
  }
}
