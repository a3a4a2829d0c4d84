package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.chunks.ChunkIO;
import dev.parabeam.transforms.chunks.ChunkLocator;
import dev.parabeam.transforms.chunks.CsvChunk;
import dev.parabeam.transforms.csv.ChunkTransitions;
import dev.parabeam.transforms.csv.CsvDialect;
import dev.parabeam.transforms.csv.CsvStates;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * The DoFns of {@link ChunkedCsv}'s record-boundary steps: summarise each chunk over the CSV
 * automaton's states ({@code ScanStates}), tell each chunk its start state and line ({@code
 * LocateRecords}), or key chunks located by the launcher for the workers ({@code KeyForWorkers}).
 */
final class LocateFns {
  private LocateFns() {}

  /** Summarises each chunk of a unit: its end state for every start state, and its LF count. */
  static final class ScanChunkFn
      extends DoFn<KV<Integer, Iterable<CsvChunk>>, KV<Integer, KV<CsvChunk, ChunkTransitions>>> {
    private static final long serialVersionUID = 1L;
    private final CsvDialect dialect;
    private final StepElements elements = new StepElements();
    private transient CsvStates states;

    ScanChunkFn(CsvDialect dialect) {
      this.dialect = dialect;
    }

    @Setup
    public void setup() {
      states = CsvStates.of(dialect);
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<CsvChunk>> chunks,
        OutputReceiver<KV<Integer, KV<CsvChunk, ChunkTransitions>>> out)
        throws IOException {
      for (CsvChunk chunk : chunks.getValue()) {
        elements.in(1);
        elements.out(1);
        if (chunk.toEnd()) {
          // the one chunk of a compressed file: nothing after it needs its summary, so it is not
          // read twice (decompressing is the costly part); damage is found when it is parsed
          out.output(KV.of(0, KV.of(chunk, ChunkTransitions.ofLastChunk())));
          continue;
        }
        ChunkTransitions summary;
        try (ReadableByteChannel ch = ChunkIO.open(chunk.file(), chunk.start())) {
          summary = ChunkTransitions.scan(ch, chunk.length(), states);
        } catch (IOException | RuntimeException e) {
          throw ParseChunkFn.chunkFailure(chunk, e);
        }
        out.output(KV.of(0, KV.of(chunk, summary)));
      }
    }
  }

  /** From the summaries of all chunks, tells each chunk the state and line at its first byte. */
  static final class LocateRecordsFn
      extends DoFn<KV<Integer, Iterable<KV<CsvChunk, ChunkTransitions>>>, KV<Integer, CsvChunk>> {
    private static final long serialVersionUID = 1L;
    private final int[] keys;
    private final StepElements elements = new StepElements();

    LocateRecordsFn(int[] keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<CsvChunk, ChunkTransitions>>> all,
        OutputReceiver<KV<Integer, CsvChunk>> out) {
      Map<String, List<KV<CsvChunk, ChunkTransitions>>> byFile = new TreeMap<>();
      for (KV<CsvChunk, ChunkTransitions> kv : all.getValue()) {
        byFile.computeIfAbsent(kv.getKey().file().path(), k -> new ArrayList<>()).add(kv);
      }
      for (List<KV<CsvChunk, ChunkTransitions>> list : byFile.values()) {
        list.sort(Comparator.comparingInt(kv -> kv.getKey().index()));
        List<CsvChunk> chunks = new ArrayList<>(list.size());
        List<ChunkTransitions> summaries = new ArrayList<>(list.size());
        for (KV<CsvChunk, ChunkTransitions> kv : list) {
          chunks.add(kv.getKey());
          summaries.add(kv.getValue());
        }
        elements.in(list.size());
        for (CsvChunk c : ChunkLocator.locate(chunks, summaries)) {
          out.output(KV.of(ChunkedCsv.workerKey(c, keys), c));
          elements.out(1);
        }
      }
    }
  }

  /** Keys chunks that were located before the pipeline for the shuffle to the workers. */
  static final class KeyForWorkersFn extends DoFn<CsvChunk, KV<Integer, CsvChunk>> {
    private static final long serialVersionUID = 1L;
    private final int[] keys;

    KeyForWorkersFn(int[] keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element CsvChunk c, OutputReceiver<KV<Integer, CsvChunk>> out) {
      out.output(KV.of(ChunkedCsv.workerKey(c, keys), c));
    }
  }
}
