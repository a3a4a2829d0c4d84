package dev.parabeam.transforms.chunks;

/** Gives tests in other packages chunks with arbitrary ranges. */
public final class TestChunks {
  private TestChunks() {}

  /** A chunk of a one-file plan: its ordinal is its index. */
  public static CsvChunk chunk(CsvFile file, int index, long start, long end) {
    return new CsvChunk(file, index, index, start, end);
  }
}
