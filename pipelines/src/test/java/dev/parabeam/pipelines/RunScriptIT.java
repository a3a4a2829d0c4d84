package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The job as a user runs it: through {@code run.sh} and the shaded jar, each run its own JVM. Runs
 * after {@code package}, so run.sh finds the jar up to date and does not rebuild.
 */
public class RunScriptIT {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path REPO =
      Paths.get(System.getProperty("parabeam.repo", "..")).toAbsolutePath().normalize();

  private static final class Result {
    int exit;
    String out;
    String err;
  }

  private Result runSh(String... args) throws Exception {
    return runSh(REPO.resolve("run.sh"), Map.of(), args);
  }

  private Result runSh(Path script, Map<String, String> env, String... args) throws Exception {
    return finish(startSh(script, env, args), args);
  }

  private static final class Started {
    Process process;
    Path out;
    Path err;
  }

  private Started startSh(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
    cmd.addAll(Arrays.asList(args));
    Started s = new Started();
    s.out = tmp.newFile().toPath();
    s.err = tmp.newFile().toPath();
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(REPO.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(s.out.toFile())
            .redirectError(s.err.toFile());
    pb.environment().remove("JAVA_OPTS");
    pb.environment().putAll(env);
    s.process = pb.start();
    return s;
  }

  private static Result finish(Started s, String... args) throws Exception {
    if (!s.process.waitFor(300, TimeUnit.SECONDS)) {
      s.process.destroyForcibly().waitFor();
      throw new AssertionError("run.sh " + String.join(" ", args) + " did not finish");
    }
    Result r = new Result();
    r.exit = s.process.exitValue();
    r.out = Files.readString(s.out, StandardCharsets.UTF_8);
    r.err = Files.readString(s.err, StandardCharsets.UTF_8);
    return r;
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  public void noArgumentsRunsTheSampleAndSaysWhereTheOutputWent() throws Exception {
    Result r = runSh();
    assertThat(r.err, r.exit, is(0));
    Path out = REPO.resolve("build/sample-output");
    assertThat(r.out, containsString("output: " + out));
    assertThat(
        read(out.resolve("results.csv")),
        equalTo(read(REPO.resolve("testdata/expected/sample-results.csv"))));
    assertThat(read(out.resolve("summary.json")), containsString("\"records_read\": 16"));
  }

  @Test
  public void helpListsTheOptions() throws Exception {
    Result r = runSh("aggregate", "--help");
    assertThat(r.exit, is(0));
    for (String option :
        List.of(
            "--input",
            "--keyColumn",
            "--valueColumn",
            "--output",
            "--overwrite",
            "--maxRecordBytes",
            "--chunkBytes",
            "--work",
            "--workMicros",
            "--delimiter")) {
      assertThat(r.out, containsString(option));
    }
  }

  @Test
  public void jobsRunWithTheThroughputCollectorUnlessJavaOptsChoosesOne() throws Exception {
    Path out = Files.createTempDirectory(tmp.getRoot().toPath(), "out");
    Map<String, String> env = new java.util.HashMap<>(Map.of("PARABEAM_CDS", "off"));
    env.put("JAVA_OPTS", "-Xlog:gc:stderr");
    Result chosen = runSh(REPO.resolve("run.sh"), env, sampleArgs(out));
    assertThat(chosen.err, chosen.exit, is(0));
    assertThat(chosen.err, containsString("Using Parallel"));
    env.put("JAVA_OPTS", "-XX:+UseSerialGC -Xlog:gc:stderr");
    Result own = runSh(REPO.resolve("run.sh"), env, sampleArgs(out));
    assertThat(own.err, own.exit, is(0));
    assertThat(own.err, containsString("Using Serial"));
    assertThat(own.err, not(containsString("Using Parallel")));
  }

  /** The JVM's final TieredStopAtLevel in a run that printed its flags (-XX:+PrintFlagsFinal). */
  private static int tieredStopAtLevel(Result r) {
    Matcher m = Pattern.compile("TieredStopAtLevel\\s+= (\\d+)").matcher(r.out);
    assertThat(r.out, m.find(), is(true));
    return Integer.parseInt(m.group(1));
  }

  @Test
  public void jobsOnInputsUpToTheLimitRunWithC1AloneAndTheRestWithTheDefault() throws Exception {
    Path out = Files.createTempDirectory(tmp.getRoot().toPath(), "out");
    Map<String, String> env =
        new java.util.HashMap<>(Map.of("PARABEAM_CDS", "off", "JAVA_OPTS", "-XX:+PrintFlagsFinal"));
    String[] file = sampleArgs(out);
    Result small = runSh(REPO.resolve("run.sh"), env, file);
    assertThat(small.err, small.exit, is(0));
    assertThat(tieredStopAtLevel(small), is(1));
    String[] dir = file.clone();
    dir[1] = "--input=" + REPO.resolve("testdata/sample");
    Result directory = runSh(REPO.resolve("run.sh"), env, dir);
    assertThat(directory.err, directory.exit, is(0));
    assertThat(tieredStopAtLevel(directory), is(1));
    String[] glob = file.clone();
    glob[1] = "--input=" + REPO.resolve("testdata/sample") + "/*.csv";
    Result globbed = runSh(REPO.resolve("run.sh"), env, glob);
    assertThat(globbed.err, globbed.exit, is(0));
    assertThat(tieredStopAtLevel(globbed), is(1));
    // past the limit (the sample is 400-odd bytes), the JVM's default: C2 too
    env.put("PARABEAM_C1_MAX_INPUT_BYTES", "100");
    Result big = runSh(REPO.resolve("run.sh"), env, file);
    assertThat(big.err, big.exit, is(0));
    assertThat(tieredStopAtLevel(big), is(4));
    Result bigDir = runSh(REPO.resolve("run.sh"), env, dir);
    assertThat(tieredStopAtLevel(bigDir), is(4));
    env.remove("PARABEAM_C1_MAX_INPUT_BYTES");
    // on one worker only a small input (at most 1 MiB) gets C1 alone
    Path twoMb = tmp.getRoot().toPath().resolve("two-mb.csv");
    assertThat(runSh("generate", "--rows=50000", "--output=" + twoMb).exit, is(0));
    assertThat(Files.size(twoMb) > 1_048_576L, is(true));
    String[] medium = file.clone();
    medium[1] = "--input=" + twoMb;
    medium[2] = "--keyColumn=product";
    Result fourWorkers = runSh(REPO.resolve("run.sh"), env, medium);
    assertThat(fourWorkers.err, fourWorkers.exit, is(0));
    assertThat(tieredStopAtLevel(fourWorkers), is(1));
    List<String> oneWorker = new ArrayList<>(Arrays.asList(medium));
    oneWorker.add("--targetParallelism=1");
    Result one = runSh(REPO.resolve("run.sh"), env, oneWorker.toArray(new String[0]));
    assertThat(one.err, one.exit, is(0));
    assertThat(tieredStopAtLevel(one), is(4));
    Result oneSmall =
        runSh(
            REPO.resolve("run.sh"),
            env,
            List.of(file[0], file[1], file[2], file[3], file[4], file[5], "--targetParallelism=1")
                .toArray(new String[0]));
    assertThat(tieredStopAtLevel(oneSmall), is(1));
    // JAVA_OPTS that choose the compilers win
    env.put("JAVA_OPTS", "-XX:+PrintFlagsFinal -XX:TieredStopAtLevel=3");
    Result own = runSh(REPO.resolve("run.sh"), env, file);
    assertThat(own.err, own.exit, is(0));
    assertThat(tieredStopAtLevel(own), is(3));
  }

  @Test
  public void parabeamJarRunsThatJarWithoutBuilding() throws Exception {
    // a checkout of run.sh alone: no sources and no jar, so it could only run PARABEAM_JAR's
    Path root = tmp.newFolder("script-only").toPath();
    Files.copy(REPO.resolve("run.sh"), root.resolve("run.sh"));
    Path out = Files.createTempDirectory(tmp.getRoot().toPath(), "out");
    Path jar = REPO.resolve("pipelines/target/parabeam-pipelines-bundled.jar");
    Result r =
        runSh(root.resolve("run.sh"), Map.of("PARABEAM_JAR", jar.toString()), sampleArgs(out));
    assertSample(r, out);
    Result missing =
        runSh(
            root.resolve("run.sh"),
            Map.of("PARABEAM_JAR", root.resolve("nope.jar").toString()),
            sampleArgs(out));
    assertThat(missing.exit, is(2));
    assertThat(missing.err, startsWith("error: PARABEAM_JAR="));
    assertThat(missing.err, missing.err.strip().lines().count(), is(1L));
  }

  @Test
  public void misuseIsOneErrorLineWithoutStackTrace() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("never");
    Result r =
        runSh(
            "aggregate",
            "--input=testdata/sample/sales.csv",
            "--keyColumn=region",
            "--valueColumn=amount",
            "--output=" + out,
            "--parallelizm=4");
    assertThat(r.exit, is(2));
    assertThat(r.err, startsWith("error: "));
    assertThat(r.err, r.err.strip().lines().count(), is(1L));
    assertThat(r.err, not(containsString("\tat ")));
    assertThat(Files.exists(out), is(false));
    Result unknown = runSh("frobnicate");
    assertThat(unknown.exit, is(2));
    assertThat(unknown.err, startsWith("error: unknown command"));
  }

  @Test
  public void generatedDataGivesTheSameBytesAtParallelismOneAndFourAndMatchesThePlainJavaBaseline()
      throws Exception {
    Path data = tmp.getRoot().toPath().resolve("gen.csv");
    Path again = tmp.getRoot().toPath().resolve("gen-again.csv");
    assertThat(runSh("generate", "--rows=30000", "--output=" + data, "--seed=7").exit, is(0));
    assertThat(runSh("generate", "--rows=30000", "--output=" + again, "--seed=7").exit, is(0));
    assertThat(
        "same seed, same bytes",
        Arrays.equals(Files.readAllBytes(data), Files.readAllBytes(again)),
        is(true));
    assertThat(read(data), containsString("\"\n")); // quoted line breaks are in there

    List<String> results = new ArrayList<>();
    for (int p : new int[] {1, 4}) {
      Path out = tmp.getRoot().toPath().resolve("p" + p);
      Result r =
          runSh(
              "aggregate",
              "--input=" + data,
              "--keyColumn=product",
              "--valueColumn=amount",
              "--output=" + out,
              "--targetParallelism=" + p);
      assertThat(r.err, r.exit, is(0));
      results.add(read(out.resolve("results.csv")));
      assertThat(read(out.resolve("dead-letters.csv")), equalTo("file,line,reason,record\n"));
      assertThat(read(out.resolve("summary.json")), containsString("\"records_ok\": 30000"));
    }
    assertThat(results.get(1), equalTo(results.get(0)));
    Path baseline = tmp.getRoot().toPath().resolve("baseline.csv");
    Result b =
        runSh(
            "baseline",
            "--input=" + data,
            "--keyColumn=product",
            "--valueColumn=amount",
            "--threads=1",
            "--output=" + baseline);
    assertThat(b.err, b.exit, is(0));
    assertThat("commons-csv + HashMap agrees", results.get(0), equalTo(read(baseline)));
  }

  // --- class-data sharing: run.sh's archive of the jar's classes -----------------------------

  /** A line of -Xlog:class+load for a class the JVM took from run.sh's archive. */
  private static final String FROM_ARCHIVE = "source: shared objects file";

  private static final Pattern ARCHIVE = Pattern.compile("\\d+-\\d+-(\\d+)\\.jsa");

  /**
   * A checkout of its own for run.sh: the script and a copy of the bundled jar (which a test may
   * then change), the sources' place empty so that run.sh never builds.
   */
  private Path checkoutWithJarCopy() throws IOException {
    Path root = tmp.newFolder("checkout").toPath();
    Files.copy(REPO.resolve("run.sh"), root.resolve("run.sh"));
    Files.createDirectories(root.resolve("transforms"));
    Path target = Files.createDirectories(root.resolve("pipelines/target"));
    Path jar = target.resolve("parabeam-pipelines-bundled.jar");
    Files.copy(REPO.resolve("pipelines/target/parabeam-pipelines-bundled.jar"), jar);
    Files.writeString(root.resolve("pom.xml"), "");
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    Files.setLastModifiedTime(root.resolve("pom.xml"), old);
    Files.setLastModifiedTime(root.resolve("run.sh"), old);
    return root;
  }

  private Result sample(Path checkout, Path cds, Path classLog) throws Exception {
    Path out = Files.createTempDirectory(tmp.getRoot().toPath(), "out");
    Map<String, String> env = new java.util.HashMap<>(Map.of("PARABEAM_CDS_DIR", cds.toString()));
    if (classLog != null) {
      env.put("JAVA_OPTS", classLogOption(classLog));
    }
    Result r = runSh(checkout.resolve("run.sh"), env, sampleArgs(out));
    assertSample(r, out);
    return r;
  }

  private static String[] sampleArgs(Path out) {
    return new String[] {
      "aggregate",
      "--input=" + REPO.resolve("testdata/sample/sales.csv"),
      "--keyColumn=region",
      "--valueColumn=amount",
      "--output=" + out,
      "--overwrite=true"
    };
  }

  private static void assertSample(Result r, Path out) throws IOException {
    assertThat(r.err, r.exit, is(0));
    assertThat("nothing from the JVM about the archive", r.err, equalTo(""));
    assertThat(r.out, not(containsString("[warning]")));
    assertThat(
        read(out.resolve("results.csv")),
        equalTo(read(REPO.resolve("testdata/expected/sample-results.csv"))));
  }

  /**
   * The archives in {@code cds}, each checked to be complete (the size its name ends with), once
   * the training run.sh started in the background has ended.
   */
  private static List<Path> archives(Path cds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      try (Stream<Path> s = Files.list(cds)) {
        if (s.noneMatch(p -> p.getFileName().toString().endsWith(".training"))) {
          break;
        }
      }
      assertThat("the training ended within 180 s", System.nanoTime() < deadline, is(true));
      Thread.sleep(200);
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(cds)) {
      for (Path p : (Iterable<Path>) s.sorted()::iterator) {
        Matcher m = ARCHIVE.matcher(p.getFileName().toString());
        assertThat(
            "only archives, no temporary files: "
                + p
                + (p.toString().endsWith(".failed") ? "\n" + read(p) : ""),
            m.matches(),
            is(true));
        assertThat(Files.size(p), equalTo(Long.parseLong(m.group(1))));
        out.add(p);
      }
    }
    return out;
  }

