package dev.parabeam.transforms.csv;

import static dev.parabeam.transforms.csv.TestChannels.bytes;
import static dev.parabeam.transforms.csv.TestChannels.concat;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import dev.parabeam.transforms.csv.RecordOracle.Rec;
import java.lang.reflect.Field;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.Test;

public class RecordReaderTest {
  /** Buffer sizes to run every case with: tiny ones make records span refills. */
  private static final int[] BUFFERS = {1, 2, 3, 7, RecordReader.DEFAULT_BUFFER_BYTES};

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<Rec> read(byte[] data, int buffer, int max, boolean bom, boolean trickle) {
    ReadableByteChannel ch =
        trickle ? TestChannels.trickle(data, 0, 2) : TestChannels.from(data, 0);
    RecordReader r = new RecordReader(ch, 0, 1, CsvDialect.RFC4180, max, buffer);
    if (bom) {
      r.skipByteOrderMark();
    }
    List<Rec> out = new ArrayList<>();
    RawRecord rec = new RawRecord();
    while (r.next(rec)) {
      assertThat("held bytes never exceed the maximum", rec.length(), lessThanOrEqualTo(max));
      out.add(Rec.of(rec));
    }
    assertThat("next() stays false at the end", r.next(rec), is(false));
    assertThat(r.atEnd(), is(true));
    assertThat(r.position(), equalTo((long) data.length));
    return out;
  }

  /**
   * Reads with every buffer size, plain and trickling, and checks they all agree with each other.
   */
  private static List<Rec> readAll(byte[] data, int max, boolean bom) {
    List<Rec> first = null;
    for (int b : BUFFERS) {
      for (boolean trickle : new boolean[] {false, true}) {
        List<Rec> got = read(data, b, max, bom, trickle);
        if (first == null) {
          first = got;
        } else {
          assertThat("buffer " + b + (trickle ? " trickling" : ""), got, equalTo(first));
        }
      }
    }
    return first;
  }

  private static List<Rec> readAll(String s) {
    return readAll(utf8(s), 1 << 20, false);
  }

  @Test
  public void simpleRecordsWithLineNumbersAndOffsets() {
    assertThat(readAll("a,b\nc,d\n"), contains(Rec.of("a,b", 1, 0), Rec.of("c,d", 2, 4)));
  }

  @Test
  public void fileWithoutTrailingNewline() {
    assertThat(readAll("a\nbc"), contains(Rec.of("a", 1, 0), Rec.of("bc", 2, 2)));
  }

  @Test
  public void emptyFileHasNoRecords() {
    assertThat(readAll(""), is(empty()));
  }

  @Test
  public void crlfTerminatorsAreNotPartOfTheRecord() {
    assertThat(
        readAll("a\r\nbc\r\nd"),
        contains(Rec.of("a", 1, 0), Rec.of("bc", 2, 3), Rec.of("d", 3, 7)));
  }

  @Test
  public void strayCrBeforeEndOfFileIsDropped() {
    assertThat(readAll("a\nb\r"), contains(Rec.of("a", 1, 0), Rec.of("b", 2, 2)));
  }

  @Test
  public void blankLinesAreSkippedButCounted() {
    // bytes: \n \n a \n \r \n \n b \n \n
    assertThat(readAll("\n\na\n\r\n\nb\n\n"), contains(Rec.of("a", 3, 2), Rec.of("b", 6, 7)));
    assertThat(readAll("\n\r\n\n"), is(empty()));
  }

  @Test
  public void aLineOfTwoCrsIsARecordHoldingOneCr() {
    assertThat(readAll("\r\r\nx\n"), contains(Rec.of("\r", 1, 0), Rec.of("x", 2, 3)));
  }

  @Test
  public void quotedLineFeedDoesNotEndARecord() {
    assertThat(readAll("\"a\nb\",c\nd\n"), contains(Rec.of("\"a\nb\",c", 1, 0), Rec.of("d", 3, 8)));
  }

