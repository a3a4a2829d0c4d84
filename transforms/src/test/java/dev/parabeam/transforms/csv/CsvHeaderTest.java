package dev.parabeam.transforms.csv;

import static dev.parabeam.transforms.csv.TestChannels.bytes;
import static dev.parabeam.transforms.csv.TestChannels.concat;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

public class CsvHeaderTest {
  private static CsvHeader read(byte[] data, int max) throws IOException {
    return CsvHeader.read(TestChannels.from(data, 0), CsvDialect.RFC4180, max);
  }

  private static CsvHeader read(String s) throws IOException {
    return read(s.getBytes(StandardCharsets.UTF_8), 1 << 20);
  }

  private static String failure(String s, int max) {
    return assertThrows(
            IllegalArgumentException.class, () -> read(s.getBytes(StandardCharsets.UTF_8), max))
        .getMessage();
  }

  @Test
  public void plainHeader() throws IOException {
    CsvHeader h = read("a,b,c\n1,2,3\n");
    assertThat(h.columns(), contains("a", "b", "c"));
    assertThat(h.dataStart(), is(6L));
    assertThat(h.dataStartLine(), is(2L));
    assertThat(h.indexOf("c"), is(2));
    assertThat(h.indexOf("d"), is(-1));
  }

  @Test
  public void byteOrderMarkAndCrlf() throws IOException {
    byte[] data =
        concat(bytes(0xEF, 0xBB, 0xBF), "x,\"y,z\"\r\n1,2\r\n".getBytes(StandardCharsets.UTF_8));
    CsvHeader h = read(data, 100);
    assertThat(h.columns(), contains("x", "y,z"));
    assertThat(h.dataStart(), is(3L + 9));
    assertThat(h.dataStartLine(), is(2L));
  }

  @Test
  public void blankLinesBeforeTheHeaderAreSkipped() throws IOException {
    CsvHeader h = read("\n\r\na,b\nx");
    assertThat(h.columns(), contains("a", "b"));
    assertThat(h.dataStart(), is(7L));
    assertThat(h.dataStartLine(), is(4L));
  }

  @Test
  public void quotedLineBreakInAColumnName() throws IOException {
    CsvHeader h = read("\"a\nb\",c\n1,2\n");
    assertThat(h.columns(), contains("a\nb", "c"));
    assertThat(h.dataStartLine(), is(3L));
    assertThat(h.dataStart(), is(8L));
  }

  @Test
  public void headerOnlyWithoutNewline() throws IOException {
    CsvHeader h = read("k,ü");
    assertThat(h.columns(), contains("k", "ü"));
    assertThat(h.dataStart(), is(4L));
    assertThat(h.dataStartLine(), is(1L));
  }

  @Test
  public void columnsAreUnmodifiable() throws IOException {
    CsvHeader h = read("a\n");
    assertThrows(UnsupportedOperationException.class, () -> h.columns().add("b"));
  }

  @Test
  public void unusableHeadersAreRefusedWithAMessage() {
    assertThat(failure("", 100), is("the file is empty (no header line)"));
    assertThat(failure("\n\r\n\n", 100), is("the file is empty (no header line)"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> read(bytes(0xEF, 0xBB, 0xBF), 100))
            .getMessage(),
        is("the file is empty (no header line)"));
    assertThat(failure("a,\"b\n", 100), is("the header has an unterminated quoted field"));
    assertThat(
        failure("a,\"b\"c\n", 100),
        is("the header is malformed: field 2: text after closing quote"));
    assertThat(
        failure("abcd\n1\n", 3),
        is("the header is longer than the maximum record length (3 bytes)"));
  }

  /**
   * A name the header gives twice (two empty names from trailing commas, say) is read; only a
   * reference to it is refused, naming its 1-based positions.
   */
  @Test
  public void repeatedNamesAreReadAndOnlyAReferenceToThemIsRefused() throws IOException {
    CsvHeader h = read("x,b,x,,\n1,2,3,,\n");
    assertThat(h.columns(), contains("x", "b", "x", "", ""));
    assertThat(h.indexOf("b"), is(1));
    assertThat(h.indexOf("nope"), is(-1));
    assertThat(h.positions("x"), contains(0, 2));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> h.indexOf("x")).getMessage(),
        is("column 'x' is ambiguous: the header names it at positions 1 and 3"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> h.indexOf("")).getMessage(),
        is("column '' is ambiguous: the header names it at positions 4 and 5"));
  }

  private static CsvHeader read(String s, boolean header, List<String> names) throws IOException {
    return CsvHeader.read(
        TestChannels.from(s.getBytes(StandardCharsets.UTF_8), 0),
        CsvDialect.RFC4180,
        1 << 20,
        header,
        names);
  }

  /** Without a header the data starts at the first byte, columns column1.. or as given. */
  @Test
  public void withoutAHeaderEveryRecordIsData() throws IOException {
    CsvHeader h = read("north,1.5,x\nsouth,2,y\n", false, null);
    assertThat(h.columns(), contains("column1", "column2", "column3"));
    assertThat(h.dataStart(), is(0L));
    assertThat(h.dataStartLine(), is(1L));
    CsvHeader named = read("\uFEFFnorth,1.5\n", false, List.of("region", "amount"));
    assertThat(named.columns(), contains("region", "amount"));
    assertThat(named.dataStart(), is(3L)); // after the byte order mark
    // an empty file without header has no record: with names it is an empty input
    assertThat(read("", false, List.of("a")).columns(), contains("a"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> read("", false, null)).getMessage(),
        containsString("the file is empty (no record to count its columns from; give --columns)"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> read("a,\"b\n", false, null))
            .getMessage(),
        is("the first record has an unterminated quoted field"));
  }

  /** With a header, names replace its own, one for one; the header is still skipped. */
  @Test
  public void namesReplaceTheHeadersOwn() throws IOException {
    CsvHeader h = read("x,x,y\n1,2,3\n", true, List.of("a", "b", "c"));
    assertThat(h.columns(), contains("a", "b", "c"));
    assertThat(h.dataStart(), is(6L));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> read("x,y\n", true, List.of("a")))
            .getMessage(),
        is("its header has 2 columns, --columns names 1"));
  }

  /** Lines that end with CR alone are refused, in words that never hold a raw CR. */
  @Test
  public void linesEndingWithCrAloneAreRefused() {
    for (boolean header : new boolean[] {true, false}) {
      String m =
          assertThrows(IllegalArgumentException.class, () -> read("k,v\ra,1\rb,2\r", header, null))
              .getMessage();
      assertThat(m, containsString("records must end with LF or CRLF"));
      assertThat(m.contains("\r"), is(false));
    }
  }
}
