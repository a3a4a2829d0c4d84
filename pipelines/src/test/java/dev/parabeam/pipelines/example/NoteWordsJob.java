package dev.parabeam.pipelines.example;

import dev.parabeam.pipelines.ChunkedJob;
import dev.parabeam.pipelines.ChunkedJobOptions;
import dev.parabeam.pipelines.JobInput;
import dev.parabeam.pipelines.JobOutputs;
import dev.parabeam.transforms.engine.ChunkedCsv;
import dev.parabeam.transforms.engine.RecordFn;
import dev.parabeam.transforms.engine.ResultTable;
import dev.parabeam.transforms.engine.Utf8Order;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.Combine.BinaryCombineLongFn;
import org.apache.beam.sdk.transforms.Sum;

// README: begin
/** How often each word occurs in a text column: a whole job on the chunked engine. */
public final class NoteWordsJob implements ChunkedJob<NoteWordsJob.Options> {
  public interface Options extends ChunkedJobOptions {
    @Description("Column whose words are counted.")
    @Validation.Required
    String getTextColumn();

    void setTextColumn(String value);
  }

  public String name() {
    return "notewords";
  }

  public String summary() {
    return "how often each word occurs in a text column";
  }

  public String usage() {
    return "notewords --input=<file or glob> --textColumn=<name> --output=<dir>";
  }

  public Class<Options> optionsClass() {
    return Options.class;
  }

  public List<String> requiredColumns(Options o) {
    return List.of(o.getTextColumn());
  }

  public JobOutputs<String, long[], Long> build(Pipeline p, Options o, JobInput input) {
    String column = o.getTextColumn();
    RecordFn<String, Long> words =
        (record, out) -> {
          for (String w : record.get(column).toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
              out.emit(
                  w,
                  1L); // zero or more pairs per record; out.reject(reason) makes it a dead letter
            }
          }
        };
    BinaryCombineLongFn sum = Sum.ofLongs(); // applied inside each chunk first, then across chunks
    return new JobOutputs<>(
        input.read(
            p, "ReadChunks", ChunkedCsv.of(words, StringUtf8Coder.of(), VarLongCoder.of(), sum)),
        sum,
        new WordTable());
  }

  static final class WordTable implements ResultTable<String, Long> {
    public List<String> header() {
      return List.of("word", "count");
    }

    public List<String> row(String word, Long count) {
      return List.of(word, count.toString());
    }

    public Comparator<String> order() {
      return Utf8Order.INSTANCE;
    }
  }
}
// README: end
