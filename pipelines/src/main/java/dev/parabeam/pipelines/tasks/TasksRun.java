package dev.parabeam.pipelines.tasks;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.Job.ProgressCounter;
import dev.parabeam.pipelines.launcher.FlinkChunkKeys;
import dev.parabeam.pipelines.launcher.Timeline;
import dev.parabeam.pipelines.launcher.WriteSortedLines;
import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.tasks.SimulatedWork;
import dev.parabeam.transforms.tasks.Task;
import dev.parabeam.transforms.tasks.TaskAttempt;
import dev.parabeam.transforms.tasks.TaskOutcome;
import dev.parabeam.transforms.tasks.TaskPool;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** One run of {@link TasksJob}: the pool, the files written from its outcomes, their checks. */
final class TasksRun implements Job.Run {
  static final String TASKS_HEADER = "id,priority,worker,attempts,start_ms,end_ms,outcome,error";
  static final String ATTEMPTS_HEADER = "id,worker,seq,attempt,start_ms,end_ms,outcome,error";

  private final TasksOptions o;
  private final String input;
  private final TasksInput in;
  private final int workers;
  private final int parallelism;
  private long startMillis = System.currentTimeMillis();
  private long failed;

  TasksRun(TasksOptions o, String input, TasksInput in, int workers, int parallelism) {
    this.o = o;
    this.input = input;
    this.in = in;
    this.workers = workers;
    this.parallelism = parallelism;
  }

  /** The job's start, the origin of every time in the outputs: just before the pipeline. */
  @Override
  public void beforeBuild(Path staging) {
    startMillis = System.currentTimeMillis();
  }

  @Override
  public void build(Pipeline p, Path staging) {
    TaskPool pool =
        TaskPool.of(workers, SimulatedWork.INSTANCE)
            .withMaxAttempts(o.getMaxAttempts())
            .withStartMillis(startMillis);
    if (o.getRunner().getSimpleName().startsWith("Flink") && workers == parallelism) {
      // keys that Flink's hash partitioning sends to distinct subtasks: one worker per subtask
      pool = pool.withWorkerKeys(FlinkChunkKeys.forParallelism(workers));
    }
    KvCoder<String, String> lines = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    PCollection<TaskOutcome> outcomes =
        p.apply("Tasks", Create.of(in.tasks()).withCoder(SerializableCoder.of(Task.class)))
            .apply("TaskPool", pool);
    outcomes
        .apply("TaskRows", ParDo.of(new TaskRowFn()))
        .setCoder(lines)
        .apply("WriteTasks", WriteSortedLines.to(staging.resolve(TasksJob.TASKS), TASKS_HEADER));
    outcomes
        .apply("AttemptRows", ParDo.of(new AttemptRowsFn()))
        .setCoder(lines)
        .apply(
            "WriteAttempts",
            WriteSortedLines.to(staging.resolve(TasksJob.ATTEMPTS), ATTEMPTS_HEADER));
    p.apply(
            "DeadLetters",
            Create.of(in.deadLetters().stream().map(TasksRun::deadLetterRow).toList())
                .withCoder(lines))
        .apply(
            "WriteDeadLetters",
            WriteSortedLines.to(staging.resolve(TasksJob.DEAD_LETTERS), DeadLetter.CSV_HEADER));
  }

  private static KV<String, String> deadLetterRow(DeadLetter d) {
    return KV.of(d.file() + "\u0000" + String.format("%019d", d.line()), d.toCsvRow());
  }

  /** Sort key of a task id: integer ids first, by value; then the others, by text. */
  static String idOrder(String id) {
    return id.matches("[0-9]{1,18}") ? "0" + String.format("%018d", Long.parseLong(id)) : "1" + id;
  }

