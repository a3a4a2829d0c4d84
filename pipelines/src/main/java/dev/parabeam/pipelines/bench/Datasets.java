package dev.parabeam.pipelines.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Generated datasets cached by size and seed (never committed). */
public final class Datasets {
  private Datasets() {}

  /** The dataset of {@code rows} rows and {@code seed} under {@code dir}, generated if missing. */
  public static Path ensure(Path dir, long rows, long seed) throws IOException {
    return ensure(dir, rows, seed, 1000);
  }

  /** As {@link #ensure(Path, long, long)}, with {@code products} distinct product ids at most. */
  public static Path ensure(Path dir, long rows, long seed, int products) throws IOException {
    Files.createDirectories(dir);
    Path f =
        dir.resolve(
            "sales-"
                + rows
                + (products == 1000 ? "" : "-products" + products)
                + "-seed"
                + seed
                + ".csv");
    if (Files.exists(f)) {
      return f;
    }
    Path tmp = dir.resolve(f.getFileName() + ".tmp");
    try (Writer w =
        new BufferedWriter(
            new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8), 1 << 16)) {
      Generate.write(w, rows, seed, products);
    }
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return f;
  }
}