  @Test
  public void quotedCrlfIsKeptAndFinalCrlfIsDropped() {
    // " a \r \n b " \r \n c
    assertThat(readAll("\"a\r\nb\"\r\nc"), contains(Rec.of("\"a\r\nb\"", 1, 0), Rec.of("c", 3, 8)));
  }

  @Test
  public void escapedQuotesStayInsideTheQuotedField() {
    assertThat(
        readAll("\"a\"\"b\",\"\"\nx,\"\"\"\"\n\"\n\"\n"),
        contains(
            Rec.of("\"a\"\"b\",\"\"", 1, 0), Rec.of("x,\"\"\"\"", 2, 10), Rec.of("\"\n\"", 3, 17)));
  }

  @Test
  public void quotedBlankLinesBelongToTheRecord() {
    assertThat(
        readAll("\"\n\n\r\n\"\nz"), contains(Rec.of("\"\n\n\r\n\"", 1, 0), Rec.of("z", 5, 7)));
  }

  @Test
  public void unterminatedQuoteRunsToEndOfFile() {
    List<Rec> recs = readAll("a\n\"b\nc\r\n");
    assertThat(recs, contains(Rec.of("a", 1, 0), new Rec(utf8("\"b\nc\r\n"), 2, 2, 6, true)));
  }

  @Test
  public void unterminatedQuoteWithoutTrailingNewlineKeepsItsCr() {
    assertThat(readAll("\"b\r"), contains(new Rec(utf8("\"b\r"), 1, 0, 3, true)));
  }

  @Test
  public void tooLongRecordHoldsOnlyThePrefixAndCountsTheRest() {
    List<Rec> recs = readAll(utf8("abcdef\nxy\nabc\r\nabcd\r\n\"a\nb\"\n"), 3, false);
    assertThat(
        recs,
        contains(
            new Rec(utf8("abc"), 1, 0, 6, false),
            Rec.of("xy", 2, 7),
            Rec.of("abc", 3, 10),
            new Rec(utf8("abc"), 4, 15, 4, false),
            new Rec(utf8("\"a\n"), 5, 21, 5, false)));
  }

  @Test
  public void tooLongFlagAndFullLength() {
    RecordReader r =
        new RecordReader(
            TestChannels.from(utf8("abcdef\nabc\n"), 0), 0, 1, CsvDialect.RFC4180, 3, 2);
    RawRecord rec = new RawRecord();
    assertThat(r.next(rec), is(true));
    assertThat(rec.isTooLong(), is(true));
    assertThat(rec.fullLength(), is(6L));
    assertThat(rec.text(), is("abc"));
    assertThat(r.next(rec), is(true));
    assertThat(rec.isTooLong(), is(false));
    assertThat(rec.text(), is("abc"));
  }

  @Test
  public void hugeRecordNeverGrowsTheScratchBufferBeyondTheMaximum() throws Exception {
    byte[] big = new byte[300_000];
    Arrays.fill(big, (byte) 'x');
    byte[] data = concat(big, utf8("\n\"q\n"), big, utf8("\"\nend\n"));
    for (int buffer : new int[] {7, 4096, RecordReader.DEFAULT_BUFFER_BYTES}) {
      RecordReader r =
          new RecordReader(TestChannels.from(data, 0), 0, 1, CsvDialect.RFC4180, 1000, buffer);
      RawRecord rec = new RawRecord();
      List<Rec> got = new ArrayList<>();
      while (r.next(rec)) {
        got.add(Rec.of(rec));
      }
      Field f = RecordReader.class.getDeclaredField("scratch");
      f.setAccessible(true);
      assertThat("buffer " + buffer, ((byte[]) f.get(r)).length, lessThanOrEqualTo(1000));
      assertThat(got, equalTo(RecordOracle.records(data, 1000)));
      assertThat(got.size(), is(3));
      assertThat(got.get(1).fullLength, is(300_004L));
      assertThat(got.get(2), equalTo(Rec.of("end", 4, 600_006)));
    }
  }

