package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every shell command that README.md and docs/*.md show runs as shown.
 *
 * <p>Each {@code ```bash} block in those pages is preceded by a marker comment: {@code <!-- test:
 * run -->} (optionally {@code <!-- test: run, creates PATH ... -->}) or {@code <!-- test: skip:
 * REASON -->}. This test runs every command of the {@code run} blocks and expects exit 0, the files
 * that the marker names and every {@code --output=PATH} of the block to exist afterwards. A block
 * without a marker, a skip without a reason, or a command-like line ({@code ./run.sh ...}, {@code
 * scripts/NAME.sh}, {@code mvn ...}) in any other kind of fenced block fails the test, so that no
 * command reaches the docs untested by accident.
 *
 * <p>Commands are not rewritten. Each page's commands run in order, with {@code bash -c}, in a
 * fresh directory made to look like a clone after its first build: every top-level entry of the
 * checkout is a symbolic link there, except {@code build/} (and {@code .git}, {@code build.log}),
 * so that the relative paths the docs use ({@code --output=build/out/x}, {@code ./run.sh}'s own
 * {@code build/sample-output}) write into the test's directory and never into the checkout. For
 * that reason a command run here must use relative paths. {@code run.sh} in that directory does not
 * rebuild the jar (its staleness check does not follow the links); the test runs after {@code
 * package}, so the jar is current.
 */
public class DocsCommandsIT {
  @ClassRule public static TemporaryFolder tmp = new TemporaryFolder();

  private static final Path REPO =
      Paths.get(System.getProperty("parabeam.repo", "..")).toAbsolutePath().normalize();

  /** Top-level entries of the checkout that the clone-like directory leaves out. */
  private static final Set<String> NOT_LINKED = Set.of("build", ".git", "build.log");

  private static final Pattern MARKER =
      Pattern.compile("<!-- test: (?:run(?:, creates (?<creates>.+?))?|skip: (?<reason>.*?)) -->");

  private static final Pattern COMMAND_LIKE =
      Pattern.compile("^(\\./run\\.sh(\\s|$)|scripts/\\S+\\.sh|mvn\\s)");
  private static final Pattern OUTPUT = Pattern.compile("--output=(?:'([^']+)'|(\\S+))");
  private static final Pattern ABSOLUTE_OPTION = Pattern.compile("--[\\w.]+=['\"]?/");
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern TABLE_COMMAND = Pattern.compile("^\\| `([a-z][a-z-]*)` \\|");
  private static final Pattern HELP_COMMAND = Pattern.compile("^  ([a-z][a-z-]*)\\s{2,}\\S");

  /** One command of a block: its first line in the page and its text, continuations included. */
  record Command(int line, String text) {}

  /** A fenced {@code bash} block, its marker (the line above it; null if none) and its commands. */
  record Block(Path page, int line, String marker, List<Command> commands) {
    String where() {
      return REPO.relativize(page) + ":" + line;
    }

    boolean run() {
      return marker != null && marker.startsWith("<!-- test: run");
    }
  }

  static List<Path> pages() throws IOException {
    return pages(REPO);
  }

  /** README.md and docs/*.md of the checkout {@code repo}. */
  static List<Path> pages(Path repo) throws IOException {
    List<Path> pages = new ArrayList<>(List.of(repo.resolve("README.md")));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  static List<String> lines(Path page) throws IOException {
    return Files.readAllLines(page, StandardCharsets.UTF_8);
  }

  /**
   * The {@code bash} blocks of a page; lines that look like commands elsewhere go to {@code bad}.
   */
  static List<Block> blocks(Path page, List<String> bad) throws IOException {
    List<String> lines = lines(page);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      // fences may be indented (a block inside a list item)
      if (!lines.get(i).strip().startsWith("```")) {
        continue;
      }
      String info = lines.get(i).strip().substring(3).strip();
      int open = i;
      int close = open + 1;
      while (close < lines.size() && !lines.get(close).strip().startsWith("```")) {
        close++;
      }
      if (info.equals("bash") || info.equals("sh") || info.equals("shell")) {
        int above = open - 1;
        while (above >= 0 && lines.get(above).isBlank()) {
          above--;
        }
        String marker =
            above >= 0 && MARKER.matcher(lines.get(above).strip()).matches()
                ? lines.get(above).strip()
                : null;
        blocks.add(
            new Block(page, open + 1, marker, commands(lines.subList(open + 1, close), open + 2)));
      } else if (!info.equals("java")) {
        for (int j = open + 1; j < close; j++) {
          String l = lines.get(j).strip();
          if (COMMAND_LIKE.matcher(l).find()) {
            bad.add(
                REPO.relativize(page)
                    + ":"
                    + (j + 1)
                    + ": a command outside a marked ```bash block: "
                    + l);
          }
        }
      }
      i = close;
    }
    return blocks;
  }

