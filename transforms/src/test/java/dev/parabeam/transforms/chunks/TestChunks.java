package dev.parabeam.transforms.chunks;

/** Gives tests in other packages chunks with arbitrary ranges. */
public final class TestChunks {
  private TestChunks() {}

  public static CsvChunk chunk(CsvFile file, int index, long start, long end) {
    return new CsvChunk(file, index, start, end);
  }
}
