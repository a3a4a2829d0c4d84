package dev.parabeam.transforms.chunks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.parabeam.transforms.csv.CsvStates;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;

public class CsvChunkTest {
  private static final List<String> COLUMNS = List.of("id", "ké,y", "amount");
  private final CsvFile file = new CsvFile("/data/ü,x.csv", 1L << 40, 17, 3, COLUMNS);

  @Test
  public void fileValueSemantics() {
    assertThat(file, equalTo(new CsvFile("/data/ü,x.csv", 1L << 40, 17, 3, COLUMNS)));
    assertThat(
        file.hashCode(), is(new CsvFile("/data/ü,x.csv", 1L << 40, 17, 3, COLUMNS).hashCode()));
    assertThat(
        file, not(equalTo(new CsvFile("/data/ü,x.csv", 1L << 40, 17, 3, List.of("id", "key")))));
    assertThat(file, not(equalTo(new CsvFile("/data/other.csv", 1L << 40, 17, 3, COLUMNS))));
    assertThat(SerializableUtils.clone(file), equalTo(file));
    assertThat(file.fieldCount(), is(3));
    assertThat(file.columns(), is(COLUMNS));
    assertThat(file.dataStartLine(), is(3L));
  }

  @Test
  public void locateKeepsTheRangeAndSetsTheState() {
    CsvChunk c = TestChunks.chunk(file, 7, 100, 250);
    assertThat(c.isLocated(), is(false));
    assertThat(c.length(), is(150L));
    CsvChunk l = c.locate(CsvStates.QUOTED, 42);
    assertThat(l.isLocated(), is(true));
    assertThat(l.startState(), is(CsvStates.QUOTED));
    assertThat(l.startLine(), is(42L));
    assertThat(l.start(), is(100L));
    assertThat(l.end(), is(250L));
    assertThat(l.index(), is(7));
    assertThat(l.file(), is(file));
    assertThat(c.isLocated(), is(false));
    assertThat(l, not(equalTo(c)));
    assertThat(l, not(equalTo(c.locate(CsvStates.UNQUOTED, 42))));
    assertThat(l, not(equalTo(c.locate(CsvStates.RECORD_START, 42))));
    assertThat(l, not(equalTo(c.locate(CsvStates.QUOTED, 43))));
    assertThat(l, equalTo(c.locate(CsvStates.QUOTED, 42)));
    assertThat(c.toString(), is("/data/ü,x.csv#7[100,250)"));
  }

  @Test
  public void coderRoundTripsEveryField() throws Exception {
    CsvChunk.Coder coder = CsvChunk.Coder.of();
    CsvChunk c = TestChunks.chunk(file, 7, 100, 1L << 39);
    for (CsvChunk x :
        new CsvChunk[] {
          c, c.locate(CsvStates.QUOTE_IN_QUOTED, 1L << 35), c.locate(CsvStates.FIELD_START, 1)
        }) {
      CoderProperties.coderDecodeEncodeEqual(coder, x);
      CsvChunk back = CoderUtils.clone(coder, x);
      assertThat(back.file(), equalTo(file));
      assertThat(back.isLocated(), is(x.isLocated()));
      assertThat(back.startState(), is(x.startState()));
      assertThat(back.startLine(), is(x.startLine()));
      assertThat(back.end(), is(1L << 39));
    }
    CoderProperties.coderDeterministic(coder, c, TestChunks.chunk(file, 7, 100, 1L << 39));
    CoderProperties.coderSerializable(coder);
    assertThat(SerializableUtils.clone(c), equalTo(c));
  }
}
