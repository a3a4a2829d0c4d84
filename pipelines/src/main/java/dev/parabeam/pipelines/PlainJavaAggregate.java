package dev.parabeam.pipelines;

import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvStates;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.stats.DecimalStats;
import dev.parabeam.transforms.stats.Decimals;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.IOException;
import java.math.BigDecimal;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The plain-Java baseline of the {@code aggregate} job: commons-csv and a HashMap, on one thread or
 * on N threads over N byte ranges cut on record boundaries (found by the same CSV automaton the
 * job uses). It is what a competent programmer would write without a framework, and the yardstick
 * the job's speed is judged against. It handles well-formed input; bad records are counted, not
 * written out.
 */
public final class PlainJavaAggregate {
  private PlainJavaAggregate() {}

  /** What a run found. */
  public static final class Outcome {
    public final Map<String, DecimalStats> results;
    public final long ok;
    public final long bad;

    Outcome(Map<String, DecimalStats> results, long ok, long bad) {
      this.results = results;
      this.ok = ok;
      this.bad = bad;
    }
  }

  static int main(String[] argv) throws Exception {
    Args a = Args.parse(argv, Set.of("input", "keyColumn", "valueColumn", "threads", "output"));
    Path input = Paths.get(a.required("input"));
    if (!Files.isRegularFile(input)) {
      throw new UsageException("--input=" + input + " is not a file");
    }
    int threads = (int) a.getLong("threads", 1);
    if (threads < 1) {
      throw new UsageException("--threads must be >= 1");
    }
    long t0 = System.nanoTime();
    Outcome o = run(input, a.required("keyColumn"), a.required("valueColumn"), threads);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (a.has("output")) {
      try (Writer w = Files.newBufferedWriter(Paths.get(a.get("output", "")), StandardCharsets.UTF_8)) {
        StatsCsv.write(o.results, w);
      }
    }
    System.out.printf(
        "{\"threads\": %d, \"records_ok\": %d, \"bad_records\": %d, \"keys\": %d, \"seconds\": %.3f}%n",
        threads, o.ok, o.bad, o.results.size(), secs);
    return 0;
  }

  static Outcome run(Path input, String keyColumn, String valueColumn, int threads) throws Exception {
    return run(input, keyColumn, valueColumn, threads, SimulatedWork.none());
  }

  /**
   * Like the job, with {@code work} done for every good record (after its value parsed, before
   * it is added), the same kind and µs as the job's {@code --work}.
   */
  public static Outcome run(Path input, String keyColumn, String valueColumn, int threads, SimulatedWork work)
      throws Exception {
    work.prepare();
    CsvHeader header;
    try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
      header = CsvHeader.read(ch, CsvDialect.RFC4180, 1 << 20);
    }
    int k = header.indexOf(keyColumn);
    int v = header.indexOf(valueColumn);
    if (k < 0 || v < 0) {
      throw new UsageException(input + " has no column '" + (k < 0 ? keyColumn : valueColumn) + "'");
    }
    int n = header.columns().size();
    long size = Files.size(input);
    long data = size - header.dataStart();
    if (threads == 1) {
      return parseRange(input, header.dataStart(), size, k, v, n, work);
    }
    // 1. summarise each range with the CSV automaton, in parallel; 2. find each range's first record; 3. parse.
    long[] starts = new long[threads + 1];
    for (int i = 0; i <= threads; i++) {
      starts[i] = header.dataStart() + data * i / threads;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CsvStates states = CsvStates.of(CsvDialect.RFC4180);
      List<Future<ChunkTransitions>> counts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        final long s = starts[i];
        final long e = starts[i + 1];
        counts.add(pool.submit(() -> {
          try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
            ch.position(s);
            return ChunkTransitions.scan(ch, e - s, states);
          }
        }));
      }
      long[] recordStarts = new long[threads + 1];
      recordStarts[threads] = size;
      int state = CsvStates.RECORD_START;
      List<Future<Long>> located = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        final long s = starts[i];
        final int startState = state;
        located.add(pool.submit(() -> {
          try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
            ch.position(s);
            RecordReader r = new RecordReader(ch, s, 0, CsvDialect.RFC4180, 1 << 20);
            r.skipToRecordStart(startState);
            return r.position();
          }
        }));
        state = counts.get(i).get().endState(state);
      }
      for (int i = 0; i < threads; i++) {
        recordStarts[i] = located.get(i).get();
      }
      List<Future<Outcome>> parts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        final long s = recordStarts[i];
        final long e = Math.max(s, recordStarts[i + 1]);
        parts.add(pool.submit(() -> parseRange(input, s, e, k, v, n, work)));
      }
      Map<String, DecimalStats> merged = new HashMap<>();
      long ok = 0;
      long bad = 0;
      for (Future<Outcome> f : parts) {
        Outcome o = f.get();
        o.results.forEach((key, st) -> merged.merge(key, st, DecimalStats::merge));
        ok += o.ok;
        bad += o.bad;
      }
      return new Outcome(merged, ok, bad);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Parses the records in {@code [start, end)} (both record boundaries) with commons-csv. A record
   * commons-csv refuses (text after a closing quote, a quoted field never closed) counts as bad,
   * and parsing resumes with a new parser just after it, where the job's record reader says it
   * ends; on well-formed input that costs nothing.
   */
  static Outcome parseRange(Path input, long start, long end, int k, int v, int n, SimulatedWork work)
      throws IOException {
    Map<String, DecimalStats> map = new HashMap<>();
    long ok = 0;
    long bad = 0;
    long at = start;
    while (at < end) {
      long parsed = 0;
      boolean refused = false;
      try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
        ch.position(at);
        InputStream in = new BoundedInputStream(Channels.newInputStream(ch), end - at);
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
            CSVParser p = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).build().parse(r)) {
          for (CSVRecord rec : p) {
            parsed++;
            if (rec.size() != n) {
              bad++;
              continue;
            }
            BigDecimal value = Decimals.parseOrNull(rec.get(v));
            if (value == null) {
              bad++;
              continue;
            }
            String key = rec.get(k);
            work.run(key);
            map.computeIfAbsent(key, x -> new DecimalStats()).add(value);
            ok++;
          }
        } catch (UncheckedIOException e) {
          if (!(e.getCause() instanceof CSVException)) {
            throw e;
          }
          refused = true;
        }
      }
      if (!refused) {
        break;
      }
      bad++;
      at = skipRecords(input, at, parsed + 1);
    }
    return new Outcome(map, ok, bad);
  }

  /** The offset just after the first {@code count} records from {@code at}, a record boundary. */
  private static long skipRecords(Path input, long at, long count) throws IOException {
    try (FileChannel ch = FileChannel.open(input, StandardOpenOption.READ)) {
      ch.position(at);
      RecordReader r = new RecordReader(ch, at, 0, CsvDialect.RFC4180, 1 << 20);
      RawRecord rec = new RawRecord();
      for (long i = 0; i < count && r.next(rec); i++) {
        // each call moves past one record
      }
      return r.position();
    }
  }

  /** Reads at most {@code limit} bytes of a stream. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      this.in = new java.io.BufferedInputStream(in, 1 << 16);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