  /** The commands of a block's body: a line and its {@code \} continuations; no blank, no #. */
  static List<Command> commands(List<String> body, int firstLine) {
    List<Command> out = new ArrayList<>();
    for (int i = 0; i < body.size(); i++) {
      String l = body.get(i);
      if (l.isBlank() || l.strip().startsWith("#")) {
        continue;
      }
      int start = i;
      StringBuilder text = new StringBuilder(l);
      while (l.endsWith("\\") && i + 1 < body.size()) {
        l = body.get(++i);
        text.append('\n').append(l);
      }
      out.add(new Command(firstLine + start, text.toString()));
    }
    return out;
  }

  static List<Block> allBlocks(List<String> bad) throws IOException {
    List<Block> all = new ArrayList<>();
    for (Path page : pages()) {
      all.addAll(blocks(page, bad));
    }
    return all;
  }

  @Test
  public void everyBashBlockIsMarkedAndRunnableCommandsUseRelativePaths() throws IOException {
    List<String> bad = new ArrayList<>();
    List<Block> all = allBlocks(bad);
    for (Block b : all) {
      if (b.marker() == null) {
        bad.add(
            b.where() + ": a ```bash block without <!-- test: run --> or <!-- test: skip: ... -->");
        continue;
      }
      Matcher m = MARKER.matcher(b.marker());
      assertThat(m.matches(), is(true));
      if (m.group("reason") != null && m.group("reason").isBlank()) {
        bad.add(b.where() + ": a skipped block must say why");
      }
      if (b.run()) {
        for (Command c : b.commands()) {
          if (ABSOLUTE_OPTION.matcher(c.text()).find()) {
            bad.add(b.where() + ": a command that the test runs must use relative paths: " + c);
          }
        }
      }
    }
    assertThat(bad, empty());
    assertThat("some blocks are run", all.stream().anyMatch(Block::run), is(true));
  }

