package dev.parabeam.transforms.csv;

import static dev.parabeam.transforms.csv.TestChannels.bytes;
import static dev.parabeam.transforms.csv.TestChannels.concat;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    assertThat(failure("a,b,a\n", 100), is("the header names column 'a' twice"));
    assertThat(failure("a,\"b\n", 100), is("the header has an unterminated quoted field"));
    assertThat(
        failure("a,\"b\"c\n", 100),
        is("the header is malformed: field 2: text after closing quote"));
    assertThat(
        failure("abcd\n1\n", 3),
        is("the header is longer than the maximum record length (3 bytes)"));
  }
}