  @Test
  public void byteOrderMarkIsSkippedOnlyWhenAsked() {
    byte[] bom = bytes(0xEF, 0xBB, 0xBF);
    byte[] data = concat(bom, utf8("a\nb"));
    assertThat(readAll(data, 100, true), contains(Rec.of("a", 1, 3), Rec.of("b", 2, 5)));
    assertThat(
        readAll(data, 100, false),
        contains(new Rec(concat(bom, utf8("a")), 1, 0, 4, false), Rec.of("b", 2, 5)));
  }

  @Test
  public void partialOrAbsentByteOrderMarkIsData() {
    byte[] data = bytes(0xEF, 0xBB, 'A', '\n');
    assertThat(readAll(data, 100, true), contains(new Rec(bytes(0xEF, 0xBB, 'A'), 1, 0, 3, false)));
    assertThat(readAll(utf8("a"), 100, true), contains(Rec.of("a", 1, 0)));
    assertThat(readAll(utf8(""), 100, true), is(empty()));
    assertThat(readAll(bytes(0xEF, 0xBB, 0xBF), 100, true), is(empty()));
    assertThat(readAll(bytes(0xEF, 0xBB, 0xBF, '\n', 'x'), 100, true), contains(Rec.of("x", 2, 4)));
  }

  @Test(expected = IllegalStateException.class)
  public void byteOrderMarkOnlyAtOffsetZero() {
    new RecordReader(TestChannels.from(utf8("abc"), 1), 1, 1, CsvDialect.RFC4180, 10)
        .skipByteOrderMark();
  }

  @Test(expected = IllegalArgumentException.class)
  public void maximumMustBePositive() {
    new RecordReader(TestChannels.from(utf8("abc"), 0), 0, 1, CsvDialect.RFC4180, 0);
  }

  @Test
  public void otherQuoteCharacterOpensQuotedFields() {
    CsvDialect d = CsvDialect.of(";", "'");
    byte[] data = utf8("'a\nb';\"x\n\"y\n");
    RecordReader r = new RecordReader(TestChannels.from(data, 0), 0, 1, d, 100, 3);
    RawRecord rec = new RawRecord();
    List<Rec> got = new ArrayList<>();
    while (r.next(rec)) {
      got.add(Rec.of(rec));
    }
    assertThat(got, contains(Rec.of("'a\nb';\"x", 1, 0), Rec.of("\"y", 3, 9)));
  }

  @Test
  public void readerStartingMidFileUsesGivenOffsetAndLine() {
    byte[] data = utf8("h\nab\ncd\n");
    RecordReader r = new RecordReader(TestChannels.from(data, 2), 2, 2, CsvDialect.RFC4180, 100, 2);
    RawRecord rec = new RawRecord();
    assertThat(r.next(rec), is(true));
    assertThat(Rec.of(rec), equalTo(Rec.of("ab", 2, 2)));
    assertThat(r.position(), is(5L));
    assertThat(r.line(), is(3L));
    assertThat(r.next(rec), is(true));
    assertThat(Rec.of(rec), equalTo(Rec.of("cd", 3, 5)));
    assertThat(r.next(rec), is(false));
  }

