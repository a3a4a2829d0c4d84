package dev.parabeam.transforms.csv;

import static dev.parabeam.transforms.csv.CsvStates.FIELD_START;
import static dev.parabeam.transforms.csv.CsvStates.QUOTED;
import static dev.parabeam.transforms.csv.CsvStates.QUOTE_IN_QUOTED;
import static dev.parabeam.transforms.csv.CsvStates.RECORD_START;
import static dev.parabeam.transforms.csv.CsvStates.UNQUOTED;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;

public class ChunkTransitionsTest {
  private static final CsvStates RFC = CsvStates.of(CsvDialect.RFC4180);

  private static ChunkTransitions scan(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ChunkTransitions.scan(TestChannels.from(b, 0), b.length, RFC);
  }

  /**
   * The end state of {@code len} bytes from {@code from}, one start state at a time, byte by byte.
   */
  private static int[] stepByStep(byte[] d, int from, int len, CsvStates states) {
    int[] end = new int[CsvStates.COUNT];
    for (int s0 = 0; s0 < CsvStates.COUNT; s0++) {
      int s = s0;
      for (int i = from; i < from + len; i++) {
        s = states.next(s, d[i]);
      }
      end[s0] = s;
    }
    return end;
  }

  private static void assertSame(ChunkTransitions got, int[] end, long lf) {
    for (int s = 0; s < CsvStates.COUNT; s++) {
      assertThat(got + " from " + CsvStates.name(s), got.endState(s), is(end[s]));
    }
    assertThat(got.lineFeeds(), is(lf));
  }

  @Test
  public void handCases() throws IOException {
    // no quotes at all: a chunk cannot tell whether it started inside a quoted field
    ChunkTransitions t = scan("a,b\nc");
    assertThat(t.endState(RECORD_START), is(UNQUOTED));
    assertThat(t.endState(UNQUOTED), is(UNQUOTED));
    assertThat(t.endState(QUOTED), is(QUOTED));
    assertThat(t.lineFeeds(), is(1L));
    // an inch mark in an unquoted field is a literal: the LF after it ends the record
    t = scan("big 5\" screen,1\n");
    assertThat(t.endState(RECORD_START), is(RECORD_START));
    // ...but seen from inside a quoted field, the same quote closes it and "screen" follows it
    assertThat(t.endState(QUOTED), is(RECORD_START));
    // a quote at a field start opens a quoted field that holds the LF
    t = scan("x,\"a\nb");
    assertThat(t.endState(RECORD_START), is(QUOTED));
    assertThat(t.endState(QUOTED), is(UNQUOTED));
    // a doubled quote
    t = scan("\"\"");
    assertThat(t.endState(RECORD_START), is(QUOTE_IN_QUOTED));
    assertThat(t.endState(QUOTED), is(QUOTED));
    assertThat(t.endState(QUOTE_IN_QUOTED), is(QUOTE_IN_QUOTED));
    t = scan(",");
    assertThat(t.endState(UNQUOTED), is(FIELD_START));
    assertThat(t.endState(QUOTED), is(QUOTED));
    t = scan("");
    for (int s = 0; s < CsvStates.COUNT; s++) {
      assertThat(t.endState(s), is(s));
    }
  }

  @Test
  public void otherDialect() throws IOException {
    CsvStates semi = CsvStates.of(CsvDialect.of(";", "'"));
    byte[] b = "'a;\"\n';b".getBytes(StandardCharsets.UTF_8);
    ChunkTransitions t = ChunkTransitions.scan(TestChannels.from(b, 0), b.length, semi);
    assertThat(t.endState(RECORD_START), is(UNQUOTED));
    assertThat(t.lineFeeds(), is(1L));
    assertSame(t, stepByStep(b, 0, b.length, semi), 1);
  }

  /**
   * Random bytes rich in structure, any range, any read size: the same as stepping byte by byte.
   */
  @Test
  public void randomRangesMatchStepByStep() throws IOException {
    Random rnd = new Random(5L);
    byte[] alphabet = "ab,\"\"\n\r ".getBytes(StandardCharsets.UTF_8);
    for (int iter = 0; iter < 1020; iter++) {
      int n = iter < 1000 ? rnd.nextInt(40) : 1 + rnd.nextInt(200_000);
      byte[] data = new byte[n];
      int quoteRate = 1 + rnd.nextInt(iter < 1000 ? 8 : 2000);
      for (int i = 0; i < n; i++) {
        data[i] = rnd.nextInt(quoteRate) == 0 ? (byte) '"' : alphabet[rnd.nextInt(alphabet.length)];
      }
      int from = rnd.nextInt(n + 1);
      int len = rnd.nextInt(n - from + 1);
      long lf = 0;
      for (int i = from; i < from + len; i++) {
        lf += data[i] == '\n' ? 1 : 0;
      }
      int[] end = stepByStep(data, from, len, RFC);
      assertSame(ChunkTransitions.scan(TestChannels.from(data, from), len, RFC), end, lf);
      assertSame(
          ChunkTransitions.scan(TestChannels.trickle(data, from, 1 + rnd.nextInt(100)), len, RFC),
          end,
          lf);
    }
  }

  @Test
  public void composingSummariesGivesTheSequentialState() throws IOException {
    Random rnd = new Random(11L);
    byte[] alphabet = "a,\"\n\r".getBytes(StandardCharsets.UTF_8);
    for (int iter = 0; iter < 500; iter++) {
      byte[] data = new byte[rnd.nextInt(80)];
      for (int i = 0; i < data.length; i++) {
        data[i] = alphabet[rnd.nextInt(alphabet.length)];
      }
      int state = RECORD_START;
      int at = 0;
      while (at < data.length) {
        int len = 1 + rnd.nextInt(10);
        len = Math.min(len, data.length - at);
        state = ChunkTransitions.scan(TestChannels.from(data, at), len, RFC).endState(state);
        at += len;
      }
      assertThat(state, is(stepByStep(data, 0, data.length, RFC)[RECORD_START]));
    }
  }

  @Test
  public void valueSemanticsAndCoder() throws Exception {
    ChunkTransitions a = new ChunkTransitions(new byte[] {0, 1, 2, 3, 4}, 400_000_000_000L);
    assertThat(a, equalTo(new ChunkTransitions(new byte[] {0, 1, 2, 3, 4}, 400_000_000_000L)));
    assertThat(
        a.hashCode(),
        is(new ChunkTransitions(new byte[] {0, 1, 2, 3, 4}, 400_000_000_000L).hashCode()));
    assertThat(a, not(equalTo(new ChunkTransitions(new byte[] {0, 1, 2, 3, 3}, 400_000_000_000L))));
    assertThat(a, not(equalTo(new ChunkTransitions(new byte[] {0, 1, 2, 3, 4}, 5))));
    CoderProperties.coderDecodeEncodeEqual(ChunkTransitions.Coder.of(), a);
    CoderProperties.coderDeterministic(
        ChunkTransitions.Coder.of(),
        a,
        new ChunkTransitions(new byte[] {0, 1, 2, 3, 4}, 400_000_000_000L));
    CoderProperties.coderSerializable(ChunkTransitions.Coder.of());
  }
}