  @Test
  public void theCommandsShownRunAsShown() throws Exception {
    List<String> failures = new ArrayList<>();
    StringBuilder times = new StringBuilder();
    long t0 = System.nanoTime();
    for (Path page : pages()) {
      List<Block> run =
          blocks(page, new ArrayList<>()).stream().filter(Block::run).collect(Collectors.toList());
      if (run.isEmpty()) {
        continue;
      }
      Path clone = cloneAfterBuild(page.getFileName().toString().replace(".md", ""));
      for (Block b : run) {
        for (Command c : b.commands()) {
          long c0 = System.nanoTime();
          Result r = bash(clone, c.text());
          times.append(
              String.format(
                  Locale.ROOT,
                  "%6.1f s  %s:%d  %s%n",
                  (System.nanoTime() - c0) / 1e9,
                  REPO.relativize(page),
                  c.line(),
                  c.text().lines().findFirst().orElse("")));
          if (r.exit != 0) {
            failures.add(
                REPO.relativize(page)
                    + ":"
                    + c.line()
                    + ": exit "
                    + r.exit
                    + ": "
                    + c.text()
                    + "\n"
                    + tail(r.output));
          }
        }
        for (String expected : expectedFiles(b)) {
          if (!Files.exists(clone.resolve(expected))) {
            failures.add(b.where() + ": the block should have made " + expected);
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "DocsCommandsIT: commands from the docs, %.1f s in all:%n%s",
        (System.nanoTime() - t0) / 1e9,
        times);
    assertThat(String.join("\n\n", failures), failures, empty());
  }

  /** What a run block must leave behind: the marker's {@code creates} and every --output. */
  static Set<String> expectedFiles(Block b) {
    Set<String> files = new LinkedHashSet<>();
    Matcher m = MARKER.matcher(b.marker());
    if (m.matches() && m.group("creates") != null) {
      files.addAll(Arrays.asList(m.group("creates").strip().split("\\s+")));
    }
    for (Command c : b.commands()) {
      Matcher o = OUTPUT.matcher(c.text());
      while (o.find()) {
        files.add(o.group(1) != null ? o.group(1) : o.group(2));
      }
    }
    return files;
  }

  @Test
  public void theReadmeTableListsExactlyTheCommandsOfRunShHelpAndShowsTheHelpOfEach()
      throws Exception {
    Result help = bash(cloneAfterBuild("help"), "./run.sh --help");
    assertThat(help.output, help.exit, is(0));
    assertTheReadmeListsTheCommandsAndRunsTheHelpOfEach(REPO, help.output);
  }

  /**
   * In the checkout {@code repo}: README's table of commands lists exactly the commands of {@code
   * help} (the output of {@code run.sh --help}), and every command's --help runs in a run block of
   * README.md or docs/. WriteYourOwnJobIT checks a copy of the checkout with a new command in it.
   */
  static void assertTheReadmeListsTheCommandsAndRunsTheHelpOfEach(Path repo, String help)
      throws IOException {
    Set<String> commands = new TreeSet<>();
    for (String l : help.lines().collect(Collectors.toList())) {
      Matcher m = HELP_COMMAND.matcher(l);
      if (m.find()) {
        commands.add(m.group(1));
      }
    }
    assertThat(help, commands, not(empty()));

    Path readme = repo.resolve("README.md");
    Set<String> table = new TreeSet<>();
    for (String l : lines(readme)) {
      Matcher m = TABLE_COMMAND.matcher(l);
      if (m.find()) {
        table.add(m.group(1));
      }
    }
    assertThat("README's table of commands", table, equalTo(commands));

    List<String> inReadme =
        blocks(readme, new ArrayList<>()).stream()
            .filter(Block::run)
            .flatMap(b -> b.commands().stream())
            .map(c -> c.text().replaceFirst("\\s+#.*$", ""))
            .collect(Collectors.toList());
    assertThat(inReadme, hasItem("./run.sh --help"));
    // every command's --help runs somewhere in README or docs/ (one by one, or in a loop)
    List<String> tested = new ArrayList<>();
    for (Path page : pages(repo)) {
      blocks(page, new ArrayList<>()).stream()
          .filter(Block::run)
          .flatMap(b -> b.commands().stream())
          .map(Command::text)
          .forEach(tested::add);
    }
    for (String c : commands) {
      Pattern named = Pattern.compile("(^|\\s)" + Pattern.quote(c) + "(\\s|;|$)");
      assertThat(
          "the --help of " + c + " is run in README.md or docs/",
          tested.stream().anyMatch(t -> t.contains("--help") && named.matcher(t).find()),
          is(true));
    }
  }

  @Test
  public void theReadmeShowsTheTestCommandThatCiRuns() throws IOException {
    List<String> ci =
        Files.readAllLines(REPO.resolve(".ci/run"), StandardCharsets.UTF_8).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .collect(Collectors.toList());
    String last = ci.get(ci.size() - 1);
    assertThat(last, equalTo("mvn -B verify"));
    List<String> shown =
        allBlocks(new ArrayList<>()).stream()
            .filter(b -> b.page().getFileName().toString().equals("README.md"))
            .flatMap(b -> b.commands().stream())
            .map(Command::text)
            .collect(Collectors.toList());
    assertThat(shown, hasItem(last));
  }

  @Test
  public void everyRelativeLinkPointsToAFileAndEveryAnchorToAHeading() throws IOException {
    List<String> bad = new ArrayList<>();
    for (Path page : pages()) {
      List<String> lines = lines(page);
      boolean fenced = false;
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).strip().startsWith("```")) {
          fenced = !fenced;
        }
        if (fenced) {
          continue; // a link inside a code block is text (write-your-own-job.md shows README's)
        }
        Matcher m = LINK.matcher(lines.get(i));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-z]+:.*")) {
            continue; // http:, https:, mailto:
          }
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          Path p = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
          String where = REPO.relativize(page) + ":" + (i + 1) + ": " + target;
          if (!Files.exists(p)) {
            bad.add(where + ": no such file");
          } else if (hash >= 0 && !anchors(p).contains(target.substring(hash + 1))) {
            bad.add(where + ": no such heading in " + REPO.relativize(p));
          }
        }
      }
    }
    assertThat(bad, empty());
  }

  /** The anchors GitHub makes of a page's headings (outside fenced blocks). */
  static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new TreeSet<>();
    boolean fenced = false;
    for (String l : lines(page)) {
      if (l.strip().startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && l.startsWith("#")) {
        String text = l.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
        anchors.add(text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }

  private static Path cloneAfterBuild(String name) throws IOException {
    Path dir = tmp.newFolder(name).toPath();
    try (Stream<Path> s = Files.list(REPO)) {
      for (Path p : s.sorted().collect(Collectors.toList())) {
        if (!NOT_LINKED.contains(p.getFileName().toString())) {
          Files.createSymbolicLink(dir.resolve(p.getFileName()), p);
        }
      }
    }
    return dir;
  }

  private static final class Result {
    int exit;
    String output;
  }

  private static Result bash(Path dir, String command) throws Exception {
    Path out = Files.createTempFile(tmp.getRoot().toPath(), "cmd", ".out");
    Process p =
        new ProcessBuilder("bash", "-c", command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(command + ": did not finish in 300 s");
    }
    Result r = new Result();
    r.exit = p.exitValue();
    r.output = Files.readString(out, StandardCharsets.UTF_8);
    return r;
  }

  private static String tail(String s) {
    List<String> l = s.lines().collect(Collectors.toList());
    return String.join("\n", l.subList(Math.max(0, l.size() - 15), l.size()));
  }
}
