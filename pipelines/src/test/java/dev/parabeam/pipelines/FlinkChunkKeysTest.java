package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.Test;

public class FlinkChunkKeysTest {
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
}
