package dev.parabeam.transforms.csv;

import static dev.parabeam.transforms.csv.TestChannels.bytes;
import static dev.parabeam.transforms.csv.TestChannels.concat;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Test;

public class FieldSplitterTest {
  private final FieldSplitter splitter = new FieldSplitter(CsvDialect.RFC4180);

  private static List<String> fields(FieldSplitter s) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.fieldCount(); i++) {
      out.add(s.field(i));
    }
    return out;
  }

  private List<String> split(String record) {
    byte[] b = record.getBytes(StandardCharsets.UTF_8);
    assertThat(
        "split of [" + record + "]: " + splitter.error(), splitter.split(b, 0, b.length), is(true));
    assertThat(splitter.error(), nullValue());
    return fields(splitter);
  }

  private String error(byte[] b) {
    assertThat(splitter.split(b, 0, b.length), is(false));
    return splitter.error();
  }

  private String error(String record) {
    return error(record.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  public void plainFields() {
    assertThat(split("a,b,c"), contains("a", "b", "c"));
    assertThat(split(" a , b "), contains(" a ", " b "));
  }

  @Test
  public void emptyFieldsAndTrailingDelimiter() {
    assertThat(split(""), contains(""));
    assertThat(split(","), contains("", ""));
    assertThat(split("a,"), contains("a", ""));
    assertThat(split(",,a,,"), contains("", "", "a", "", ""));
    assertThat(split("\"\""), contains(""));
    assertThat(split("\"\",\"\""), contains("", ""));
  }

  @Test
  public void quotedFieldsHoldDelimitersQuotesAndLineBreaks() {
    assertThat(split("\"a,b\",c"), contains("a,b", "c"));
    assertThat(split("\"a\"\"b\""), contains("a\"b"));
    assertThat(split("\"\"\"\""), contains("\""));
    assertThat(split("\"\"\"\"\"\",x"), contains("\"\"", "x"));
    assertThat(split("\"a\nb\",\"c\r\nd\""), contains("a\nb", "c\r\nd"));
    assertThat(split("x,\"\"\"a,\"\"\""), contains("x", "\"a,\""));
  }

  @Test
  public void nonAsciiText() {
    assertThat(split("ü,日本,\"😀,é\""), contains("ü", "日本", "😀,é"));
  }

  @Test
  public void aQuoteInsideAnUnquotedFieldIsALiteral() {
    assertThat(split("1,2,x\"y"), contains("1", "2", "x\"y"));
    assertThat(split("a,b\""), contains("a", "b\""));
    assertThat(split(" \"a\""), contains(" \"a\""));
    assertThat(split("10,big 5\" screen,10"), contains("10", "big 5\" screen", "10"));
    assertThat(
        split("O\"Brien,12\" x 8\" frame,x\"\""),
        contains("O\"Brien", "12\" x 8\" frame", "x\"\""));
    // but at the start of a field it opens a quoted field
    assertThat(split("\"5\"\" screen\",1"), contains("5\" screen", "1"));
  }

  @Test
  public void malformedRecordsSayWhichFieldAndWhy() {
    assertThat(error("a,\"b\"c"), is("field 2: text after closing quote"));
    assertThat(error("\"b\" ,c"), is("field 1: text after closing quote"));
    assertThat(error("\"12\" x 8\" frame\",1"), is("field 1: text after closing quote"));
    assertThat(error("\"abc"), is("field 1: unterminated quoted field"));
    assertThat(error("a,\"b\"\""), is("field 2: unterminated quoted field"));
    assertThat(error("a,\""), is("field 2: unterminated quoted field"));
  }

  @Test
  public void invalidUtf8IsRefused() {
    byte[][] bad = {
      bytes(0xFF),
      bytes('a', ',', 0x80), // lone continuation byte
      bytes(0xC0, 0xAF), // overlong '/'
      bytes(0xC1, 0xBF), // overlong
      bytes(0xE0, 0x80, 0xAF), // overlong 3-byte '/'
      bytes(0xF0, 0x80, 0x80, 0xAF), // overlong 4-byte '/'
      bytes(0xED, 0xA0, 0x80), // UTF-16 surrogate D800
      bytes(0xED, 0xBF, 0xBF), // surrogate DFFF
      bytes(0xF4, 0x90, 0x80, 0x80), // beyond U+10FFFF
      bytes(0xF8, 0x88, 0x80, 0x80, 0x80), // 5-byte form
      bytes('x', 0xE2, 0x82), // truncated at end of record
      bytes(0xE2, 0x82, ',', 'a'), // truncated before a delimiter
      concat("é,".getBytes(StandardCharsets.UTF_8), bytes(0xFF)), // bad byte after a good one
    };
    for (byte[] b : bad) {
      assertThat(error(b), is("invalid UTF-8"));
    }
    // the largest code points just inside the limits are fine
    byte[] ok = bytes(0xF4, 0x8F, 0xBF, 0xBF, ',', 0xEF, 0xBF, 0xBD, ',', 0xED, 0x9F, 0xBF);
    assertThat(splitter.split(ok, 0, ok.length), is(true));
    assertThat(
        fields(splitter), contains(new String(Character.toChars(0x10FFFF)), "\uFFFD", "\uD7FF"));
  }

  @Test
  public void onlyTheGivenRangeIsLookedAt() {
    byte[] b = "\"x,a,b\"\"".getBytes(StandardCharsets.UTF_8);
    assertThat(splitter.split(b, 3, 3), is(true));
    assertThat(fields(splitter), contains("a", "b"));
    byte[] withBadOutside =
        concat(bytes(0xFF), "a,\"b\"".getBytes(StandardCharsets.UTF_8), bytes(0xFF));
    assertThat(splitter.split(withBadOutside, 1, 5), is(true));
    assertThat(fields(splitter), contains("a", "b"));
  }

  @Test
  public void reuseResetsErrorAndFields() {
    assertThat(error("\"x"), is("field 1: unterminated quoted field"));
    assertThat(split("p,q"), contains("p", "q"));
    assertThat(split("\"r\"\"\""), contains("r\""));
  }

  @Test
  public void wideRecordsGrow() {
    StringBuilder sb = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      if (i > 0) {
        sb.append(',');
      }
      String f = i % 3 == 0 ? "q\"" + i : "f" + i;
      sb.append(i % 3 == 0 ? "\"" + f.replace("\"", "\"\"") + "\"" : f);
      expected.add(f);
    }
    assertThat(split(sb.toString()), equalTo(expected));
  }

  @Test(expected = IndexOutOfBoundsException.class)
  public void fieldOutOfRange() {
    split("a,b");
    splitter.field(2);
  }

  @Test
  public void otherDialects() {
    FieldSplitter s = new FieldSplitter(CsvDialect.of(";", "'"));
    byte[] b = "'a;b''c';\"d\";".getBytes(StandardCharsets.UTF_8);
    assertThat(s.split(b, 0, b.length), is(true));
    assertThat(fields(s), contains("a;b'c", "\"d\"", ""));
    FieldSplitter tab = new FieldSplitter(CsvDialect.of("\t", "\""));
    byte[] t = "a,b\t\"c\td\"".getBytes(StandardCharsets.UTF_8);
    assertThat(tab.split(t, 0, t.length), is(true));
    assertThat(fields(tab), contains("a,b", "c\td"));
  }

  /** Random well-formed records: fields must equal what commons-csv (RFC 4180) reads. */
  @Test
  public void agreesWithCommonsCsvOnRandomRecords() throws IOException {
    Random rnd = new Random(4180L);
    String[] pieces = {
      "a", "b", "Z", "0", " ", ",", "\"", "\n", "\r\n", "\r", "é", "日", "😀", "\t", "x y"
    };
    for (int iter = 0; iter < 600; iter++) {
      int n = 1 + rnd.nextInt(6);
      List<String> values = new ArrayList<>();
      StringBuilder rec = new StringBuilder();
      for (int i = 0; i < n; i++) {
        StringBuilder v = new StringBuilder();
        int len = rnd.nextInt(5);
        for (int k = 0; k < len; k++) {
          v.append(pieces[rnd.nextInt(pieces.length)]);
        }
        String value = v.toString();
        boolean special =
            value.contains(",")
                || value.contains("\"")
                || value.contains("\n")
                || value.contains("\r");
        if (i > 0) {
          rec.append(',');
        }
        if (special || rnd.nextInt(4) == 0) {
          rec.append('"').append(value.replace("\"", "\"\"")).append('"');
        } else {
          rec.append(value);
        }
        values.add(value);
      }
      String text = rec.toString();
      if (text.isEmpty()) {
        continue; // an empty line is not a record for commons-csv
      }
      List<CSVRecord> parsed;
      try (CSVParser p = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180)) {
        parsed = p.getRecords();
      }
      assertThat("commons-csv reads one record from [" + text + "]", parsed.size(), is(1));
      assertThat("generator sanity", parsed.get(0).toList(), equalTo(values));
      assertThat("record [" + text + "]", split(text), equalTo(parsed.get(0).toList()));
    }
  }
}
