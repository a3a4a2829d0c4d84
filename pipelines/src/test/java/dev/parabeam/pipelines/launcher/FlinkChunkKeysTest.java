package dev.parabeam.pipelines.launcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.junit.Test;

public class FlinkChunkKeysTest {
  /** Key to the subtask (0-based) that received it, filled by {@link RecordSubtask} in this JVM. */
  static final Map<Integer, Integer> SUBTASK_OF_KEY = new ConcurrentHashMap<>();

  /** Flink names a task's thread "... (i/n)#attempt", i counting subtasks from 1. */
  static final class RecordSubtask extends DoFn<KV<Integer, Iterable<Integer>>, Void> {
    private static final long serialVersionUID = 1L;
    private static final Pattern SUBTASK = Pattern.compile("\\((\\d+)/(\\d+)\\)(#\\d+)?$");

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Integer>> kv) {
      String thread = Thread.currentThread().getName();
      Matcher m = SUBTASK.matcher(thread);
      if (!m.find()) {
        throw new IllegalStateException("no subtask in the thread name '" + thread + "'");
      }
      SUBTASK_OF_KEY.put(kv.getKey(), Integer.parseInt(m.group(1)) - 1);
    }
  }

  /**
   * The real thing, not the class's model: a GroupByKey on an embedded Flink at parallelism 4, as
   * the job's DistributeChunks, sends each of the keys chosen for 4 subtasks to its own subtask,
   * and every key 0..63 to the subtask {@link FlinkChunkKeys#subtaskOf} predicts.
   */
  @Test
  public void chosenKeysLandOnDistinctSubtasksOfARealFlinkRun() {
    int parallelism = 4;
    FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    o.setRunner(FlinkRunner.class);
    o.setParallelism(parallelism);
    o.setFasterCopy(true);
    Pipeline p = Pipeline.create(o);
    SUBTASK_OF_KEY.clear();
    p.apply(
            "Keys",
            Create.of(
                    IntStream.range(0, 64).mapToObj(k -> KV.of(k, k)).collect(Collectors.toList()))
                .withCoder(KvCoder.of(VarIntCoder.of(), VarIntCoder.of())))
        .apply("DistributeChunks", GroupByKey.create())
        .apply("RecordSubtask", ParDo.of(new RecordSubtask()));
    p.run().waitUntilFinish();

    assertThat(SUBTASK_OF_KEY.size(), is(64));
    int[] keys = FlinkChunkKeys.forParallelism(parallelism);
    Set<Integer> subtasks = new HashSet<>();
    for (int k : keys) {
      subtasks.add(SUBTASK_OF_KEY.get(k));
    }
    assertThat(
        "subtasks of the keys " + Arrays.toString(keys) + ": " + SUBTASK_OF_KEY,
        subtasks.size(),
        is(parallelism));
    for (int k = 0; k < 64; k++) {
      assertThat("key " + k, SUBTASK_OF_KEY.get(k), is(FlinkChunkKeys.subtaskOf(k, parallelism)));
    }
  }

  @Test
  public void oneKeyPerSubtaskForEveryParallelism() {
    for (int p = 1; p <= 32; p++) {
      int[] keys = FlinkChunkKeys.forParallelism(p);
      assertThat(keys.length, is(p));
      Set<Integer> distinct = new HashSet<>();
      for (int s = 0; s < p; s++) {
        assertThat("p=" + p + " key for subtask " + s, FlinkChunkKeys.subtaskOf(keys[s], p), is(s));
        distinct.add(keys[s]);
      }
      assertThat(distinct.size(), is(p));
    }
  }

  @Test
  public void plainSmallIntegersWouldCollide() {
    // the reason this class exists: keys 0..3 do not reach 4 different subtasks
    int[] subtasks = {0, 1, 2, 3};
    for (int k = 0; k < 4; k++) {
      subtasks[k] = FlinkChunkKeys.subtaskOf(k, 4);
    }
    assertThat(Arrays.stream(subtasks).distinct().count() < 4, equalTo(true));
  }

  @Test
  public void partitionKeysSpreadThePartitionsEvenlyOverTheSubtasks() {
    for (int p = 1; p <= 16; p++) {
      for (int partitions : new int[] {1, p, 4 * p, 4 * p + 3}) {
        int[] keys = FlinkChunkKeys.forPartitions(partitions, p);
        assertThat(keys.length, is(partitions));
        assertThat(
            "distinct keys " + Arrays.toString(keys),
            Arrays.stream(keys).distinct().count(),
            is((long) partitions));
        for (int i = 0; i < partitions; i++) {
          assertThat("p=" + p + " partition " + i, FlinkChunkKeys.subtaskOf(keys[i], p), is(i % p));
        }
      }
    }
  }

  @Test
  public void partitionNumbersAsKeysWouldCrowdOneSubtask() {
    // why the merge gets keys of its own: the 16 partitions of 4 workers under the keys 0..15
    int[] perSubtask = new int[4];
    for (int k = 0; k < 16; k++) {
      perSubtask[FlinkChunkKeys.subtaskOf(k, 4)]++;
    }
    assertThat(Arrays.stream(perSubtask).max().getAsInt() > 4, equalTo(true));
  }
}
