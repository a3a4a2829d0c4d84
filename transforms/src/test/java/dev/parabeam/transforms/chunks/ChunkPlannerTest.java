package dev.parabeam.transforms.chunks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hamcrest.Matchers;
import org.junit.Test;

public class ChunkPlannerTest {
  private static CsvFile file(String path, long size, long dataStart) {
    return new CsvFile(path, size, dataStart, 2, List.of("a", "b", "c"));
  }

  private static List<String> ranges(List<CsvChunk> chunks) {
    List<String> out = new ArrayList<>();
    for (CsvChunk c : chunks) {
      out.add(c.file().path() + "#" + c.index() + "[" + c.start() + "," + c.end() + ")");
    }
    return out;
  }

  @Test
  public void evenSplitOfOneFile() {
    // 32 data bytes in chunks of 10 -> 4 chunks of 8
    assertThat(
        ranges(ChunkPlanner.plan(List.of(file("f", 37, 5)), 10, 1)),
        contains("f#0[5,13)", "f#1[13,21)", "f#2[21,29)", "f#3[29,37)"));
  }

  @Test
  public void unevenDataIsSpreadWithoutASmallTail() {
    // 10 bytes in chunks of at most 3 -> 4 chunks of 2 or 3 bytes
    assertThat(
        ranges(ChunkPlanner.plan(List.of(file("f", 10, 0)), 3, 1)),
        contains("f#0[0,2)", "f#1[2,5)", "f#2[5,7)", "f#3[7,10)"));
  }

  @Test
  public void oneByteChunks() {
    assertThat(
        ranges(ChunkPlanner.plan(List.of(file("f", 7, 4)), 1, 1)),
        contains("f#0[4,5)", "f#1[5,6)", "f#2[6,7)"));
  }

