package dev.parabeam.transforms.csv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;

public class CsvDialectTest {
  @Test
  public void rfc4180() {
    assertThat(CsvDialect.RFC4180.delimiter(), is((byte) ','));
    assertThat(CsvDialect.RFC4180.quote(), is((byte) '"'));
    assertThat(CsvDialect.of(",", "\""), equalTo(CsvDialect.RFC4180));
    assertThat(CsvDialect.of(",", "\"").hashCode(), is(CsvDialect.RFC4180.hashCode()));
  }

  @Test
  public void otherDialects() {
    CsvDialect d = CsvDialect.of(";", "'");
    assertThat(d.delimiter(), is((byte) ';'));
    assertThat(d.quote(), is((byte) '\''));
    assertThat(d, not(equalTo(CsvDialect.RFC4180)));
    assertThat(CsvDialect.of("\t", "\"").delimiter(), is((byte) '\t'));
    assertThat(SerializableUtils.clone(d), equalTo(d));
  }

  @Test
  public void badCharactersAreRefused() {
    String[][] bad = {
      {"", "\""},
      {",,", "\""},
      {null, "\""},
      {",", ""},
      {"\n", "\""},
      {"\r", "\""},
      {"é", "\""},
      {",", "\u0001"},
      {",", ","},
      {"'", "'"}
    };
    for (String[] b : bad) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CsvDialect.of(b[0], b[1]));
      assertThat(e.getMessage(), containsString("must"));
    }
  }

  /** The messages name the options as a user types them. */
  @Test
  public void messagesNameTheOptions() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> CsvDialect.of(";;", "\"")).getMessage(),
        is("--delimiter must be exactly one character (or tab), got ';;'"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> CsvDialect.of(",", "''")).getMessage(),
        is("--quote must be exactly one character, got ''''"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> CsvDialect.of("'", "'")).getMessage(),
        is("--delimiter and --quote must differ, both are '''"));
  }
}
