package dev.parabeam.pipelines;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options every chunked CSV job has: input, dialect, limits and chunking (and, as every job, the
 * output: {@link JobOptions}). A job's own options extend this interface. Runner options (--runner,
 * --targetParallelism, --parallelism, …) apply too.
 */
public interface ChunkedJobOptions extends JobOptions {
  @Description(
      "Input CSV file, glob (e.g. data/*.csv) or directory (its files, not those of its subdirectories;"
          + " names starting with . or _ are skipped). Every file starts with a header line unless"
          + " --header=false.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Field separator: one ASCII character, or tab (also written \\t).")
  @Default.String(",")
  String getDelimiter();

  void setDelimiter(String value);

  @Description(
      "Whether the first record of every file is its header. false: every record is data, and the"
          + " columns are named column1, column2, ... (as many as each file's first record has"
          + " fields) or as --columns says.")
  @Default.Boolean(true)
  Boolean getHeader();

  void setHeader(Boolean value);

  @Description(
      "Comma-separated names for the columns, in file order (e.g. region,product,amount). With"
          + " --header=false they name the columns of every file; with a header they replace its names"
          + " (the header is still skipped and must have as many columns).")
  String getColumns();

  void setColumns(String value);

  @Description("Quote character: one ASCII character.")
  @Default.String("\"")
  String getQuote();

  void setQuote(String value);

  @Description(
      "How the input files are compressed: AUTO (from each file's name, as Beam's Compression.detect: "
          + ".gz, .bz2, .zip, .deflate, .zst; any other name is plain text), UNCOMPRESSED, GZIP, BZIP2, ZIP, DEFLATE "
          + "or ZSTD. A compressed file cannot be cut into byte ranges: it is read whole by one worker.")
  @Default.String("AUTO")
  String getCompression();

  void setCompression(String value);

  @Description(
      "Encoding of the input text: UTF-8 (a byte order mark is skipped) or a single-byte charset whose "
          + "bytes 0x00-0x7F are ASCII (ISO-8859-1, windows-1252, ...). Outputs are UTF-8; a byte the charset does "
          + "not define makes its record a dead letter.")
  @Default.String("UTF-8")
  String getEncoding();

  void setEncoding(String value);

  @Description(
      "Longest record accepted, in bytes; a longer one becomes a dead letter (memory stays bounded).")
  @Default.Integer(1 << 20)
  Integer getMaxRecordBytes();

  void setMaxRecordBytes(Integer value);

  @Description(
      "Size of a chunk, the unit of parallel work, in bytes. 0 = choose from the data size and the parallelism.")
  @Default.Long(0)
  Long getChunkBytes();

  void setChunkBytes(Long value);

  @Description(
      "Inputs of up to this many bytes in all are scanned for record boundaries by the launcher, in one "
          + "sequential read before the pipeline starts, which spares the pipeline a parallel pass and two shuffles; "
          + "larger inputs are scanned in parallel inside the pipeline. 0 = always inside the pipeline.")
  @Default.Long(64L << 20)
  Long getLauncherScanMaxBytes();

  void setLauncherScanMaxBytes(Long value);

  @Description(
      "Memory the per-key state of one worker JVM may hold while it reads, in bytes or with a suffix "
          + "(64k, 256m, 2g). Past its share (the budget over the workers) a unit of work writes its keys as "
          + "sorted run files into the run's staging directory and starts afresh; the runs are merged per "
          + "partition in parallel (docs/parallelism.md). 0 = 40% of the worker's heap (-Xmx).")
  @Default.String("0")
  String getMemoryBudget();

  void setMemoryBudget(String value);
}
