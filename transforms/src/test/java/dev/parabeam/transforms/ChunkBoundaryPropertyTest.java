package dev.parabeam.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.chunks.TestChunks;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.CsvStates;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordOracle;
import dev.parabeam.transforms.csv.RecordOracle.Rec;
import dev.parabeam.transforms.csv.RecordReader;
import dev.parabeam.transforms.csv.RecordReaderAccess;
import dev.parabeam.transforms.csv.TestChannels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.Test;

/**
 * Cutting a file into chunks anywhere, counting each chunk, locating the chunks from the counts
 * (with {@link ChunkLocator#locate}, as the pipeline does) and reading each chunk's records gives
 * the same records as one reader over the whole file.
 */
public class ChunkBoundaryPropertyTest {
  private static final CsvDialect D = CsvDialect.RFC4180;
  private static final CsvStates STATES = CsvStates.of(D);
  private static final String[] PIECES = {
    "a", "b", ",", "\"", "\n", "\r\n", " ", "é", "1", "5\" x"
  };

  private static void write(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
  }

  private static String field(Random rnd) {
    StringBuilder v = new StringBuilder();
    for (int k = rnd.nextInt(4); k > 0; k--) {
      v.append(PIECES[rnd.nextInt(PIECES.length)]);
    }
    String s = v.toString();
    // a quote inside an unquoted field is a literal (an inch mark, O"Brien): sometimes left
    // unquoted
    boolean special =
        s.contains(",")
            || s.startsWith("\"")
            || s.contains("\n")
            || s.contains("\r")
            || (s.contains("\"") && rnd.nextBoolean());
    return special || rnd.nextInt(5) == 0 ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /** A random CSV file: header, then well-formed, malformed and blank lines. */
  static byte[] randomFile(Random rnd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (rnd.nextInt(4) == 0) {
      out.write(0xEF);
      out.write(0xBB);
      out.write(0xBF);
    }
    if (rnd.nextInt(4) == 0) {
      write(out, "\n\r\n");
    }
    write(out, rnd.nextBoolean() ? "k,\"v\"\n" : "\"k\n\",v\r\n");
    int records = rnd.nextInt(12);
    for (int r = 0; r < records; r++) {
      int kind = rnd.nextInt(10);
      if (kind == 0) {
        write(out, rnd.nextBoolean() ? "\n" : "\r\n");
        continue;
      }
      if (kind == 1) {
        byte[] junk = "a,\"\"\n\r".getBytes(StandardCharsets.UTF_8);
        for (int k = 1 + rnd.nextInt(8); k > 0; k--) {
          out.write(junk[rnd.nextInt(junk.length)]);
        }
      } else {
        write(out, field(rnd) + "," + field(rnd));
      }
      if (r < records - 1 || rnd.nextInt(3) > 0) {
        write(out, rnd.nextBoolean() ? "\n" : "\r\n");
      }
    }
    return out.toByteArray();
  }

  /** The records of one chunk, read exactly as ChunkedCsv.ParseChunkFn reads them. */
  static List<Rec> readChunk(byte[] data, CsvChunk c, int max, int buffer) {
    ReadableByteChannel ch = TestChannels.from(data, (int) c.start());
    RecordReader reader = newReader(ch, c.start(), c.startLine(), max, buffer);
    reader.skipToRecordStart(c.startState());
    RawRecord rec = new RawRecord();
    List<Rec> out = new ArrayList<>();
    while (reader.position() < c.end() && reader.next(rec)) {
      if (rec.fileOffset() >= c.end()) {
        break;
      }
      out.add(Rec.of(rec));
    }
    return out;
  }

  private static RecordReader newReader(
      ReadableByteChannel ch, long offset, long line, int max, int buffer) {
    return buffer == 0
        ? new RecordReader(ch, offset, line, D, max)
        : RecordReaderAccess.withBuffer(ch, offset, line, D, max, buffer);
  }

  @Test
  public void chunkedReadingEqualsOneReader() throws IOException {
    Random rnd = new Random(123456789L);
    int nonTrivial = 0;
    for (int iter = 0; iter < 600; iter++) {
      byte[] data = randomFile(rnd);
      CsvHeader header = CsvHeader.read(TestChannels.from(data, 0), D, 1 << 20);
      CsvFile file =
          new CsvFile(
              "mem.csv", data.length, header.dataStart(), header.dataStartLine(), header.columns());
      int max = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(6) : 1 << 20;

      // one reader over the whole data region, checked against the naive oracle
      RecordReader whole =
          new RecordReader(
              TestChannels.from(data, (int) file.dataStart()),
              file.dataStart(),
              file.dataStartLine(),
              D,
              max);
      RawRecord rec = new RawRecord();
      List<Rec> expected = new ArrayList<>();
      while (whole.next(rec)) {
        expected.add(Rec.of(rec));
      }
      assertThat(
          expected,
          equalTo(
              RecordOracle.records(
                  data, (int) file.dataStart(), file.dataStartLine(), max, (byte) '"')));

      // random cut points over the data region; sometimes every byte is a chunk
      long ds = file.dataStart();
      TreeSet<Long> cuts = new TreeSet<>();
      cuts.add(ds);
      cuts.add((long) data.length);
      if (data.length > ds) {
        if (iter % 5 == 0) {
          for (long p = ds; p <= data.length; p++) {
            cuts.add(p);
          }
        } else {
          for (int k = rnd.nextInt(10); k > 0; k--) {
            cuts.add(ds + rnd.nextInt((int) (data.length - ds) + 1));
          }
        }
      }
      List<Long> points = new ArrayList<>(cuts);
      List<CsvChunk> planned = new ArrayList<>();
      List<ChunkTransitions> counted = new ArrayList<>();
      for (int i = 0; i + 1 < points.size(); i++) {
        long s = points.get(i);
        long e = points.get(i + 1);
        CsvChunk c = TestChunks.chunk(file, i, s, e);
        ChunkTransitions bc =
            ChunkTransitions.scan(TestChannels.range(data, (int) s, (int) e), e - s, STATES);
        planned.add(c);
        counted.add(bc);
      }
      List<CsvChunk> located = ChunkLocator.locate(planned, counted);
      assertThat(located.size(), is(counted.size()));

      int buffer = new int[] {0, 1, 2, 3, 7}[rnd.nextInt(5)];
      List<Rec> got = new ArrayList<>();
      for (CsvChunk c : located) {
        assertThat(c.isLocated(), is(true));
        // the located state is the true state of the file at the chunk's first byte
        int state = CsvStates.RECORD_START;
        long line = 1;
        for (int i = 0; i < c.start(); i++) {
          if (i >= ds) {
            state = STATES.next(state, data[i]);
          }
          if (data[i] == '\n') {
            line++;
          }
        }
        assertThat(c.startState(), is(state));
        assertThat(c.startLine(), is(line));
        got.addAll(readChunk(data, c, max, buffer));
      }
      if (located.size() > 1 && !expected.isEmpty()) {
        nonTrivial++;
      }
      assertThat(
          "iteration "
              + iter
              + " cuts "
              + points
              + " in ["
              + new String(data, StandardCharsets.UTF_8)
              + "]",
          got,
          equalTo(expected));
    }
    assertThat("the generator makes multi-chunk files with records", nonTrivial > 300, is(true));
  }
}