  static final class TaskRowFn extends DoFn<TaskOutcome, KV<String, String>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element TaskOutcome t, OutputReceiver<KV<String, String>> out) {
      out.output(
          KV.of(
              idOrder(t.task().id()),
              CsvText.row(
                  t.task().id(),
                  Integer.toString(t.task().priority()),
                  Integer.toString(t.worker()),
                  Integer.toString(t.attempts().size()),
                  Long.toString(t.startMs()),
                  Long.toString(t.endMs()),
                  t.succeeded() ? "succeeded" : "failed",
                  t.succeeded() ? "" : t.error())));
    }
  }

  static final class AttemptRowsFn extends DoFn<TaskOutcome, KV<String, String>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element TaskOutcome t, OutputReceiver<KV<String, String>> out) {
      for (TaskAttempt a : t.attempts()) {
        out.output(
            KV.of(
                String.format("%010d/%010d", a.worker(), a.seq()),
                CsvText.row(
                    a.taskId(),
                    Integer.toString(a.worker()),
                    Integer.toString(a.seq()),
                    Integer.toString(a.attempt()),
                    Long.toString(a.startMs()),
                    Long.toString(a.endMs()),
                    a.succeeded() ? "succeeded" : "failed",
                    a.succeeded() ? "" : a.error())));
      }
    }
  }

  /** Progress: the tasks the pool's workers have finished, of all the input's tasks. */
  @Override
  public long progressTotal() {
    return in.tasks().size();
  }

  @Override
  public ProgressCounter progressCounter() {
    return new ProgressCounter(TaskPool.METRICS_NAMESPACE, TaskPool.TASKS, "", " tasks", 1);
  }

  @Override
  public List<String> outputs() {
    return List.of(
        TasksJob.TASKS, TasksJob.ATTEMPTS, TasksJob.DEAD_LETTERS, Timeline.CSV, Timeline.PNG);
  }

  static List<CSVRecord> rows(Path f) throws IOException {
    try (CSVParser p =
        CSVParser.parse(
            f,
            StandardCharsets.UTF_8,
            CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build())) {
      return p.getRecords();
    }
  }

  @Override
  public Map<String, Object> finish(PipelineResult result, Path staging) throws Exception {
    List<CSVRecord> tasks = rows(staging.resolve(TasksJob.TASKS));
    List<CSVRecord> attempts = rows(staging.resolve(TasksJob.ATTEMPTS));
    if (tasks.size() != in.tasks().size()) {
      throw new Job.Failure(
          "tasks.csv has " + tasks.size() + " tasks, the input " + in.tasks().size());
    }
    long succeeded = 0;
    long attemptSum = 0;
    Map<Integer, long[]> waits = new TreeMap<>(); // priority -> {count, sum, max}
    long firstStart = Long.MAX_VALUE;
    for (CSVRecord r : tasks) {
      if (r.get("outcome").equals("succeeded")) {
        succeeded++;
      }
      attemptSum += Long.parseLong(r.get("attempts"));
      long[] w = waits.computeIfAbsent(Integer.parseInt(r.get("priority")), k -> new long[3]);
      long start = Long.parseLong(r.get("start_ms"));
      firstStart = Math.min(firstStart, start);
      w[0]++;
      w[1] += start;
      w[2] = Math.max(w[2], start);
    }
    if (attemptSum != attempts.size()) {
      throw new Job.Failure(
          "attempts.csv has " + attempts.size() + " attempts, tasks.csv counts " + attemptSum);
    }
    failed = tasks.size() - succeeded;
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("input", input);
    summary.put("tasks", tasks.size());
    summary.put("succeeded", succeeded);
    summary.put("failed", failed);
    summary.put("attempts", attempts.size());
    summary.put("retries", attempts.size() - tasks.size());
    summary.put("dead_letters", in.deadLetters().size());
    summary.put("max_attempts", o.getMaxAttempts());
    summary.put("runner", o.getRunner().getSimpleName());
    summary.put("parallelism", parallelism);
    // the pipeline's own start-up, in every wait below: when the first task started
    summary.put("first_start_ms", tasks.isEmpty() ? 0 : firstStart);
    long first = firstStart;
    waits.forEach(
        (priority, w) -> {
          summary.put(
              "wait_ms_mean_p" + priority,
              BigDecimal.valueOf(w[1]).divide(BigDecimal.valueOf(w[0]), 1, RoundingMode.HALF_EVEN));
          summary.put("wait_ms_max_p" + priority, w[2]);
        });
    // the same from the first task's start: the pool's own waits, without the pipeline's start-up
    waits.forEach(
        (priority, w) -> {
          summary.put(
              "wait_after_first_start_ms_mean_p" + priority,
              BigDecimal.valueOf(w[1] - w[0] * first)
                  .divide(BigDecimal.valueOf(w[0]), 1, RoundingMode.HALF_EVEN));
          summary.put("wait_after_first_start_ms_max_p" + priority, w[2] - first);
        });
    // a bar per attempt, a lane per worker of the pool (times are already from the job's start)
    List<Timeline.Span> spans = new ArrayList<>();
    for (CSVRecord a : attempts) {
      spans.add(
          new Timeline.Span(
              "task " + a.get("id") + " attempt " + a.get("attempt"),
              "worker " + a.get("worker"),
              Long.parseLong(a.get("start_ms")),
              Long.parseLong(a.get("end_ms")),
              1,
              0));
    }
    spans.sort(
        java.util.Comparator.comparingLong(Timeline.Span::startMs)
            .thenComparing(Timeline.Span::task));
    Timeline.writeRun(
        spans,
        startMillis,
        "tasks: " + attempts.size() + " attempts",
        o.getRunner().getSimpleName(),
        staging,
        summary);
    return summary;
  }

  @Override
  public Job.DeadLetters deadLetters() {
    return new Job.DeadLetters(in.records(), in.deadLetters().size(), 0, 0, TasksJob.DEAD_LETTERS);
  }

  @Override
  public void report(Path output, PrintStream out, PrintStream err) throws IOException {
    List<String> lines = Files.readAllLines(output.resolve(TasksJob.TASKS));
    out.println(
        String.format(
            Locale.ROOT,
            "tasks.csv (%,d tasks, %,d failed on %d workers):",
            lines.size() - 1,
            failed,
            workers));
    lines.stream().limit(6).forEach(l -> out.println("  " + l));
    if (lines.size() > 6) {
      out.println("  ...");
    }
    if (!in.deadLetters().isEmpty()) {
      out.println(
          String.format(
              Locale.ROOT,
              "dead letters: %,d in %s",
              in.deadLetters().size(),
              output.resolve(TasksJob.DEAD_LETTERS)));
    }
  }
}
