package dev.parabeam.pipelines.baseline;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.JobPlan;
import dev.parabeam.pipelines.launcher.LocalFiles;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.CsvStates;
import dev.parabeam.transforms.csv.RawRecord;
import dev.parabeam.transforms.csv.RecordReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.beam.sdk.io.Compression;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * What the plain-Java baselines ({@link PlainJavaAggregate}, {@link PlainJavaGroupBy}) share: read
 * the header, cut the data into N byte ranges on record boundaries (found by the same CSV automaton
 * the jobs use), and feed every record of each range, parsed by commons-csv, to a fresh {@link
 * Part} on its own thread. The caller merges the parts. Well-formed input is the case they are
 * written for; a record commons-csv refuses or with the wrong number of fields counts as bad.
 *
 * <p>Over 300 lines on purpose: the whole hand-written baseline (cutting files on record
 * boundaries, reading compressed files, the threads) is in one place, as a programmer without a
 * framework would write it.
 */
public final class PlainJavaCsv {
  private PlainJavaCsv() {}

  /** One thread's state over one range: the per-record step of a baseline. */
  interface Part {
    /**
     * Takes one record with the header's number of fields; false when it is bad (e.g. not a
     * number).
     */
    boolean add(CSVRecord record);
  }

  /** A part after its range, with the counts of good and bad records. */
  static final class Parsed<P> {
    final P part;
    final long ok;
    final long bad;

    Parsed(P part, long ok, long bad) {
      this.part = part;
      this.ok = ok;
      this.bad = bad;
    }
  }

  /**
   * How the files are read, as the job's {@code --compression} and {@code --encoding} say: a
   * compressed file is decompressed by one thread from its start; fields are decoded with the
   * charset (commons-csv reads the decoded text; a byte the charset does not define becomes U+FFFD
   * here, where the job makes its record a dead letter).
   */
  static final class Reading {
    static final Reading DEFAULT = new Reading(Compression.AUTO, CsvDialect.RFC4180);

    final Compression compression;
    final CsvDialect dialect;

    Reading(Compression compression, CsvDialect dialect) {
      this.compression = compression;
      this.dialect = dialect;
    }

    /**
     * From {@code --compression} and {@code --encoding} of the command line; misuse as the job's.
     */
    static Reading of(String compression, String encoding) {
      CsvDialect d;
      try {
        d = CsvDialect.RFC4180.withEncoding(encoding);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      return new Reading(JobPlan.compressionOption(compression), d);
    }

    Compression of(Path file) {
      return JobPlan.compressionOf(file.toString(), compression);
    }

    /**
     * The text of {@code file} from {@code offset} (an offset in the decompressed text if
     * compressed).
     */
    ReadableByteChannel open(Path file, long offset) throws IOException {
      return ChunkIO.openAt(file.toString(), of(file), offset);
    }
  }

  /** The header of {@code input}. */
  static CsvHeader header(Path input, Reading reading) throws IOException {
    try (ReadableByteChannel ch = reading.open(input, 0)) {
      return CsvHeader.read(ch, reading.dialect, 1 << 20);
    } catch (IllegalArgumentException e) {
      throw new UsageException(input + ": " + e.getMessage());
    }
  }

  /**
   * The header's index of each column, or a {@link UsageException} naming the first one missing.
   */
  static int[] indexes(Path input, CsvHeader header, List<String> columns) {
    int[] at = new int[columns.size()];
    for (int i = 0; i < at.length; i++) {
      try {
        at[i] = header.indexOf(columns.get(i));
      } catch (IllegalArgumentException e) { // a name the header gives twice
        throw new UsageException(input + ": " + e.getMessage());
      }
      if (at[i] < 0) {
        throw new UsageException(input + " has no column '" + columns.get(i) + "'");
      }
    }
    return at;
  }

  /**
   * Parses the data of {@code input} on {@code threads} threads, one range and one new part each
   * (on the calling thread when {@code threads} is 1), and returns the parts in file order.
   */
  static <P extends Part> List<Parsed<P>> parse(
      Path input, CsvHeader header, int threads, Supplier<P> newPart, Reading reading)
      throws Exception {
    int n = header.columns().size();
    if (reading.of(input) != Compression.UNCOMPRESSED) {
      // a compressed file cannot be cut into byte ranges: one thread reads it whole
      return List.of(
          parseRange(input, header.dataStart(), Long.MAX_VALUE, n, newPart.get(), reading));
    }
    long size = Files.size(input);
    if (threads == 1) {
      return List.of(parseRange(input, header.dataStart(), size, n, newPart.get(), reading));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long[] recordStarts = recordStarts(input, header.dataStart(), size, threads, pool);
      List<Future<Parsed<P>>> parts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        final long s = recordStarts[i];
        final long e = Math.max(s, recordStarts[i + 1]);
        parts.add(pool.submit(() -> parseRange(input, s, e, n, newPart.get(), reading)));
      }
      List<Parsed<P>> out = new ArrayList<>();
      for (Future<Parsed<P>> f : parts) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** What a baseline computed: its results by key, its counts, and how to write its results.csv. */
  abstract static class Computed<K, R> {
    public final Map<K, R> results;
    public final long ok;
    public final long bad;

    Computed(Map<K, R> results, long ok, long bad) {
      this.results = results;
      this.ok = ok;
      this.bad = bad;
    }

    abstract void write(Writer w) throws IOException;
  }

  /** A baseline's computation over the files of {@code --input}. */
  interface Computation {
    Computed<?, ?> run(List<Path> input, int threads, Reading reading) throws Exception;
  }

  /**
   * The part every baseline command shares around its computation: {@code --input} (file or glob),
   * {@code --threads}, the reading options, the timing, {@code --output} (its directories made) and
   * the one-line JSON report.
   */
  static int command(
      String inputOption, int threads, Reading reading, Path output, Computation computation)
      throws Exception {
    List<Path> input = files(inputOption);
    if (threads < 1) {
      throw new UsageException("--threads must be >= 1");
    }
    long t0 = System.nanoTime();
    Computed<?, ?> o = computation.run(input, threads, reading);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (output != null) {
      output = output.toAbsolutePath();
      Files.createDirectories(output.getParent());
      try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
        o.write(w);
      }
    }
    System.out.printf(
        "{\"threads\": %d, \"records_ok\": %d, \"bad_records\": %d, \"keys\": %d, \"seconds\": %.3f}%n",
        threads, o.ok, o.bad, o.results.size(), secs);
    return 0;
  }

