package dev.parabeam.transforms.chunks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.csv.CsvDialect;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.beam.sdk.io.Compression;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Compressed files: read through their decompressor, planned as one chunk, damage reported. */
public class CompressedInputTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final byte[] TEXT;

  static {
    StringBuilder sb = new StringBuilder("id,region,amount\n");
    for (int i = 0; i < 5000; i++) {
      sb.append(i).append(",r").append(i % 7).append(',').append(i * 3).append(".5\n");
    }
    TEXT = sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Writes {@code text} to {@code name} compressed with {@code c}, as Beam writes it. */
  static Path write(Path dir, String name, Compression c, byte[] text) throws IOException {
    Path p = dir.resolve(name);
    if (c == Compression.ZIP) { // Beam reads zip but does not write it
      try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
        z.putNextEntry(new ZipEntry("data.csv"));
        z.write(text);
        z.closeEntry();
      }
      return p;
    }
    try (OutputStream out =
        Channels.newOutputStream(
            c.writeCompressed(Channels.newChannel(Files.newOutputStream(p))))) {
      out.write(text);
    }
    return p;
  }

  private static byte[] readAll(ReadableByteChannel ch) throws IOException {
    try (InputStream in = Channels.newInputStream(ch)) {
      return in.readAllBytes();
    }
  }

  @Test
  public void everyCodecReadsBackTheText() throws IOException {
    Object[][] cases = {
      {"a.csv.gz", Compression.GZIP},
      {"a.csv.bz2", Compression.BZIP2},
      {"a.csv.zip", Compression.ZIP},
      {"a.csv.deflate", Compression.DEFLATE},
      {"a.csv.zst", Compression.ZSTD},
    };
    for (Object[] c : cases) {
      Path p = write(tmp.getRoot().toPath(), (String) c[0], (Compression) c[1], TEXT);
      assertThat((String) c[0], Compression.detect(p.toString()), is(c[1]));
      assertThat((String) c[0], Files.size(p) < TEXT.length, is(true));
      assertThat(
          (String) c[0],
          Arrays.equals(readAll(ChunkIO.openAt(p.toString(), (Compression) c[1], 0)), TEXT),
          is(true));
      // an offset counts bytes of the decompressed text
      byte[] tail = readAll(ChunkIO.openAt(p.toString(), (Compression) c[1], 17));
      assertThat(
          (String) c[0], Arrays.equals(tail, Arrays.copyOfRange(TEXT, 17, TEXT.length)), is(true));
    }
  }

  @Test
  public void aTruncatedGzipFileIsAnErrorNamingIt() throws IOException {
    Path whole = write(tmp.getRoot().toPath(), "whole.csv.gz", Compression.GZIP, TEXT);
    byte[] gz = Files.readAllBytes(whole);
    Path cut = tmp.getRoot().toPath().resolve("cut.csv.gz");
    Files.write(cut, Arrays.copyOf(gz, gz.length / 2));
    IOException e =
        assertThrows(
            IOException.class, () -> readAll(ChunkIO.openAt(cut.toString(), Compression.GZIP, 0)));
    assertThat(e.getMessage(), containsString(cut + " is corrupt or truncated"));
    // only its 8-byte trailer missing: still an error, not a shorter text
    Files.write(cut, Arrays.copyOf(gz, gz.length - 8));
    IOException trailer =
        assertThrows(
            IOException.class, () -> readAll(ChunkIO.openAt(cut.toString(), Compression.GZIP, 0)));
    assertThat(trailer.getMessage(), containsString("corrupt or truncated"));
  }

  @Test
  public void aCorruptBzip2FileIsAnErrorNamingIt() throws IOException {
    Path whole = write(tmp.getRoot().toPath(), "whole.csv.bz2", Compression.BZIP2, TEXT);
    byte[] bz = Files.readAllBytes(whole);
    for (int i = 100; i < 140; i++) {
      bz[i] ^= 0x5a;
    }
    Path bad = tmp.getRoot().toPath().resolve("bad.csv.bz2");
    Files.write(bad, bz);
    IOException e =
        assertThrows(
            IOException.class, () -> readAll(ChunkIO.openAt(bad.toString(), Compression.BZIP2, 0)));
    assertThat(e.getMessage(), containsString(bad + " is corrupt or truncated"));
  }

  @Test
  public void aCompressedFileIsOneChunkPackedWithTheOthers() {
    List<String> cols = List.of("id", "region", "amount");
    CsvFile gz = new CsvFile("/d/a.csv.gz", 1000, 17, 2, cols, Compression.GZIP);
    CsvFile plain = new CsvFile("/d/b.csv", 4017, 17, 2, cols);
    CsvFile gz2 = new CsvFile("/d/c.csv.gz", 1000, 17, 2, cols, Compression.GZIP);
    List<CsvChunk> plan = ChunkPlanner.plan(List.of(gz, plain, gz2), 1000, 1);
    assertThat(plan.size(), is(6)); // 1 + 4 + 1, whatever the chunk size
    assertThat(plan.get(0).toEnd(), is(true));
    assertThat(plan.get(0).start(), is(17L));
    assertThat(plan.get(0).weight(), is(1000L));
    assertThat(plan.get(1).toEnd(), is(false));
    assertThat(plan.get(5).toEnd(), is(true));
    // small compressed parts share units with other files; a big one is a unit of its own
    List<CsvChunk> packed =
        ChunkPlanner.pack(
            ChunkPlanner.plan(List.of(gz, gz2), 0, 1), 10L * ChunkPlanner.OPEN_COST_BYTES);
    assertThat(packed.get(0).unit(), equalTo(packed.get(1).unit()));
    CsvFile big = new CsvFile("/d/big.csv.gz", 1L << 30, 17, 2, cols, Compression.GZIP);
    List<CsvChunk> bigPlan = ChunkPlanner.planAndPack(List.of(big, gz), 0, 4);
    assertThat(bigPlan.size(), is(2));
    assertThat(bigPlan.get(0).unit() != bigPlan.get(1).unit(), is(true));
  }

  @Test
  public void theChunkCoderKeepsTheCompression() throws IOException {
    CsvFile gz = new CsvFile("/d/a.csv.gz", 1000, 17, 2, List.of("x"), Compression.BZIP2);
    CsvChunk c = ChunkPlanner.plan(List.of(gz), 0, 1).get(0).locate(0, 2);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CsvChunk.Coder.of().encode(c, out);
    CsvChunk back = CsvChunk.Coder.of().decode(new ByteArrayInputStream(out.toByteArray()));
    assertThat(back, equalTo(c));
    assertThat(back.file().compression(), is(Compression.BZIP2));
    assertThat(back.toEnd(), is(true));
  }

  @Test
  public void theLauncherScanLocatesACompressedFileWithoutReadingIt() throws IOException {
    CsvFile missing =
        new CsvFile(
            tmp.getRoot() + "/not-there.csv.gz", 1000, 17, 2, List.of("x"), Compression.GZIP);
    List<CsvChunk> located =
        ChunkLocator.scanAndBalanceByLines(
            ChunkPlanner.plan(List.of(missing), 0, 4), CsvDialect.RFC4180);
    assertThat(located.size(), is(1));
    assertThat(located.get(0).isLocated(), is(true));
    assertThat(located.get(0).startLine(), is(2L));
  }
}
