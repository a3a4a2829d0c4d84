package dev.parabeam.pipelines.analyze;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/** One input document: its id and its text. */
public record Document(String id, String text) implements Serializable {
  /** Coder: the id, then the text. */
  public static final class Coder extends CustomCoder<Document> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(Document d, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(d.id(), out);
      StringUtf8Coder.of().encode(d.text(), out);
    }

    @Override
    public Document decode(InputStream in) throws IOException {
      return new Document(StringUtf8Coder.of().decode(in), StringUtf8Coder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
