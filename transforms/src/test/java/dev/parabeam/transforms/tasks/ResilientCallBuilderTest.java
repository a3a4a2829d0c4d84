package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.Test;
import org.junit.function.ThrowingRunnable;

/**
 * Every {@code withX} of {@link ResilientCall}: it rejects bad values with a message that names
 * them, and it returns a new transform with the setting, leaving the original as it was.
 */
public class ResilientCallBuilderTest {
  private static final ResilientCall<String, String> BASE = ResilientCall.of((String s) -> s);

  private static void rejects(ThrowingRunnable r, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r);
    assertThat(e.getMessage(), containsString(message));
  }

  private static String shown(ResilientCall<?, ?> call) {
    return DisplayData.from(call).toString();
  }

  /** {@code change} gives a new transform that shows {@code item}; the base does not show it. */
  private static void sets(UnaryOperator<ResilientCall<String, String>> change, String item) {
    ResilientCall<String, String> changed = change.apply(BASE);
    assertThat(changed, not(sameInstance(BASE)));
    assertThat(shown(changed), containsString(item));
    assertThat(shown(BASE), not(containsString(item)));
  }

  @Test
  public void ofRejectsANullFunction() {
    rejects(() -> ResilientCall.of(null), "fn must not be null");
    rejects(
        () -> ResilientCall.ofAsync((SerializableFunction<String, CompletionStage<String>>) null),
        "fn must not be null");
  }

  @Test
  public void defaultsAreShown() {
    String d = shown(BASE);
    assertThat(d, containsString("maxAttempts=3"));
    assertThat(d, containsString("maxInFlight=16"));
    assertThat(d, containsString("retryOn=every exception"));
    assertThat(d, containsString("async=false"));
  }

  @Test
  public void withMaxAttempts() {
    rejects(() -> BASE.withMaxAttempts(0), "maxAttempts must be at least 1, got 0");
    rejects(() -> BASE.withMaxAttempts(-2), "maxAttempts must be at least 1, got -2");
    sets(c -> c.withMaxAttempts(7), "maxAttempts=7");
    assertThat(BASE.withMaxAttempts(1).maxAttempts(), is(1));
  }

  @Test
  public void withBackoff() {
    rejects(() -> BASE.withBackoff(null, Duration.ofSeconds(1)), "initialDelay must be positive");
    rejects(
        () -> BASE.withBackoff(Duration.ZERO, Duration.ofSeconds(1)),
        "initialDelay must be positive");
    rejects(
        () -> BASE.withBackoff(Duration.ofMillis(-1), Duration.ofSeconds(1)),
        "initialDelay must be positive");
    rejects(
        () -> BASE.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        "maxDelay must be at least initialDelay");
    rejects(() -> BASE.withBackoff(Duration.ofSeconds(2), null), "maxDelay must be at least");
    sets(
        c -> c.withBackoff(Duration.ofMillis(7), Duration.ofSeconds(3)), "initialBackoff=PT0.007S");
    sets(c -> c.withBackoff(Duration.ofMillis(7), Duration.ofSeconds(3)), "maxBackoff=PT3S");
  }

  @Test
  public void withJitter() {
    rejects(() -> BASE.withJitter(-0.1), "jitter factor must be between 0 and 1, got -0.1");
    rejects(() -> BASE.withJitter(1.5), "jitter factor must be between 0 and 1, got 1.5");
    rejects(() -> BASE.withJitter(Double.NaN), "jitter factor must be between 0 and 1");
    sets(c -> c.withJitter(0.5), "jitter=0.5");
  }

  @Test
  public void withRetryOn() {
    rejects(() -> BASE.withRetryOn(), "retryOn needs at least one exception type");
    rejects(() -> BASE.withRetryOn(IOException.class, null), "retryOn types must not be null");
    sets(
        c -> c.withRetryOn(IOException.class, IllegalStateException.class),
        "retryOn=java.io.IOException,java.lang.IllegalStateException");
  }

  @Test
  public void withTimeout() {
    rejects(() -> BASE.withTimeout(null), "timeout must be positive, got null");
    rejects(() -> BASE.withTimeout(Duration.ZERO), "timeout must be positive, got PT0S");
    rejects(() -> BASE.withTimeout(Duration.ofMillis(-5)), "timeout must be positive");
    sets(c -> c.withTimeout(Duration.ofMillis(250)), "timeout=PT0.25S");
  }

  @Test
  public void withFallback() {
    rejects(() -> BASE.withFallback(null), "fallback must not be null");
    sets(c -> c.withFallback(s -> "none"), "fallback=");
  }

  @Test
  public void withMaxInFlight() {
    rejects(() -> BASE.withMaxInFlight(0), "maxInFlight must be at least 1, got 0");
    rejects(() -> BASE.withMaxInFlight(-1), "maxInFlight must be at least 1, got -1");
    sets(c -> c.withMaxInFlight(64), "maxInFlight=64");
  }

  @Test
  public void withRateLimit() {
    rejects(() -> BASE.withRateLimit(-1), "rate limit must be more than 0");
    rejects(() -> BASE.withRateLimit(0), "rate limit must be more than 0");
    rejects(() -> BASE.withRateLimit(Double.NaN), "rate limit must be more than 0");
    rejects(() -> BASE.withRateLimit(Double.POSITIVE_INFINITY), "rate limit must be more than 0");
    sets(c -> c.withRateLimit(0.5), "rateLimit=0.5");
  }

  @Test
  public void withSharedLimits() {
    rejects(() -> BASE.withSharedLimits(null), "shared limits name must not be empty");
    rejects(() -> BASE.withSharedLimits(" "), "shared limits name must not be empty");
    sets(c -> c.withSharedLimits("nlp-api"), "limits=nlp-api");
    // The name survives further settings; unshared calls get limits of their own per transform.
    assertThat(
        shown(BASE.withSharedLimits("nlp-api").withMaxAttempts(2)),
        containsString("limits=nlp-api"));
    assertThat(shown(BASE.withMaxAttempts(2)), not(containsString(limitsOf(BASE))));
  }

  private static String limitsOf(ResilientCall<?, ?> call) {
    String d = shown(call);
    int at = d.indexOf("limits=");
    return d.substring(at, d.indexOf(',', at) < 0 ? d.length() : d.indexOf(',', at));
  }

  @Test
  public void withOutputCoder() {
    rejects(() -> BASE.withOutputCoder(null), "output coder must not be null");
    ResilientCall<String, String> withCoder = BASE.withOutputCoder(StringUtf8Coder.of());
    assertThat(withCoder, not(sameInstance(BASE)));
    assertThat(withCoder.results(), is(BASE.results()));
  }
}