  @Test
  public void filesWithoutDataGetNoChunksAndIndexesRestartPerFile() {
    List<CsvChunk> chunks =
        ChunkPlanner.plan(List.of(file("a", 6, 4), file("empty", 5, 5), file("b", 3, 1)), 1, 1);
    assertThat(ranges(chunks), contains("a#0[4,5)", "a#1[5,6)", "b#0[1,2)", "b#1[2,3)"));
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).isLocated(), is(false));
      assertThat("ordinals count the chunks of all files", chunks.get(i).ordinal(), is(i));
    }
    assertThat(ChunkPlanner.plan(List.of(file("e", 5, 5)), 0, 4), is(empty()));
    assertThat(ChunkPlanner.plan(List.of(), 0, 4), is(empty()));
  }

  @Test
  public void negativeChunkSizeIsRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> ChunkPlanner.plan(List.of(file("f", 9, 0)), -1, 1));
  }

  @Test
  public void automaticChunkSize() {
    assertThat(ChunkPlanner.autoChunkBytes(100, 4), is(25L));
    assertThat(ChunkPlanner.autoChunkBytes(10, 4), is(3L));
    assertThat(ChunkPlanner.autoChunkBytes(0, 4), is(1L));
    assertThat(ChunkPlanner.autoChunkBytes(100, 0), is(100L));
    assertThat(ChunkPlanner.autoChunkBytes(1L << 30, 4), is(64L << 20));
    // 2^30+1 bytes on 4 workers: 5 rounds of 4 chunks -> ceil((2^30+1)/20)
    assertThat(ChunkPlanner.autoChunkBytes((1L << 30) + 1, 4), is(53_687_092L));
    assertThat(ChunkPlanner.autoChunkBytes(10L << 30, 1), is((10L << 30) / 160));
    // automatic planning gives parallelism-many equal chunks of a small file
    assertThat(
        ranges(ChunkPlanner.plan(List.of(file("f", 100, 20)), 0, 4)),
        contains("f#0[20,40)", "f#1[40,60)", "f#2[60,80)", "f#3[80,100)"));
  }

  @Test
  public void randomPlansCoverEveryByteOnce() {
    Random rnd = new Random(11L);
    for (int iter = 0; iter < 300; iter++) {
      List<CsvFile> files = new ArrayList<>();
      for (int f = rnd.nextInt(4); f >= 0; f--) {
        long start = rnd.nextInt(50);
        files.add(file("f" + f, start + rnd.nextInt(5000), start));
      }
      long size = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(700);
      int parallelism = 1 + rnd.nextInt(8);
      List<CsvChunk> chunks = ChunkPlanner.plan(files, size, parallelism);
      long effective =
          size > 0
              ? size
              : ChunkPlanner.autoChunkBytes(
                  files.stream().mapToLong(f -> f.size() - f.dataStart()).sum(), parallelism);
      int k = 0;
      for (CsvFile f : files) {
        long data = f.size() - f.dataStart();
        long expectedCount = (data + effective - 1) / effective;
        long pos = f.dataStart();
        for (int i = 0; i < expectedCount; i++) {
          CsvChunk c = chunks.get(k++);
          assertThat(c.file(), is(f));
          assertThat(c.index(), is(i));
          assertThat(c.start(), is(pos));
          assertThat(c.length() >= 1, is(true));
          assertThat(c.length(), lessThanOrEqualTo(effective));
          pos = c.end();
        }
        assertThat(pos, is(data == 0 ? f.dataStart() : f.size()));
      }
      assertThat(k, is(chunks.size()));
      assertThat(ranges(chunks), everyItem(Matchers.startsWith("f")));
    }
  }

  /**
   * Units hold consecutive chunks in plan order, and each holds at most the target but for a big
   * chunk alone.
   */
  private static void assertWellPacked(List<CsvChunk> packed, long target) {
    long filled = 0;
    int unit = 0;
    int chunksInUnit = 0;
    for (int i = 0; i < packed.size(); i++) {
      CsvChunk c = packed.get(i);
      assertThat(c.ordinal(), is(i));
      assertThat("units are consecutive", c.unit() == unit || c.unit() == unit + 1, is(true));
      if (c.unit() != unit) {
        unit = c.unit();
        filled = 0;
        chunksInUnit = 0;
      }
      filled += c.length() + ChunkPlanner.OPEN_COST_BYTES;
      chunksInUnit++;
      assertThat(
          "unit " + unit + " holds " + filled, chunksInUnit == 1 || filled <= target, is(true));
    }
  }

  @Test
  public void thousandsOfSmallFilesPackIntoAFewUnits() {
    List<CsvFile> files = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      files.add(file(String.format("part-%05d.csv", i), 20_040, 40)); // 20,000 data bytes each
    }
    List<CsvChunk> packed = ChunkPlanner.planAndPack(files, 0, 4);
    assertThat(packed.size(), is(2000));
    int units = packed.get(packed.size() - 1).unit() + 1;
    assertThat("units " + units, units >= 4 && units <= 8, is(true));
    long total = 2000L * (20_000 + ChunkPlanner.OPEN_COST_BYTES);
    assertWellPacked(packed, ChunkPlanner.autoChunkBytes(total, 4));
  }

  @Test
  public void bigFilesAreStillSplitAndEachPieceIsAUnit() {
    List<CsvChunk> packed = ChunkPlanner.planAndPack(List.of(file("big", 400_000_040, 40)), 0, 4);
    assertThat(packed.size(), is(8)); // at most 64 MiB a chunk, a multiple of the parallelism
    for (CsvChunk c : packed) {
      assertThat(c.unit(), is(c.ordinal()));
    }
  }

  @Test
  public void packingMixesSmallFilesAndTheTailsOfBigOnes() {
    Random rnd = new Random(3);
    for (int iter = 0; iter < 200; iter++) {
      List<CsvFile> files = new ArrayList<>();
      for (int i = rnd.nextInt(30); i >= 0; i--) {
        long data = rnd.nextInt(4) == 0 ? rnd.nextInt(2_000_000) : rnd.nextInt(5_000);
        files.add(file("f" + i, data + 10, 10));
      }
      long chunkBytes = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(300_000);
      List<CsvChunk> plain = ChunkPlanner.plan(files, chunkBytes, 1 + rnd.nextInt(4));
      long target = 1 + rnd.nextInt(1_000_000);
      List<CsvChunk> packed = ChunkPlanner.pack(plain, target);
      assertThat(ranges(packed), is(ranges(plain)));
      assertWellPacked(packed, target);
    }
    assertThrows(IllegalArgumentException.class, () -> ChunkPlanner.pack(List.of(), 0));
  }

  @Test
  public void aTargetOfOneByteLeavesEveryChunkAUnitOfItsOwn() {
    List<CsvChunk> packed =
        ChunkPlanner.planAndPack(List.of(file("a", 30, 10), file("b", 30, 10)), 1, 2);
    for (CsvChunk c : packed) {
      assertThat(c.unit(), is(c.ordinal()));
    }
  }
}
