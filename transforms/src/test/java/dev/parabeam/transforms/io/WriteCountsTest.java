package dev.parabeam.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class WriteCountsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void sumsPerNameAndWritesSortedLines() throws Exception {
    File out = new File(tmp.getRoot(), "_counts.properties");
    pipeline
        .apply(
            Create.of(
                    List.of(
                        KV.of("records_read", 5L),
                        KV.of("dead_letters", 1L),
                        KV.of("records_ok", 4L),
                        KV.of("records_read", 7L),
                        KV.of("records_ok", 7L),
                        KV.of("dead_letters", 0L),
                        KV.of("keys", 3L)))
                .withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())))
        .apply(WriteCounts.to(out.getPath()));
    pipeline.run().waitUntilFinish();
    assertThat(
        new String(Files.readAllBytes(out.toPath()), StandardCharsets.UTF_8),
        is("dead_letters=1\nkeys=3\nrecords_ok=11\nrecords_read=12\n"));
  }
}
