package dev.parabeam.transforms.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.FieldSplitter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

public class CsvRecordTest {
  /**
   * A job's own RecordFn that asks for a name the header gives twice gets an error naming it, not
   * one of the two fields.
   */
  @Test
  public void aNameTheHeaderGivesTwiceHasNoField() {
    CsvRecord r = new CsvRecord("/d/a.csv", List.of("x", "b", "x"));
    FieldSplitter f = new FieldSplitter(CsvDialect.RFC4180);
    byte[] line = "1,2,3".getBytes(StandardCharsets.UTF_8);
    f.split(line, 0, line.length);
    r.at(f, 2);
    assertThat(r.get("b"), is("2"));
    assertThat(r.indexOf("b"), is(1));
    assertThat(r.indexOf("nope"), is(-1));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> r.get("x")).getMessage(),
        is("/d/a.csv: column 'x' is ambiguous: the header names it at positions 1 and 3"));
    assertThrows(IllegalArgumentException.class, () -> r.indexOf("x"));
  }
}
