package dev.parabeam.pipelines;

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
