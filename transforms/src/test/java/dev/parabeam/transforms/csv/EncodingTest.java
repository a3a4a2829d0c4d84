package dev.parabeam.transforms.csv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/**
 * Fields in a single-byte charset: byte-level structure, decoded text, unassigned bytes invalid.
 */
public class EncodingTest {
  private static final CsvDialect CP1252 = CsvDialect.RFC4180.withEncoding("windows-1252");

  private static byte[] cp1252(String s) {
    return s.getBytes(Charset.forName("windows-1252"));
  }

  @Test
  public void windows1252FieldsAreDecoded() {
    FieldSplitter s = new FieldSplitter(CP1252);
    byte[] rec = cp1252("Café,\"“quoted”, with comma\",€5,naïve");
    assertThat(s.split(rec, 0, rec.length), is(true));
    assertThat(s.fieldCount(), is(4));
    assertThat(s.field(0), equalTo("Café"));
    assertThat(s.field(1), equalTo("“quoted”, with comma"));
    assertThat(s.field(2), equalTo("€5"));
    assertThat(s.field(3), equalTo("naïve"));
  }

  @Test
  public void theFiveUnassignedBytesOfWindows1252AreInvalid() {
    FieldSplitter s = new FieldSplitter(CP1252);
    for (int b : new int[] {0x81, 0x8D, 0x8F, 0x90, 0x9D}) {
      byte[] rec = {'a', ',', (byte) b, 'x'};
      assertThat("byte " + Integer.toHexString(b), s.split(rec, 0, rec.length), is(false));
      assertThat(s.error(), equalTo("invalid windows-1252"));
    }
    // every other byte is a character
    for (int b = 0x80; b < 0x100; b++) {
      if (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D) {
        continue;
      }
      byte[] rec = {'a', ',', (byte) b};
      assertThat("byte " + Integer.toHexString(b), s.split(rec, 0, rec.length), is(true));
    }
  }

  @Test
  public void utf8BytesReadAsLatin1AreNotInvalid() {
    FieldSplitter s = new FieldSplitter(CsvDialect.RFC4180.withEncoding("ISO-8859-1"));
    byte[] rec = "é".getBytes(StandardCharsets.UTF_8);
    assertThat(s.split(rec, 0, rec.length), is(true));
    assertThat(s.field(0), equalTo("Ã©"));
    // the same bytes are one character in UTF-8, and a lone 0xE9 is invalid there
    FieldSplitter utf8 = new FieldSplitter(CsvDialect.RFC4180);
    assertThat(utf8.split(new byte[] {(byte) 0xE9}, 0, 1), is(false));
    assertThat(utf8.error(), equalTo("invalid UTF-8"));
  }

  @Test
  public void aByteOrderMarkIsSkippedOnlyInUtf8() throws Exception {
    byte[] file = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', ',', 'b', '\n', '1', ',', '2', '\n'};
    CsvHeader utf8 =
        CsvHeader.read(
            Channels.newChannel(new ByteArrayInputStream(file)), CsvDialect.RFC4180, 100);
    assertThat(utf8.columns().get(0), equalTo("a"));
    CsvHeader latin1 =
        CsvHeader.read(
            Channels.newChannel(new ByteArrayInputStream(file)),
            CsvDialect.RFC4180.withEncoding("ISO-8859-1"),
            100);
    assertThat(latin1.columns().get(0), equalTo("ï»¿a"));
  }

  @Test
  public void multiByteAndNonAsciiCharsetsAreRefused() {
    for (String name : new String[] {"UTF-16", "UTF-16LE", "UTF-32", "Shift_JIS", "GB18030"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CsvDialect.RFC4180.withEncoding(name));
      assertThat(e.getMessage(), containsString("multi-byte"));
    }
    IllegalArgumentException ebcdic =
        assertThrows(
            IllegalArgumentException.class, () -> CsvDialect.RFC4180.withEncoding("IBM037"));
    assertThat(ebcdic.getMessage(), containsString("ASCII"));
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> CsvDialect.RFC4180.withEncoding("no-such-charset"));
    assertThat(unknown.getMessage(), containsString("not a charset"));
  }

  @Test
  public void utf8AndSingleByteCharsetsAreTaken() {
    assertThat(CsvDialect.RFC4180.withEncoding("utf8").isUtf8(), is(true));
    assertThat(CsvDialect.RFC4180.withEncoding("cp1252").charset().name(), equalTo("windows-1252"));
    assertThat(CsvDialect.RFC4180.withEncoding("latin1").charset().name(), equalTo("ISO-8859-1"));
    assertThat(CsvDialect.RFC4180.withEncoding("US-ASCII").isUtf8(), is(false));
    // the encoding is part of the dialect's identity
    assertThat(CsvDialect.RFC4180.withEncoding("cp1252").equals(CsvDialect.RFC4180), is(false));
  }
}
