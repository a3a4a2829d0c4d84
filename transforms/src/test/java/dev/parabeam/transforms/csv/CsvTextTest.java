package dev.parabeam.transforms.csv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Test;

public class CsvTextTest {
  @Test
  public void quotesOnlyWhenNeeded() {
    assertThat(CsvText.field("abc"), is("abc"));
    assertThat(CsvText.field(""), is(""));
    assertThat(CsvText.field(" a b "), is(" a b "));
    assertThat(CsvText.field("ü"), is("ü"));
    assertThat(CsvText.field("a,b"), is("\"a,b\""));
    assertThat(CsvText.field("a\"b"), is("\"a\"\"b\""));
    assertThat(CsvText.field("\""), is("\"\"\"\""));
    assertThat(CsvText.field("a\nb"), is("\"a\nb\""));
    assertThat(CsvText.field("a\rb"), is("\"a\rb\""));
  }

  @Test
  public void rows() {
    assertThat(CsvText.row("a", "b,c", "", "d\""), is("a,\"b,c\",,\"d\"\"\""));
    assertThat(CsvText.row(List.of("x")), is("x"));
    assertThat(CsvText.row(List.of()), is(""));
  }

  /** Whatever the values, a written row reads back to the same values with commons-csv. */
  @Test
  public void roundTripsThroughCommonsCsv() throws IOException {
    Random rnd = new Random(99L);
    String[] pieces = {"a", " ", ",", "\"", "\n", "\r", "\r\n", "é", "😀", "\t", "'", ";", ""};
    for (int iter = 0; iter < 500; iter++) {
      int rows = 1 + rnd.nextInt(3);
      List<List<String>> expected = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (int r = 0; r < rows; r++) {
        List<String> fields = new ArrayList<>();
        int n = 2 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          StringBuilder v = new StringBuilder();
          for (int k = rnd.nextInt(5); k > 0; k--) {
            v.append(pieces[rnd.nextInt(pieces.length)]);
          }
          fields.add(v.toString());
        }
        expected.add(fields);
        text.append(CsvText.row(fields)).append('\n');
      }
      List<List<String>> got = new ArrayList<>();
      try (CSVParser p = CSVParser.parse(new StringReader(text.toString()), CSVFormat.RFC4180)) {
        for (CSVRecord rec : p) {
          got.add(rec.toList());
        }
      }
      assertThat("text [" + text + "]", got, equalTo(expected));
    }
  }

  /** A value for one line of a terminal: control characters escaped, long ones cut. */
  @Test
  public void printableEscapesControlCharactersAndCutsLongValues() {
    assertThat(CsvText.printable("a\r\nb\tc\u001bd"), is("a\\r\\nb\\tc\\u001bd"));
    assertThat(CsvText.printable("x".repeat(60)), is("x".repeat(60)));
    assertThat(CsvText.printable("x".repeat(61)), is("x".repeat(60) + "\u2026"));
    assertThat(
        CsvText.printable("\uD83D\uDE00".repeat(3), 2), is("\uD83D\uDE00\uD83D\uDE00\u2026"));
    assertThat(CsvText.printable("ü€", 5), is("ü€"));
  }
}
