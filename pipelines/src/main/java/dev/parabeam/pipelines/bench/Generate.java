package dev.parabeam.pipelines.bench;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.launcher.Cli;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code generate}: writes a deterministic sales-like CSV dataset with columns {@code
 * id,region,product,customer,amount,note}. The same rows and seed give the same bytes. About one
 * row in twenty has a note with a quoted comma, one in fifty a doubled quote, one in a hundred a
 * line break inside quotes; a few region names hold a comma or non-ASCII text.
 */
public final class Generate {
  static final String HEADER = "id,region,product,customer,amount,note";
  private static final String[] REGIONS = {
    "north",
    "south",
    "east",
    "west",
    "central",
    "Île-de-France",
    "Paris, FR",
    "Zürich",
    "São Paulo",
    "\"Big\" Apple"
  };
  private static final String[] WORDS = {
    "fast", "blue", "crate", "ships", "today", "fragile", "refund", "gift", "box", "late"
  };

  private Generate() {}

  /** The command's options. */
  @Command(
      name = "generate",
      description =
          "Write a deterministic test dataset (the same rows and seed give the same bytes).",
      sortOptions = false,
      showDefaultValues = true)
  public static final class Options extends Cli.Base implements Callable<Integer> {
    @Option(names = "--rows", required = true, description = "Rows to write (>= 0).")
    Long rows;

    @Option(names = "--output", required = true, description = "The CSV file to write.")
    Path output;

    @Option(
        names = "--overwrite",
        arity = "0..1",
        defaultValue = "false",
        description = "Replace --output if it exists (without it, an existing file is refused).")
    boolean overwrite;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed.")
    long seed;

    @Option(names = "--products", defaultValue = "1000", description = "Distinct products (>= 1).")
    long products;

    @Override
    public Integer call() throws IOException {
      return write(this);
    }
  }

  public static int main(String[] argv) {
    return Cli.execute(new Options(), argv, System.out, System.err);
  }

  static int write(Options o) throws IOException {
    long rows = o.rows;
    if (rows < 0) {
      throw new UsageException("--rows must be a number >= 0, got " + rows);
    }
    Path out = o.output.toAbsolutePath();
    long seed = o.seed;
    long products = o.products;
    if (products < 1) {
      throw new UsageException("--products must be >= 1");
    }
    if (Files.isDirectory(out)) {
      throw new UsageException(
          "--output="
              + o.output
              + " is a directory; give the file to write, e.g. "
              + o.output.resolve("data.csv"));
    }
    if (Files.exists(out) && !o.overwrite) {
      throw new UsageException(
          "--output=" + o.output + " exists; give --overwrite=true to replace it, or another file");
    }
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (Writer w =
        new BufferedWriter(
            new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8), 1 << 16)) {
      write(w, rows, seed, (int) products);
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println(
        "wrote "
            + rows
            + " rows to "
            + out
            + " ("
            + Files.size(out)
            + " bytes, seed "
            + seed
            + ")");
    return 0;
  }

  /** Writes header and {@code rows} rows. */
  static void write(Writer w, long rows, long seed, int products) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(256);
    w.write(HEADER);
    w.write('\n');
    for (long i = 1; i <= rows; i++) {
      sb.setLength(0);
      sb.append(i).append(',');
      String region = REGIONS[rnd.nextInt(REGIONS.length)];
      appendField(sb, region);
      sb.append(',').append('P').append(rnd.nextInt(products)).append(',');
      sb.append('C').append(rnd.nextInt(100_000)).append(',');
      long cents = rnd.nextLong(-100_000, 1_000_000);
      if (rnd.nextInt(100) == 0) {
        sb.append(cents).append("e-2");
      } else {
        long abs = Math.abs(cents);
        sb.append(cents < 0 ? "-" : "").append(abs / 100).append('.');
        sb.append((char) ('0' + abs % 100 / 10)).append((char) ('0' + abs % 10));
      }
      sb.append(',');
      int r = rnd.nextInt(100);
      if (r < 5) {
        appendField(sb, WORDS[rnd.nextInt(WORDS.length)] + ", " + WORDS[rnd.nextInt(WORDS.length)]);
      } else if (r < 7) {
        appendField(sb, "the \"" + WORDS[rnd.nextInt(WORDS.length)] + "\" one");
      } else if (r < 8) {
        appendField(sb, WORDS[rnd.nextInt(WORDS.length)] + "\n" + WORDS[rnd.nextInt(WORDS.length)]);
      } else if (r < 50) {
        sb.append(WORDS[rnd.nextInt(WORDS.length)]);
      }
      sb.append('\n');
      w.append(sb);
    }
  }

  private static void appendField(StringBuilder sb, String s) {
    if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
      sb.append('"').append(s.replace("\"", "\"\"")).append('"');
    } else {
      sb.append(s);
    }
  }
}
