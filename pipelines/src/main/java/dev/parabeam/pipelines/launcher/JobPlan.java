package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.ChunkedJobOptions;
import dev.parabeam.pipelines.ColumnList;
import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.CsvText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Everything checked and decided before the pipeline starts, for any chunked job: the options make
 * sense, the input matches files whose headers have the job's columns, the output directory may be
 * written, and the chunks. Any problem is a {@link UsageException}; nothing has been written when
 * one is thrown.
 */
public final class JobPlan {
  final String input;
  final Path output;
  final boolean outputExists;
  final CsvDialect dialect;
  final List<CsvFile> files;
  final List<CsvChunk> chunks;

  /** Whether {@link #chunks} were located (scanned for record boundaries) by the launcher. */
  final boolean chunksLocated;

  final int parallelism;
  final long totalBytes;

  private JobPlan(
      String input,
      Path output,
      boolean outputExists,
      CsvDialect dialect,
      List<CsvFile> files,
      List<CsvChunk> chunks,
      boolean chunksLocated,
      int parallelism,
      long totalBytes) {
    this.input = input;
    this.output = output;
    this.outputExists = outputExists;
    this.dialect = dialect;
    this.files = files;
    this.chunks = chunks;
    this.chunksLocated = chunksLocated;
    this.parallelism = parallelism;
    this.totalBytes = totalBytes;
  }

  /**
   * The plan of a run: the options' checks, the files and their headers, the chunks (with {@code
   * splitInto > 0}: that many byte ranges of about equal size, each its own unit of work).
   */
  public static JobPlan make(
      ChunkedJobOptions o, List<String> requiredColumns, int parallelism, Path out, int splitInto) {
    CsvDialect dialect;
    try {
      dialect =
          CsvDialect.of(delimiterOption(o.getDelimiter()), o.getQuote())
              .withEncoding(o.getEncoding());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    boolean hasHeader = o.getHeader() == null || o.getHeader();
    List<String> names =
        o.getColumns() == null
            ? null
            : ColumnList.parse("columns", o.getColumns(), "region,product,amount");
    Compression compression = compressionOption(o.getCompression());
    if (o.getMaxRecordBytes() == null || o.getMaxRecordBytes() < 1) {
      throw new UsageException("--maxRecordBytes must be a positive number of bytes");
    }
    if (o.getLauncherScanMaxBytes() == null || o.getLauncherScanMaxBytes() < 0) {
      throw new UsageException(
          "--launcherScanMaxBytes must be 0 (always scan inside the pipeline) or a positive number of bytes");
    }
    if (o.getChunkBytes() == null || o.getChunkBytes() < 0) {
      throw new UsageException("--chunkBytes must be 0 (automatic) or a positive number of bytes");
    }

    String input = absolute(o.getInput());
    List<String> paths = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    try {
      if (isLocal(input) && !input.startsWith("file://") && Files.isDirectory(Paths.get(input))) {
        // a directory stands for its files, as in Spark
        for (Path f : LocalFiles.filesIn(Paths.get(input), "input")) {
          paths.add(f.toString());
          sizes.add(Files.size(f));
        }
      } else {
        MatchResult m = FileSystems.match(input, EmptyMatchTreatment.ALLOW);
        List<MatchResult.Metadata> matched =
            new ArrayList<>(m.status() == MatchResult.Status.OK ? m.metadata() : List.of());
        matched.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));
        for (MatchResult.Metadata md : matched) {
          String p = md.resourceId().toString();
          if (!md.resourceId().isDirectory() && !(isLocal(p) && Files.isDirectory(Paths.get(p)))) {
            paths.add(p);
            sizes.add(md.sizeBytes());
          }
        }
      }
    } catch (IOException e) {
      throw new UsageException("cannot list --input=" + o.getInput() + ": " + e.getMessage());
    }
    if (paths.isEmpty()) {
      throw new UsageException("--input=" + o.getInput() + " matches no file");
    }

