package dev.parabeam.transforms.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * A call that gave up: the element it was made for, why its last attempt failed, and how many
 * attempts were made. The dead letter of {@link ResilientCall}.
 *
 * @param <InputT> the element type of the call
 */
public final class CallFailure<InputT> {
  private final InputT input;
  private final String reason;
  private final int attempts;

  public CallFailure(InputT input, String reason, int attempts) {
    if (reason == null) {
      throw new IllegalArgumentException("reason must not be null");
    }
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must be >= 0, got " + attempts);
    }
    this.input = input;
    this.reason = reason;
    this.attempts = attempts;
  }

  /** The element the call was made for. */
  public InputT input() {
    return input;
  }

  /**
   * Why the last attempt failed: {@code "SimpleExceptionName: message"}, or {@code "timed out after
   * N ms"} for an attempt cut off by the per-attempt timeout.
   */
  public String reason() {
    return reason;
  }

  /**
   * How many times the call was attempted: the user function was invoked, or, for an attempt cut
   * off by its timeout while it waited for a thread (every one held by abandoned attempts), was to
   * be.
   */
  public int attempts() {
    return attempts;
  }

  /**
   * The reason and the attempt count in one line, e.g. {@code "timed out after 200 ms (3
   * attempts)"}.
   */
  public String describe() {
    return reason + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)");
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CallFailure)) {
      return false;
    }
    CallFailure<?> f = (CallFailure<?>) o;
    return attempts == f.attempts && Objects.equals(input, f.input) && reason.equals(f.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, reason, attempts);
  }

  @Override
  public String toString() {
    return input + ": " + describe();
  }

  /** A coder of failures whose elements {@code inputCoder} encodes. */
  public static <InputT> Coder<CallFailure<InputT>> coder(Coder<InputT> inputCoder) {
    if (inputCoder == null) {
      throw new IllegalArgumentException("inputCoder must not be null");
    }
    return new FailureCoder<>(inputCoder);
  }

  private static final class FailureCoder<InputT> extends StructuredCoder<CallFailure<InputT>> {
    private static final long serialVersionUID = 1L;
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarIntCoder INT = VarIntCoder.of();

    private final Coder<InputT> inputCoder;

    FailureCoder(Coder<InputT> inputCoder) {
      this.inputCoder = inputCoder;
    }

    @Override
    public void encode(CallFailure<InputT> f, OutputStream out) throws IOException {
      inputCoder.encode(f.input, out);
      STRING.encode(f.reason, out);
      INT.encode(f.attempts, out);
    }

    @Override
    public CallFailure<InputT> decode(InputStream in) throws IOException {
      InputT input = inputCoder.decode(in);
      String reason = STRING.decode(in);
      return new CallFailure<>(input, reason, INT.decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(inputCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "the input coder must be deterministic", inputCoder);
    }
  }
}
