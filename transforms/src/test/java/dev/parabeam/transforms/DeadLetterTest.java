package dev.parabeam.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.StringReader;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Test;

public class DeadLetterTest {
  private final DeadLetter d =
      new DeadLetter("/in/a,b.csv", 12, "expected 3 fields, found 2", "x,\"y\nz\"\"\"");

  @Test
  public void csvRowQuotesWhatNeedsIt() throws Exception {
    assertThat(
        d.toCsvRow(),
        is("\"/in/a,b.csv\",12,\"expected 3 fields, found 2\",\"x,\"\"y\nz\"\"\"\"\"\"\""));
    try (CSVParser p =
        CSVParser.parse(
            new StringReader(DeadLetter.CSV_HEADER + "\n" + d.toCsvRow() + "\n"),
            CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())) {
      List<CSVRecord> recs = p.getRecords();
      assertThat(recs.size(), is(1));
      assertThat(
          recs.get(0).toList(),
          contains("/in/a,b.csv", "12", "expected 3 fields, found 2", "x,\"y\nz\"\"\""));
      assertThat(p.getHeaderNames(), contains("file", "line", "reason", "record"));
    }
    assertThat(new DeadLetter("f", 1, "invalid UTF-8", "a").toCsvRow(), is("f,1,invalid UTF-8,a"));
  }

  @Test
  public void valueSemanticsAndCoder() throws Exception {
    assertThat(
        d,
        equalTo(new DeadLetter("/in/a,b.csv", 12, "expected 3 fields, found 2", "x,\"y\nz\"\"\"")));
    assertThat(
        d.hashCode(),
        is(
            new DeadLetter("/in/a,b.csv", 12, "expected 3 fields, found 2", "x,\"y\nz\"\"\"")
                .hashCode()));
    assertThat(
        d,
        not(
            equalTo(
                new DeadLetter(
                    "/in/a,b.csv", 13, "expected 3 fields, found 2", "x,\"y\nz\"\"\""))));
    assertThat(d, not(equalTo(new DeadLetter("/in/a,b.csv", 12, "other", "x,\"y\nz\"\"\""))));
    assertThat(
        d, not(equalTo(new DeadLetter("/in/a,b.csv", 12, "expected 3 fields, found 2", ""))));
    assertThat(d.toString(), is("/in/a,b.csv:12: expected 3 fields, found 2"));
    CoderProperties.coderDecodeEncodeEqual(DeadLetter.Coder.of(), d);
    CoderProperties.coderDecodeEncodeEqual(
        DeadLetter.Coder.of(), new DeadLetter("", 1L << 40, "", "ü\uFFFD"));
    CoderProperties.coderSerializable(DeadLetter.Coder.of());
    DeadLetter back = CoderUtils.clone(DeadLetter.Coder.of(), d);
    assertThat(back.file(), is(d.file()));
    assertThat(back.line(), is(12L));
    assertThat(back.reason(), is(d.reason()));
    assertThat(back.record(), is(d.record()));
  }
}
