package dev.parabeam.transforms.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One bundle of a {@link ResilientCall}'s calls: the worker that made them (thread and process),
 * from the bundle's first element to its last call's end in epoch milliseconds, and how many calls
 * it started. A run's timeline of its calls is one per bundle ({@link ResilientCall#bundles}).
 */
public record CallBundle(String worker, long startMillis, long endMillis, long calls) {
  public CallBundle {
    if (worker == null || endMillis < startMillis || calls < 0) {
      throw new IllegalArgumentException(
          "call bundle: "
              + worker
              + " "
              + startMillis
              + ".."
              + endMillis
              + ", "
              + calls
              + " calls");
    }
  }

  public static final Coder<CallBundle> CODER =
      new AtomicCoder<>() {
        private static final long serialVersionUID = 1L;

        @Override
        public void encode(CallBundle b, OutputStream out) throws IOException {
          StringUtf8Coder.of().encode(b.worker(), out);
          VarLongCoder.of().encode(b.startMillis(), out);
          VarLongCoder.of().encode(b.endMillis(), out);
          VarLongCoder.of().encode(b.calls(), out);
        }

        @Override
        public CallBundle decode(InputStream in) throws IOException {
          return new CallBundle(
              StringUtf8Coder.of().decode(in),
              VarLongCoder.of().decode(in),
              VarLongCoder.of().decode(in),
              VarLongCoder.of().decode(in));
        }

        @Override
        public void verifyDeterministic() {}
      };
}