  /**
   * -Xlog:class+load into {@code dir}, a file per JVM (%p: its pid), since run.sh may start a
   * second JVM (to try a new archive) after the job's.
   */
  private static String classLogOption(Path dir) throws IOException {
    clearDir(dir);
    return "-Xlog:class+load=info:file=" + dir.resolve("classes-%p.log");
  }

  /**
   * Whether the job's JVM (the one that loaded the launcher) took the launcher's class from the
   * archive (the JDK's own default archive serves only the JDK's classes).
   */
  private static boolean usedTheArchive(Path dir) throws IOException {
    List<String> jobLogs = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String log = read(p);
        if (log.contains("dev.parabeam.pipelines.launcher.Launcher ")) {
          jobLogs.add(log);
        }
      }
    }
    assertThat("one job JVM logged its classes in " + dir, jobLogs.size(), is(1));
    return jobLogs
        .get(0)
        .lines()
        .anyMatch(
            l ->
                l.contains("dev.parabeam.pipelines.launcher.Launcher ")
                    && l.contains(FROM_ARCHIVE));
  }

  /** Empties (or makes) a directory of class-load logs. */
  private static void clearDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.delete(p);
      }
    }
  }

  @Test
  public void archiveIsWrittenByTheFirstJobRunReusedAndRebuiltWhenTheJarChanges() throws Exception {
    Path checkout = checkoutWithJarCopy();
    Path cds = tmp.getRoot().toPath().resolve("cds");
    Path log = tmp.getRoot().toPath().resolve("class-logs");

    Result help =
        runSh(
            checkout.resolve("run.sh"),
            Map.of("PARABEAM_CDS_DIR", cds.toString()),
            "aggregate",
            "--help");
    assertThat(help.exit, is(0));
    assertThat("--help writes no archive", Files.exists(cds), is(false));

    sample(checkout, cds, null);
    List<Path> first = archives(cds);
    assertThat(first.size(), is(1));
    Object firstKey = Files.readAttributes(first.get(0), BasicFileAttributes.class).fileKey();

    sample(checkout, cds, log);
    assertThat("the second run maps the archive", usedTheArchive(log), is(true));
    assertThat(archives(cds), equalTo(first));
    assertThat(
        "the same file, not rewritten",
        Files.readAttributes(first.get(0), BasicFileAttributes.class).fileKey(),
        equalTo(firstKey));

    // a rebuilt jar (another modification time): the old archive goes, a new one is written
    Path jar = checkout.resolve("pipelines/target/parabeam-pipelines-bundled.jar");
    Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    sample(checkout, cds, log);
    List<Path> rebuilt = archives(cds);
    assertThat(rebuilt.size(), is(1));
    assertThat(rebuilt.get(0).getFileName(), not(equalTo(first.get(0).getFileName())));
    sample(checkout, cds, log);
    assertThat("the new archive is used", usedTheArchive(log), is(true));
    assertThat(archives(cds), equalTo(rebuilt));

    Result off =
        runSh(
            checkout.resolve("run.sh"),
            Map.of(
                "PARABEAM_CDS_DIR",
                cds.toString(),
                "PARABEAM_CDS",
                "off",
                "JAVA_OPTS",
                classLogOption(log)),
            sampleArgs(tmp.newFolder("off").toPath()));
    assertThat(off.err, off.exit, is(0));
    assertThat("PARABEAM_CDS=off", usedTheArchive(log), is(false));
  }

  @Test
  public void anUnusableArchiveIsIgnoredOrRebuiltNeverFatal() throws Exception {
    Path checkout = checkoutWithJarCopy();
    Path cds = tmp.getRoot().toPath().resolve("cds");
    Path log = tmp.getRoot().toPath().resolve("class-logs");
    sample(checkout, cds, null);
    Path archive = archives(cds).get(0);
    long size = Files.size(archive);

    // truncated (as by a full disk): JDK 17 crashes on such a file, so run.sh must not pass it on
    archive.toFile().setWritable(true);
    try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.WRITE)) {
      ch.truncate(size / 2);
    }
    sample(checkout, cds, log);
    assertThat("not mapped", usedTheArchive(log), is(false));
    List<Path> again = archives(cds);
    assertThat("written anew", again.size(), is(1));
    sample(checkout, cds, log);
    assertThat(usedTheArchive(log), is(true));

    // overwritten with other bytes of the same size: the JVM refuses it, the run goes on
    Path same = again.get(0);
    same.toFile().setWritable(true);
    byte[] junk = new byte[(int) Files.size(same)];
    new Random(1).nextBytes(junk);
    Files.write(same, junk);
    sample(checkout, cds, log);
    assertThat("not mapped", usedTheArchive(log), is(false));
  }

  @Test
  public void twoFirstRunsAtOnceLeaveOneGoodArchive() throws Exception {
    Path checkout = checkoutWithJarCopy();
    Path cds = tmp.getRoot().toPath().resolve("cds");
    Map<String, String> env = Map.of("PARABEAM_CDS_DIR", cds.toString());
    Path out1 = tmp.newFolder("one").toPath();
    Path out2 = tmp.newFolder("two").toPath();
    Started a = startSh(checkout.resolve("run.sh"), env, sampleArgs(out1));
    Started b = startSh(checkout.resolve("run.sh"), env, sampleArgs(out2));
    assertSample(finish(a), out1);
    assertSample(finish(b), out2);
    List<Path> found = archives(cds);
    assertThat("one training, one complete archive, nothing half-written", found.size(), is(1));
    Path log = tmp.getRoot().toPath().resolve("class-logs");
    sample(checkout, cds, log);
    assertThat(usedTheArchive(log), is(true));
  }
}