  @Test
  public void skipToRecordStartHandCases() {
    // offsets:        0123 4 5678 9
    byte[] data = utf8("a,\"x\ny\",b\nc\n");
    // start at 4 (the quoted LF): inside a quoted field
    assertThat(firstAfterSkip(data, 4, 1, CsvStates.QUOTED), equalTo(Rec.of("c", 3, 10)));
    // start at 5 (just after the quoted LF): still inside it, although after an LF
    assertThat(firstAfterSkip(data, 5, 2, CsvStates.QUOTED), equalTo(Rec.of("c", 3, 10)));
    // start at 10 (a real boundary): nothing is skipped
    assertThat(firstAfterSkip(data, 10, 3, CsvStates.RECORD_START), equalTo(Rec.of("c", 3, 10)));
    // start at 1, mid-record in an unquoted field
    assertThat(firstAfterSkip(data, 1, 1, CsvStates.UNQUOTED), equalTo(Rec.of("c", 3, 10)));
    // start at 0
    assertThat(
        firstAfterSkip(data, 0, 1, CsvStates.RECORD_START), equalTo(Rec.of("a,\"x\ny\",b", 1, 0)));
    // start at 11, mid "c\n" with no boundary after it
    assertThat(firstAfterSkip(data, 11, 3, CsvStates.UNQUOTED), equalTo(null));
  }

  private static Rec firstAfterSkip(byte[] data, int start, long line, int state) {
    for (int b : BUFFERS) {
      RecordReader r =
          new RecordReader(TestChannels.from(data, start), start, line, CsvDialect.RFC4180, 100, b);
      r.skipToRecordStart(state);
      RawRecord rec = new RawRecord();
      Rec got = r.next(rec) ? Rec.of(rec) : null;
      if (b == BUFFERS[BUFFERS.length - 1]) {
        return got;
      }
    }
    throw new AssertionError();
  }

  /** Random bytes rich in quotes, LFs and CRs, read with every buffer size, against the oracle. */
  @Test
  public void randomDataMatchesTheOracle() {
    Random rnd = new Random(20240611L);
    byte[] alphabet = utf8("ab,\"\"\"\n\n\r ü");
    for (int iter = 0; iter < 400; iter++) {
      int n = rnd.nextInt(60);
      byte[] data = new byte[n];
      for (int i = 0; i < n; i++) {
        data[i] = alphabet[rnd.nextInt(alphabet.length)];
      }
      int max = 1 + rnd.nextInt(iter % 2 == 0 ? 8 : 100);
      List<Rec> expected = RecordOracle.records(data, max);
      for (int b : BUFFERS) {
        assertThat(
            "iteration " + iter + " buffer " + b + " max " + max,
            read(data, b, max, false, rnd.nextBoolean()),
            equalTo(expected));
      }
    }
  }

  /**
   * From any offset, with the true state and line there, skipping lands on the oracle's next
   * record.
   */
  @Test
  public void randomSkipToRecordStartMatchesTheOracle() {
    Random rnd = new Random(77L);
    byte[] alphabet = utf8("a,\"\n\r");
    for (int iter = 0; iter < 300; iter++) {
      int n = 1 + rnd.nextInt(40);
      byte[] data = new byte[n];
      for (int i = 0; i < n; i++) {
        data[i] = alphabet[rnd.nextInt(alphabet.length)];
      }
      List<Rec> all = RecordOracle.records(data, 1000);
      int start = rnd.nextInt(n + 1);
      CsvStates states = CsvStates.of(CsvDialect.RFC4180);
      int state = CsvStates.RECORD_START;
      long line = 1;
      for (int i = 0; i < start; i++) {
        state = states.next(state, data[i]);
        if (data[i] == '\n') {
          line++;
        }
      }
      List<Rec> expected = new ArrayList<>();
      for (Rec r : all) {
        if (r.offset >= start) {
          expected.add(r);
        }
      }
      for (int b : BUFFERS) {
        RecordReader r =
            new RecordReader(
                TestChannels.from(data, start), start, line, CsvDialect.RFC4180, 1000, b);
        r.skipToRecordStart(state);
        RawRecord rec = new RawRecord();
        List<Rec> got = new ArrayList<>();
        while (r.next(rec)) {
          got.add(Rec.of(rec));
        }
        assertThat(
            "iteration " + iter + " start " + start + " buffer " + b, got, equalTo(expected));
      }
    }
  }
}
