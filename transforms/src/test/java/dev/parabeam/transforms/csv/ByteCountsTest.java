package dev.parabeam.transforms.csv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;

public class ByteCountsTest {
  private static final byte Q = '"';

  private static ByteCounts count(String s, long length) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteCounts.count(TestChannels.from(b, 0), length, Q);
  }

  @Test
  public void countsQuotesAndLineFeeds() throws IOException {
    assertThat(count("a\"b\n\"\n", 6), equalTo(new ByteCounts(2, 2, true)));
    assertThat(count("a\"b\n\"\n", 5), equalTo(new ByteCounts(2, 1, false)));
    assertThat(count("a\"b\n\"\n", 4), equalTo(new ByteCounts(1, 1, true)));
    assertThat(count("\r\n\"\"\"", 5), equalTo(new ByteCounts(3, 1, false)));
  }

  @Test
  public void emptyRangeAndShortStream() throws IOException {
    assertThat(count("abc", 0), equalTo(new ByteCounts(0, 0, false)));
    assertThat(count("\n\"", 100), equalTo(new ByteCounts(1, 1, false)));
    assertThat(count("\"\n", 100), equalTo(new ByteCounts(1, 1, true)));
    assertThat(count("", 10), equalTo(new ByteCounts(0, 0, false)));
  }

  @Test
  public void otherQuoteByte() throws IOException {
    byte[] b = "'\"'\n".getBytes(StandardCharsets.UTF_8);
    assertThat(ByteCounts.count(TestChannels.from(b, 0), 4, (byte) '\''), equalTo(new ByteCounts(2, 1, true)));
  }

  @Test
  public void largeRandomRangesWithTricklingChannels() throws IOException {
    Random rnd = new Random(5L);
    byte[] data = new byte[200_000];
    for (int i = 0; i < data.length; i++) {
      int r = rnd.nextInt(10);
      data[i] = (byte) (r == 0 ? '"' : r == 1 ? '\n' : 'a' + r);
    }
    for (int iter = 0; iter < 20; iter++) {
      int from = rnd.nextInt(data.length);
      int len = rnd.nextInt(data.length - from + 1);
      long q = 0;
      long lf = 0;
      for (int i = from; i < from + len; i++) {
        q += data[i] == '"' ? 1 : 0;
        lf += data[i] == '\n' ? 1 : 0;
      }
      boolean endsLf = len > 0 && data[from + len - 1] == '\n';
      ByteCounts expected = new ByteCounts(q, lf, endsLf);
      assertThat(ByteCounts.count(TestChannels.from(data, from), len, Q), equalTo(expected));
      assertThat(ByteCounts.count(TestChannels.trickle(data, from, 1 + rnd.nextInt(100)), len, Q), equalTo(expected));
    }
  }

  @Test
  public void valueSemanticsAndCoder() throws Exception {
    ByteCounts a = new ByteCounts(3, 400_000_000_000L, true);
    assertThat(a, equalTo(new ByteCounts(3, 400_000_000_000L, true)));
    assertThat(a.hashCode(), is(new ByteCounts(3, 400_000_000_000L, true).hashCode()));
    assertThat(a, not(equalTo(new ByteCounts(3, 400_000_000_000L, false))));
    assertThat(a, not(equalTo(new ByteCounts(4, 400_000_000_000L, true))));
    assertThat(a, not(equalTo(new ByteCounts(3, 5, true))));
    CoderProperties.coderDecodeEncodeEqual(ByteCounts.Coder.of(), a);
    CoderProperties.coderDecodeEncodeEqual(ByteCounts.Coder.of(), new ByteCounts(0, 0, false));
    CoderProperties.coderDeterministic(ByteCounts.Coder.of(), a, new ByteCounts(3, 400_000_000_000L, true));
    CoderProperties.coderSerializable(ByteCounts.Coder.of());
    assertThat(SerializableUtils.clone(a), equalTo(a));
  }
}