    List<CsvFile> files = new ArrayList<>();
    long total = 0;
    List<String> firstHeader = null;
    for (int i = 0; i < paths.size(); i++) {
      String path = paths.get(i);
      Compression fileCompression = compressionOf(path, compression);
      CsvHeader header;
      try {
        InputSignature.check(path, fileCompression, compression == Compression.AUTO);
        try (ReadableByteChannel ch = ChunkIO.openAt(path, fileCompression, 0)) {
          header =
              CsvHeader.read(
                  ch, dialect, o.getMaxRecordBytes(), hasHeader, hasHeader ? null : names);
        }
        if (hasHeader && names != null) {
          // --columns renames by position: files whose headers differ would mix their columns
          if (firstHeader == null) {
            firstHeader = header.columns();
          } else if (!header.columns().equals(firstHeader)) {
            throw new UsageException(
                path
                    + ": its header ("
                    + ColumnList.describe(header.columns())
                    + ") is not that of "
                    + paths.get(0)
                    + " ("
                    + ColumnList.describe(firstHeader)
                    + "); --columns renames by position, so every file must have the same header");
          }
          header = header.renamed(names);
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(path + ": " + e.getMessage());
      } catch (IOException | UncheckedIOException e) {
        String why = rootIoMessage(e);
        throw new UsageException(why.startsWith(path) ? why : "cannot read " + path + ": " + why);
      }
      for (String column : requiredColumns) {
        List<Integer> at = header.positions(column);
        if (at.isEmpty()) {
          throw new UsageException(
              path
                  + " has no column '"
                  + CsvText.printable(column)
                  + "' (its columns: "
                  + ColumnList.describe(header.columns())
                  + ")"
                  + delimiterHint(header.columns(), column, dialect));
        }
        if (at.size() > 1) {
          throw new UsageException(
              path
                  + ": "
                  + CsvHeader.ambiguity(column, at)
                  + "; give each column a name of its own with --columns=<names in file order>");
        }
      }
      files.add(
          new CsvFile(
              path,
              sizes.get(i),
              header.dataStart(),
              header.dataStartLine(),
              header.columns(),
              fileCompression));
      total += sizes.get(i);
    }

    boolean exists = Files.exists(out);
    Path outReal = realOrSelf(out);
    for (CsvFile f : files) {
      if (isLocal(f.path()) && realOrSelf(Paths.get(f.path())).startsWith(outReal)) {
        throw new UsageException(
            "--output="
                + o.getOutput()
                + " holds input file "
                + f.path()
                + "; choose another output directory");
      }
    }

    List<CsvChunk> chunks;
    try {
      chunks =
          splitInto > 0
              ? ChunkPlanner.plan(files, 0, splitInto)
              : ChunkPlanner.planAndPack(files, o.getChunkBytes(), parallelism);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return new JobPlan(input, out, exists, dialect, files, chunks, false, parallelism, total);
  }

  /**
   * {@code --delimiter}: one character as given, or {@code tab} (any case) or {@code \\t} (a
   * backslash and a t, as a shell passes {@code '\\t'}) for a tab, which a shell makes hard to
   * type.
   */
  static String delimiterOption(String value) {
    if (value != null && (value.equalsIgnoreCase("tab") || value.equals("\\t"))) {
      return "\t";
    }
    return value;
  }

  /** Candidates for a delimiter that a header split into too few columns may have meant. */
  private static final char[] OTHER_DELIMITERS = {'\t', ';', '|', ','};

  /**
   * "; its header looks like --delimiter=';'" when the header's names hold another common delimiter
   * (the one that splits out {@code missing}, else the most frequent); "" otherwise.
   */
  static String delimiterHint(List<String> columns, String missing, CsvDialect dialect) {
    char best = 0;
    long bestCount = 0;
    boolean bestSplitsOut = false;
    for (char d : OTHER_DELIMITERS) {
      if (d == (char) dialect.delimiter()) {
        continue;
      }
      long count = 0;
      boolean splitsOut = false;
      for (String c : columns) {
        count += c.chars().filter(x -> x == d).count();
        for (String piece : c.split(Pattern.quote(String.valueOf(d)), -1)) {
          splitsOut |= piece.strip().equals(missing);
        }
      }
      if (count > 0
          && (splitsOut && !bestSplitsOut || splitsOut == bestSplitsOut && count > bestCount)) {
        best = d;
        bestCount = count;
        bestSplitsOut = splitsOut;
      }
    }
    if (bestCount == 0) {
      return "";
    }
    return "; its header looks like --delimiter=" + (best == '\t' ? "tab" : "'" + best + "'");
  }

  /** The codecs a file can be read with; AUTO picks one of them (or none) from the name. */
  static final List<Compression> READABLE =
      List.of(
          Compression.UNCOMPRESSED,
          Compression.GZIP,
          Compression.BZIP2,
          Compression.ZIP,
          Compression.DEFLATE,
          Compression.ZSTD);

  /** {@code --compression}: AUTO or one of {@link #READABLE}, case-insensitive. */
  public static Compression compressionOption(String value) {
    String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT);
    if (v.equals("AUTO")) {
      return Compression.AUTO;
    }
    for (Compression c : READABLE) {
      if (c.name().equals(v)) {
        return c;
      }
    }
    StringBuilder names = new StringBuilder("AUTO");
    READABLE.forEach(c -> names.append(", ").append(c.name()));
    throw new UsageException("--compression=" + value + " is not one of " + names);
  }

