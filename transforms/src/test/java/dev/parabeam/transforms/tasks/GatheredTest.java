package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.Coder.NonDeterministicException;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** The value classes of the task patterns, {@link Gathered} and {@link CallFailure}, and coders. */
public class GatheredTest {
  private static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  public void mapsAreSortedByAnalysisName() {
    Gathered<String> g =
        new Gathered<>("7", map("summary", "s", "entities", "e"), map("sentiment", "down"));
    assertThat(g.results().keySet(), contains("entities", "summary"));
    assertThat(g.isComplete(), is(false));
    assertThat(g.toString(), is("7 results={entities=e, summary=s} errors={sentiment=down}"));
  }

  @Test
  public void equalRecordsEncodeToTheSameBytesWhateverTheInsertionOrder() throws Exception {
    Coder<Gathered<String>> coder = Gathered.coder(StringUtf8Coder.of());
    Gathered<String> a = new Gathered<>("1", map("x", "1", "y", "2", "z", "3"), map("w", "e"));
    Gathered<String> b = new Gathered<>("1", map("z", "3", "y", "2", "x", "1"), map("w", "e"));
    assertThat(a, is(b));
    assertThat(CoderUtils.encodeToByteArray(coder, a), is(CoderUtils.encodeToByteArray(coder, b)));
    CoderProperties.coderDecodeEncodeEqual(coder, a);
    CoderProperties.coderDeterministic(coder, a, b);
    CoderProperties.coderDecodeEncodeEqual(coder, new Gathered<>("", map(), map()));
  }

  @Test
  public void theCoderIsDeterministicExactlyWhenTheResultCoderIs() throws Exception {
    Gathered.coder(StringUtf8Coder.of()).verifyDeterministic();
    assertThrows(
        NonDeterministicException.class,
        () -> Gathered.coder(DoubleCoder.of()).verifyDeterministic());
  }

  @Test
  public void mapsAreUnmodifiable() {
    Gathered<String> g = new Gathered<>("1", map("x", "1"), map());
    assertThrows(UnsupportedOperationException.class, () -> g.results().put("y", "2"));
    assertThrows(UnsupportedOperationException.class, () -> g.errors().put("y", "2"));
  }

  @Test
  public void badRecordsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Gathered<>(null, map(), map()));
    assertThrows(IllegalArgumentException.class, () -> new Gathered<>("1", null, map()));
    assertThrows(IllegalArgumentException.class, () -> new Gathered<>("1", map("x", null), map()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Gathered<>("1", map("x", "1"), map("x", "down")));
    assertThat(e.getMessage(), containsString("'x' has both a result and an error"));
    assertThrows(IllegalArgumentException.class, () -> Gathered.coder(null));
  }

  @Test
  public void callFailuresDescribeThemselvesAndRoundTrip() throws Exception {
    CallFailure<Integer> f = new CallFailure<>(4, "timed out after 200 ms", 3);
    assertThat(f.describe(), is("timed out after 200 ms (3 attempts)"));
    assertThat(
        new CallFailure<>(4, "IllegalArgumentException: bad", 1).describe(),
        is("IllegalArgumentException: bad (1 attempt)"));
    Coder<CallFailure<Integer>> coder = CallFailure.coder(VarIntCoder.of());
    CoderProperties.coderDecodeEncodeEqual(coder, f);
    coder.verifyDeterministic();
    assertThrows(IllegalArgumentException.class, () -> new CallFailure<>(4, null, 1));
    assertThrows(IllegalArgumentException.class, () -> new CallFailure<>(4, "x", -1));
    assertThrows(IllegalArgumentException.class, () -> CallFailure.coder(null));
  }
}
