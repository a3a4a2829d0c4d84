package dev.parabeam.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.DecimalStatsCoder;
import java.io.File;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class WriteStatsCsvTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static DecimalStats stats(String... values) {
    DecimalStats s = new DecimalStats();
    for (String v : values) {
      s.add(new BigDecimal(v));
    }
    return s;
  }

  @Test
  public void writesSortedRowsAndCountsKeysAndWritesHeaderOnlyForNothing() throws Exception {
    File full = new File(tmp.getRoot(), "results.csv");
    File empty = new File(tmp.getRoot(), "empty.csv");
    List<KV<String, DecimalStats>> rows = new ArrayList<>();
    rows.add(KV.of("ü", stats("1.50", "2")));
    rows.add(KV.of("a,b", stats("-1")));
    rows.add(KV.of("Z", stats("1E+2", "0.25", "3")));
    rows.add(KV.of("", stats("0")));
    KvCoder<String, DecimalStats> coder = KvCoder.of(StringUtf8Coder.of(), DecimalStatsCoder.of());

    PAssert.that(
            "keys written",
            pipeline
                .apply("Rows", Create.of(rows).withCoder(coder))
                .apply("Write", WriteStatsCsv.to(full.getPath())))
        .containsInAnyOrder(4L);
    PAssert.that(
            "nothing written",
            pipeline
                .apply("NoRows", Create.empty(coder))
                .apply("WriteEmpty", WriteStatsCsv.to(empty.getPath())))
        .containsInAnyOrder(0L);
    pipeline.run().waitUntilFinish();

    assertThat(
        new String(Files.readAllBytes(full.toPath()), StandardCharsets.UTF_8),
        is(
            "key,count,sum,min,max,mean\n"
                + ",1,0,0,0,0\n"
                + "Z,3,103.25,0.25,100,34.416667\n"
                + "\"a,b\",1,-1,-1,-1,-1\n"
                + "ü,2,3.5,1.5,2,1.75\n"));
    assertThat(
        new String(Files.readAllBytes(empty.toPath()), StandardCharsets.UTF_8),
        is("key,count,sum,min,max,mean\n"));
  }
}
