package dev.parabeam.transforms.chunks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvStates;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ChunkLocatorTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private CsvFile file(String name, String content, long dataStart) throws IOException {
    File f = tmp.newFile(name);
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    Files.write(f.toPath(), b);
    return new CsvFile(f.getAbsolutePath(), b.length, dataStart, 2, List.of("k", "v"));
  }

  /** A file cut short after planning is an error naming it and the chunk, not fewer records. */
  @Test
  public void aFileShorterThanPlannedIsAnError() throws IOException {
    CsvFile f = file("shrunk.csv", "k,v\na,1\nb,2\nc,3\nd,4\n", 4);
    List<CsvChunk> plan = ChunkPlanner.plan(List.of(f), 8, 1);
    FileChannel ch = FileChannel.open(Paths.get(f.path()), StandardOpenOption.WRITE);
    ch.truncate(18);
    ch.close();
    for (boolean balance : new boolean[] {false, true}) {
      IOException e =
          assertThrows(
              EOFException.class,
              () -> {
                if (balance) {
                  ChunkLocator.scanAndBalanceByLines(plan, CsvDialect.RFC4180);
                } else {
                  ChunkLocator.scanAndLocate(plan, CsvDialect.RFC4180);
                }
              });
      assertThat(
          e.getMessage(),
          containsString(
              f.path() + " ended at byte 18, before byte 20 where chunk 1 was planned to end"));
    }
  }

  /** The state at every chunk's first byte, counted the slow way from the file's bytes. */
  private static void assertTrueState(CsvChunk c, byte[] data) {
    CsvStates states = CsvStates.of(CsvDialect.RFC4180);
    int state = CsvStates.RECORD_START;
    long line = 2;
    for (long i = c.file().dataStart(); i < c.start(); i++) {
      state = states.next(state, data[(int) i]);
      line += data[(int) i] == '\n' ? 1 : 0;
    }
    assertThat(c + " located", c.isLocated(), is(true));
    assertThat(c + " state", c.startState(), is(state));
    assertThat(c + " line", c.startLine(), is(line));
  }

  @Test
  public void scanOnTheLauncherFindsTheTrueStateOfEveryChunkInPlanOrder() throws IOException {
    String a = "k,v\n\"x\ny\",1\n\"q\"\"q\",2\nz,3\nO\"Brien,\"4\n\"\n";
    String b = "k,v\nb,\"4\n\"\n\nc,5";
    List<CsvFile> files = List.of(file("a.csv", a, 4), file("b.csv", b, 4));
    for (long size = 1; size <= 12; size++) {
      List<CsvChunk> plan = ChunkPlanner.plan(files, size, 1);
      List<CsvChunk> shuffled = new ArrayList<>(plan);
      Collections.reverse(shuffled);
      List<CsvChunk> located = ChunkLocator.scanAndLocate(shuffled, CsvDialect.RFC4180);
      assertThat(located.size(), is(plan.size()));
      for (int i = 0; i < located.size(); i++) {
        CsvChunk c = located.get(i);
        assertThat("plan order", c.ordinal(), is(i));
        assertThat(c.start(), is(plan.get(i).start()));
        assertTrueState(
            c, (c.file().path().endsWith("a.csv") ? a : b).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  public void locateComposesTheSummariesInFileOrder() throws IOException {
    CsvFile f = file("c.csv", "k,v\n0123456789", 4);
    List<CsvChunk> chunks = ChunkPlanner.plan(List.of(f), 4, 1); // [4,7) [7,10) [10,14)
    // chunk 0 maps record start to quoted; chunk 1 maps quoted to unquoted; chunk 2 is not used
    List<CsvChunk> located =
        ChunkLocator.locate(
            chunks,
            List.of(
                new ChunkTransitions(new byte[] {3, 1, 2, 3, 4}, 2),
                new ChunkTransitions(new byte[] {0, 0, 0, 2, 0}, 0),
                new ChunkTransitions(new byte[] {4, 4, 4, 4, 4}, 5)));
    assertThat(located.get(0).startState(), is(CsvStates.RECORD_START));
    assertThat(located.get(0).startLine(), is(2L));
    assertThat(located.get(1).startState(), is(CsvStates.QUOTED));
    assertThat(located.get(1).startLine(), is(4L));
    assertThat(located.get(2).startState(), is(CsvStates.UNQUOTED));
    assertThat(located.get(2).startLine(), is(4L));
    assertThrows(IllegalArgumentException.class, () -> ChunkLocator.locate(chunks, List.of()));
  }

  @Test
  public void aPlanWithAHoleIsRefused() throws IOException {
    CsvFile f = file("d.csv", "k,v\n0123456789", 4);
    List<CsvChunk> chunks = new ArrayList<>(ChunkPlanner.plan(List.of(f), 4, 1));
    chunks.remove(1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ChunkLocator.scanAndLocate(chunks, CsvDialect.RFC4180));
    assertThat(e.getMessage(), containsString("not adjacent"));
  }

  /** Every byte of the data in exactly one chunk, in order, each with the file's true state. */
  private static void assertCoversAndLocated(List<CsvChunk> chunks, CsvFile f, byte[] data) {
    long at = f.dataStart();
    for (int i = 0; i < chunks.size(); i++) {
      CsvChunk c = chunks.get(i);
      assertThat(c.index(), is(i));
      assertThat(c.start(), is(at));
      assertTrueState(c, data);
      at = c.end();
    }
    assertThat(at, is(f.size()));
  }

  private static long lines(byte[] data, CsvChunk c) {
    long n = 0;
    for (long i = c.start(); i < c.end(); i++) {
      n += data[(int) i] == '\n' ? 1 : 0;
    }
    return n;
  }

  @Test
  public void balancingCutsAtLineEndsIntoEqualLineCountsWhereBytesWouldNotBe() throws IOException {
    // short lines first, long ones later (like growing ids): equal bytes are unequal lines
    StringBuilder sb = new StringBuilder("k,v\n");
    for (int i = 0; i < 1000; i++) {
      sb.append(i < 500 ? "a" : "\"b\nlonger key " + i + "\"").append(',').append(i).append('\n');
    }
    String text = sb.toString();
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    CsvFile f = file("e.csv", text, 4);
    List<CsvChunk> plan = ChunkPlanner.plan(List.of(f), 0, 4);
    assertThat(plan.size(), is(4));
    List<CsvChunk> byBytes = ChunkLocator.scanAndLocate(plan, CsvDialect.RFC4180);
    List<CsvChunk> byLines = ChunkLocator.scanAndBalanceByLines(plan, CsvDialect.RFC4180);
    assertCoversAndLocated(byLines, f, data);
    assertCoversAndLocated(byBytes, f, data);
    long total = 1500; // 500 short lines, 500 records of two lines
    for (int i = 0; i < 4; i++) {
      // cuts fall on record boundaries only, so a chunk may be one line off where records span two
      long n = lines(data, byLines.get(i));
      assertThat("chunk " + i + " lines " + n, Math.abs(n - total / 4) <= 1, is(true));
      assertThat(byLines.get(i).ordinal(), is(plan.get(i).ordinal()));
    }
    assertThat(
        "the byte plan is unbalanced here",
        lines(data, byBytes.get(0)) > total / 4 + 100,
        is(true));
  }

  @Test
  public void balancingKeepsTheIndexBoundedOnLongFiles() throws IOException {
    StringBuilder sb = new StringBuilder("k,v\n");
    for (int i = 0; i < 30_000; i++) {
      sb.append(i % 7 == 0 ? "\"x\"\"y\"" : "z").append(',').append(i).append('\n');
    }
    String text = sb.toString();
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    CsvFile f = file("long.csv", text, 4);
    List<CsvChunk> byLines =
        ChunkLocator.scanAndBalanceByLines(ChunkPlanner.plan(List.of(f), 0, 3), CsvDialect.RFC4180);
    assertCoversAndLocated(byLines, f, data);
    for (CsvChunk c : byLines) {
      // 4096 checkpoints at most: a cut lands within 30,000 / 2,048 lines of its target
      assertThat(Math.abs(lines(data, c) - 10_000) <= 30_000 / 2048 + 1, is(true));
    }
  }

  @Test
  public void fewerLinesThanChunksKeepsTheByteRanges() throws IOException {
    String text = "k,v\na,1\nb,2";
    CsvFile f = file("tiny.csv", text, 4);
    List<CsvChunk> plan = ChunkPlanner.plan(List.of(f), 1, 1);
    assertThat(
        ChunkLocator.scanAndBalanceByLines(plan, CsvDialect.RFC4180),
        is(ChunkLocator.scanAndLocate(plan, CsvDialect.RFC4180)));
  }
}