  /**
   * How {@code path} is read: as {@code option} says, or with AUTO as Beam's {@code
   * Compression.detect} finds from its name (a name with none of the known suffixes is plain text).
   */
  public static Compression compressionOf(String path, Compression option) {
    Compression c = option == Compression.AUTO ? Compression.detect(path) : option;
    if (!READABLE.contains(c)) {
      throw new UsageException(
          path
              + ": "
              + c
              + " compression (from its name) is not supported; give "
              + "--compression=UNCOMPRESSED to read it as plain text");
    }
    if (c == Compression.ZSTD) {
      try {
        Class.forName("com.github.luben.zstd.ZstdInputStream");
      } catch (ClassNotFoundException | LinkageError e) {
        throw new UsageException(
            path + ": ZSTD needs the zstd-jni library, which is not on the class path");
      }
    }
    return c;
  }

  private static String rootIoMessage(Exception e) {
    Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** Whether the launcher should scan the input itself ({@code --launcherScanMaxBytes}). */
  boolean scanOnLauncher(ChunkedJobOptions o) {
    return !chunks.isEmpty() && totalBytes <= o.getLauncherScanMaxBytes();
  }

  /**
   * This plan with its chunks located by one sequential read on this machine. Chunks sized
   * automatically are re-cut to hold equal numbers of lines (equal records are equal work); a size
   * given with {@code --chunkBytes} is kept as it is.
   */
  JobPlan locatedOnLauncher(ChunkedJobOptions o) throws IOException {
    List<CsvChunk> located =
        o.getChunkBytes() == 0
            ? ChunkLocator.scanAndBalanceByLines(chunks, dialect)
            : ChunkLocator.scanAndLocate(chunks, dialect);
    return new JobPlan(
        input, output, outputExists, dialect, files, located, true, parallelism, totalBytes);
  }

  static boolean isLocal(String path) {
    return !path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || path.startsWith("file://");
  }

  /** Local paths become absolute, so that a remote TaskManager reads the same file. */
  static String absolute(String path) {
    if (!isLocal(path) || path.startsWith("file://")) {
      return path;
    }
    return Paths.get(path).toAbsolutePath().normalize().toString();
  }

  private static Path realOrSelf(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      Path parent = p.getParent();
      return parent == null ? p : realOrSelf(parent).resolve(p.getFileName());
    }
  }
}
