package dev.parabeam.pipelines.graph;

import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.csv.FieldSplitter;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import dev.parabeam.transforms.engine.UnitSpan;
import dev.parabeam.transforms.stats.Decimals;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Step {@code Prepare}: reads one CSV file with the project's reader (quotes, line breaks in
 * quotes, stray quotes as in every job) into {@link Sale}s; a record without a region, product or
 * numeric amount is a dead letter, keyed for sorting by file and line.
 */
final class ReadSalesFn extends DoFn<String, Sale> {
  private static final long serialVersionUID = 1L;
  static final TupleTag<Sale> SALES = new TupleTag<>("sales") {};
  static final TupleTag<KV<String, String>> DEAD_LETTERS = new TupleTag<>("deadLetters") {};

  /** Per file read: a line of the run's spans (file, worker, start, end, records, bytes). */
  static final TupleTag<KV<String, String>> SPANS = new TupleTag<>("spans") {};

  /** The header of the spans' lines, as Timeline.fromUnitSpans reads them. */
  static final String SPANS_HEADER = "task,worker,start_epoch_ms,end_epoch_ms,records,bytes";

  private static final int MAX_RECORD_BYTES = 1 << 20;
  static final String NAMESPACE = "DependencyGraph";
  private final Counter read = Metrics.counter(NAMESPACE, "records_read");
  private final Counter ok = Metrics.counter(NAMESPACE, "records_ok");
  private final Counter dead = Metrics.counter(NAMESPACE, "dead_letters");

  @ProcessElement
  public void process(@Element String file, MultiOutputReceiver out) throws IOException {
    long start = System.currentTimeMillis();
    long records = 0;
    CsvDialect dialect = CsvDialect.RFC4180;
    CsvHeader header;
    try (FileChannel ch = FileChannel.open(Path.of(file))) {
      header = CsvHeader.read(ch, dialect, MAX_RECORD_BYTES);
    }
    int region = header.indexOf("region");
    int product = header.indexOf("product");
    int amount = header.indexOf("amount");
    FieldSplitter splitter = new FieldSplitter(dialect);
    try (FileChannel ch = FileChannel.open(Path.of(file))) {
      ch.position(header.dataStart());
      RecordReader reader =
          new RecordReader(
              ch, header.dataStart(), header.dataStartLine(), dialect, MAX_RECORD_BYTES);
      RawRecord rec = new RawRecord();
      while (reader.next(rec)) {
        String reason = null;
        Sale sale = null;
        if (rec.hasUnterminatedQuote() || rec.isTooLong()) {
          reason = rec.hasUnterminatedQuote() ? "unterminated quoted field" : "record too long";
        } else if (!splitter.split(rec.bytes(), rec.offset(), rec.length())) {
          reason = splitter.error();
        } else if (splitter.fieldCount() != header.columns().size()) {
          reason =
              "expected " + header.columns().size() + " fields, found " + splitter.fieldCount();
        } else {
          BigDecimal value = Decimals.parseOrNull(splitter.field(amount));
          String r = splitter.field(region);
          String p = splitter.field(product);
          if (value == null) {
            reason = "amount: not a number: '" + splitter.field(amount) + "'";
          } else if (r.isEmpty() || p.isEmpty()) {
            reason = r.isEmpty() ? "empty region" : "empty product";
          } else {
            sale = new Sale(r, p, value);
          }
        }
        read.inc();
        records++;
        if (sale != null) {
          ok.inc();
          out.get(SALES).output(sale);
        } else {
          dead.inc();
          DeadLetter d = new DeadLetter(file, rec.line(), reason, rec.text(StandardCharsets.UTF_8));
          out.get(DEAD_LETTERS)
              .output(KV.of(String.format("%s\u0000%012d", file, rec.line()), d.toCsvRow()));
        }
      }
    }
    long end = Math.max(start, System.currentTimeMillis());
    out.get(SPANS)
        .output(
            KV.of(
                String.format("%020d\u0000%s", start, file),
                CsvText.row(
                    List.of(
                        "file " + Path.of(file).getFileName(),
                        UnitSpan.currentWorker(),
                        Long.toString(start),
                        Long.toString(end),
                        Long.toString(records),
                        Long.toString(Files.size(Path.of(file)))))));
  }
}
