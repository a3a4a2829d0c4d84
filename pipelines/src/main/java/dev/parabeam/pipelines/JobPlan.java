package dev.parabeam.pipelines;

import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.ChunkPlanner;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.chunks.CsvFile;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
final class JobPlan {
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
  static JobPlan make(
      ChunkedJobOptions o, List<String> requiredColumns, int parallelism, Path out, int splitInto) {
    CsvDialect dialect;
    try {
      dialect = CsvDialect.of(o.getDelimiter(), o.getQuote()).withEncoding(o.getEncoding());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
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
    List<MatchResult.Metadata> matched;
    try {
      MatchResult m = FileSystems.match(input, EmptyMatchTreatment.ALLOW);
      matched = m.status() == MatchResult.Status.OK ? m.metadata() : List.of();
    } catch (IOException e) {
      throw new UsageException("cannot list --input=" + o.getInput() + ": " + e.getMessage());
    }
    List<MatchResult.Metadata> regular = new ArrayList<>();
    for (MatchResult.Metadata md : matched) {
      String p = md.resourceId().toString();
      if (!md.resourceId().isDirectory() && !(isLocal(p) && Files.isDirectory(Paths.get(p)))) {
        regular.add(md);
      }
    }
    if (regular.isEmpty()) {
      throw new UsageException("--input=" + o.getInput() + " matches no file");
    }
    regular.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));

    List<CsvFile> files = new ArrayList<>();
    long total = 0;
    for (MatchResult.Metadata md : regular) {
      String path = md.resourceId().toString();
      Compression fileCompression = compressionOf(path, compression);
      CsvHeader header;
      try (ReadableByteChannel ch = ChunkIO.openAt(path, fileCompression, 0)) {
        header = CsvHeader.read(ch, dialect, o.getMaxRecordBytes());
      } catch (IllegalArgumentException e) {
        throw new UsageException(path + ": " + e.getMessage());
      } catch (IOException | UncheckedIOException e) {
        String why = rootIoMessage(e);
        throw new UsageException(why.startsWith(path) ? why : "cannot read " + path + ": " + why);
      }
      for (String column : requiredColumns) {
        if (header.indexOf(column) < 0) {
          throw new UsageException(
              path
                  + " has no column '"
                  + column
                  + "' (its columns: "
                  + String.join(", ", header.columns())
                  + ")");
        }
      }
      files.add(
          new CsvFile(
              path,
              md.sizeBytes(),
              header.dataStart(),
              header.dataStartLine(),
              header.columns(),
              fileCompression));
      total += md.sizeBytes();
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
  static Compression compressionOption(String value) {
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
  static Compression compressionOf(String path, Compression option) {
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
