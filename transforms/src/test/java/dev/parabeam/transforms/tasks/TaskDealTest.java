package dev.parabeam.transforms.tasks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.Test;

public class TaskDealTest {
  static List<Task> random(Random rnd, int n) {
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(
          new Task("t" + i, 1 + rnd.nextInt(3), Task.Kind.SLEEP, rnd.nextInt(200), Task.Fail.NONE));
    }
    return tasks;
  }

  @Test
  public void everyTaskOnceInPriorityOrderBalancedAndIndependentOfInputOrder() {
    Random rnd = new Random(25);
    for (int round = 0; round < 200; round++) {
      int workers = 1 + rnd.nextInt(6);
      List<Task> tasks = random(rnd, rnd.nextInt(40));
      List<List<Task>> dealt = TaskDeal.deal(tasks, workers);
      assertThat(dealt.size(), is(workers));
      List<Task> all = new ArrayList<>();
      long maxMillis = 0;
      long[] load = new long[workers];
      for (int w = 0; w < workers; w++) {
        List<Task> mine = dealt.get(w);
        all.addAll(mine);
        for (int i = 1; i < mine.size(); i++) {
          assertThat(mine.get(i - 1).priority(), lessThanOrEqualTo(mine.get(i).priority()));
        }
        for (Task t : mine) {
          load[w] += t.millis();
          maxMillis = Math.max(maxMillis, t.millis());
        }
      }
      List<String> ids = new ArrayList<>(all.stream().map(Task::id).toList());
      List<String> expected = new ArrayList<>(tasks.stream().map(Task::id).toList());
      Collections.sort(ids);
      Collections.sort(expected);
      assertThat(ids, equalTo(expected));
      long min = Long.MAX_VALUE;
      long max = 0;
      for (long l : load) {
        min = Math.min(min, l);
        max = Math.max(max, l);
      }
      // greedy to the least loaded: no worker is more than one task ahead of the least loaded
      assertThat(max - min, lessThanOrEqualTo(maxMillis));
      List<Task> shuffled = new ArrayList<>(tasks);
      Collections.shuffle(shuffled, rnd);
      assertThat(TaskDeal.deal(shuffled, workers), equalTo(dealt));
    }
  }

  @Test
  public void everyWorkerStartsWithAnUrgentTaskWhenThereAreEnough() {
    Random rnd = new Random(7);
    List<Task> tasks = random(rnd, 60);
    long urgent = tasks.stream().filter(t -> t.priority() == 1).count();
    int workers = (int) Math.min(urgent, 5);
    for (List<Task> mine : TaskDeal.deal(tasks, workers)) {
      assertThat(mine.get(0).priority(), is(1));
    }
  }

  @Test
  public void withinAPriorityTheLongestIsDealtFirst() {
    List<Task> tasks =
        List.of(
            new Task("a", 2, Task.Kind.SLEEP, 10, Task.Fail.NONE),
            new Task("b", 1, Task.Kind.SLEEP, 5, Task.Fail.NONE),
            new Task("c", 2, Task.Kind.SLEEP, 90, Task.Fail.NONE),
            new Task("d", 1, Task.Kind.SLEEP, 50, Task.Fail.NONE));
    List<List<Task>> one = TaskDeal.deal(tasks, 1);
    assertThat(one.get(0).stream().map(Task::id).toList(), equalTo(List.of("d", "b", "c", "a")));
    List<List<Task>> two = TaskDeal.deal(tasks, 2);
    // d (50) to worker 0, b (5) to 1, c (90) to 1 (load 5), a (10) to 0 (load 50)
    assertThat(two.get(0).stream().map(Task::id).toList(), equalTo(List.of("d", "a")));
    assertThat(two.get(1).stream().map(Task::id).toList(), equalTo(List.of("b", "c")));
  }

  @Test
  public void refusesNoWorkers() {
    assertThrows(IllegalArgumentException.class, () -> TaskDeal.deal(List.of(), 0));
  }

  @Test
  public void failModesParse() {
    assertThat(Task.Fail.parse("transient:2"), equalTo(Task.Fail.transientFor(2)));
    assertThat(Task.Fail.parse("error").toString(), is("error"));
    for (String bad : List.of("transient", "transient:-1", "transient:x", "Permanent", "")) {
      assertThrows(bad, IllegalArgumentException.class, () -> Task.Fail.parse(bad));
    }
  }
}