  /**
   * The files {@code input} names, sorted: one file, or a glob over the files of one directory
   * ({@code dir/*.csv}, as the job's {@code --input} takes).
   */
  public static List<Path> files(String input) throws IOException {
    return LocalFiles.match(input);
  }

  /**
   * Parses every file of {@code files}: a single file on {@code threads} threads over byte ranges,
   * several files one whole file per task on {@code threads} threads. Each part is made for its
   * file's header: {@code newPart} gets the index of each of {@code columns} in that file.
   */
  static <P extends Part> List<Parsed<P>> parse(
      List<Path> files,
      List<String> columns,
      int threads,
      Function<int[], P> newPart,
      Reading reading)
      throws Exception {
    if (files.size() == 1) {
      Path f = files.get(0);
      CsvHeader h = header(f, reading);
      int[] at = indexes(f, h, columns);
      return parse(f, h, threads, () -> newPart.apply(at), reading);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Parsed<P>>> parts = new ArrayList<>();
      for (Path f : files) {
        parts.add(
            pool.submit(
                () -> {
                  CsvHeader h = header(f, reading);
                  int[] at = indexes(f, h, columns);
                  long end =
                      reading.of(f) == Compression.UNCOMPRESSED ? Files.size(f) : Long.MAX_VALUE;
                  return parseRange(
                      f, h.dataStart(), end, h.columns().size(), newPart.apply(at), reading);
                }));
      }
      List<Parsed<P>> out = new ArrayList<>();
      for (Future<Parsed<P>> p : parts) {
        try {
          out.add(p.get());
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@code threads + 1} offsets: the first record boundary at or after each of {@code threads}
   * equal byte ranges of {@code [dataStart, size)}, then {@code size}. 1. summarise each range with
   * the CSV automaton, in parallel; 2. find each range's first record from its true start state.
   */
  static long[] recordStarts(
      Path input, long dataStart, long size, int threads, ExecutorService pool) throws Exception {
    long data = size - dataStart;
    long[] starts = new long[threads + 1];
    for (int i = 0; i <= threads; i++) {
      starts[i] = dataStart + data * i / threads;
    }
    CsvStates states = CsvStates.of(CsvDialect.RFC4180);
    List<Future<ChunkTransitions>> counts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      final long s = starts[i];
      final long e = starts[i + 1];
      counts.add(
          pool.submit(
              () -> {
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
      located.add(
          pool.submit(
              () -> {
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
    return recordStarts;
  }

  /**
   * Parses the records in {@code [start, end)} (both record boundaries) with commons-csv into
   * {@code part}. A record with other than {@code n} fields is bad. A record commons-csv refuses
   * (text after a closing quote, a quoted field never closed) counts as bad, and parsing resumes
   * with a new parser just after it, where the job's record reader says it ends; on well-formed
   * input that costs nothing.
   */
  static <P extends Part> Parsed<P> parseRange(
      Path input, long start, long end, int n, P part, Reading reading) throws IOException {
    long ok = 0;
    long bad = 0;
    long at = start;
    while (at < end) {
      long parsed = 0;
      boolean refused = false;
      try (ReadableByteChannel ch = reading.open(input, at)) {
        InputStream in = new BoundedInputStream(Channels.newInputStream(ch), end - at);
        try (Reader r = new InputStreamReader(in, reading.dialect.charset());
            CSVParser p = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).build().parse(r)) {
          for (CSVRecord rec : p) {
            parsed++;
            if (rec.size() == n && part.add(rec)) {
              ok++;
            } else {
              bad++;
            }
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
      at = skipRecords(input, at, parsed + 1, reading);
    }
    return new Parsed<>(part, ok, bad);
  }

  /** The offset just after the first {@code count} records from {@code at}, a record boundary. */
  private static long skipRecords(Path input, long at, long count, Reading reading)
      throws IOException {
    try (ReadableByteChannel ch = reading.open(input, at)) {
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
      this.in = new BufferedInputStream(in, 1 << 16);
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
