package dev.parabeam.pipelines.launcher;

import java.util.Arrays;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.flink.util.MathUtils;

/**
 * Shuffle keys that the Flink runner sends to distinct subtasks, so that chunks spread evenly.
 *
 * <p>In batch mode, beam-runners-flink translates a keyed shuffle into a DataSet {@code groupBy} on
 * the coder-encoded key bytes; Flink hashes them ({@code Arrays.hashCode}, then {@code
 * MathUtils.murmurHash}) modulo the parallelism to pick the subtask. With random keys, four chunks
 * on four subtasks collide most of the time (all distinct with probability 4!/4^4 = 9%), and the
 * job waits for the subtask that got two. This class searches small integers until it has one key
 * per subtask. If a future runner hashes differently, the keys are still valid, only the balance is
 * lost.
 */
public final class FlinkChunkKeys {
  private FlinkChunkKeys() {}

  /** One key per subtask: {@code keys[s]} goes to subtask {@code s}. */
  public static int[] forParallelism(int parallelism) {
    int p = Math.max(1, parallelism);
    int[] keys = new int[p];
    boolean[] found = new boolean[p];
    int missing = p;
    for (int k = 0; missing > 0; k++) {
      int subtask = subtaskOf(k, p);
      if (!found[subtask]) {
        found[subtask] = true;
        keys[subtask] = k;
        missing--;
      }
    }
    return keys;
  }

  /**
   * One distinct key per partition, partition {@code i}'s going to subtask {@code i % parallelism}:
   * the shuffle keys of the partition merges ({@code WriteChunkedOutputs.withShuffleKeys}), so that
   * every subtask merges {@code partitions / parallelism} partitions (the partition numbers
   * themselves hash unevenly: at parallelism 4, 8 of the 16 partitions 0..15 reach one subtask).
   */
  public static int[] forPartitions(int partitions, int parallelism) {
    int p = Math.max(1, parallelism);
    int[] keys = new int[partitions];
    int[] next = new int[p]; // the next partition of each subtask that still needs a key
    for (int s = 0; s < p; s++) {
      next[s] = s;
    }
    int missing = partitions;
    for (int k = 0; missing > 0; k++) {
      int subtask = subtaskOf(k, p);
      if (next[subtask] < partitions) {
        keys[next[subtask]] = k;
        next[subtask] += p;
        missing--;
      }
    }
    return keys;
  }

  /** The subtask Flink's hash partitioning picks for the Beam key {@code k} (VarIntCoder). */
  static int subtaskOf(int k, int parallelism) {
    try {
      byte[] encoded = CoderUtils.encodeToByteArray(VarIntCoder.of(), k);
      return MathUtils.murmurHash(Arrays.hashCode(encoded)) % parallelism;
    } catch (CoderException e) {
      throw new IllegalStateException(e);
    }
  }
}
