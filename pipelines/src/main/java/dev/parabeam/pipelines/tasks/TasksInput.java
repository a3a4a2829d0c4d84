package dev.parabeam.pipelines.tasks;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.transforms.DeadLetter;
import dev.parabeam.transforms.csv.CsvText;
import dev.parabeam.transforms.tasks.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The tasks of a CSV file ({@code id,priority,kind,millis,fail}, in any order, other columns
 * ignored), read before the pipeline: a task per good record, a dead letter (line, reason, record)
 * per bad one. A file without the columns is misuse.
 */
record TasksInput(List<Task> tasks, List<DeadLetter> deadLetters, long records) {
  static final List<String> COLUMNS = List.of("id", "priority", "kind", "millis", "fail");

  static TasksInput read(List<Path> files) throws IOException {
    List<Task> tasks = new ArrayList<>();
    List<DeadLetter> dead = new ArrayList<>();
    Map<String, String> firstSeen = new HashMap<>();
    long records = 0;
    for (Path f : files) {
      String text;
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f)))
                .toString();
      } catch (CharacterCodingException e) {
        throw new UsageException(f + " is not UTF-8 text");
      }
      if (text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      CSVFormat format =
          CSVFormat.RFC4180
              .builder()
              .setHeader()
              .setSkipHeaderRecord(true)
              .setIgnoreEmptyLines(true)
              .setAllowMissingColumnNames(true)
              .setDuplicateHeaderMode(org.apache.commons.csv.DuplicateHeaderMode.ALLOW_ALL)
              .build();
      List<CSVRecord> rows = new ArrayList<>();
      Map<String, Integer> at;
      try (CSVParser p = CSVParser.parse(text, format)) {
        List<String> header = p.getHeaderNames();
        if (header.isEmpty()) {
          throw new UsageException(f + " is empty: a tasks file starts with the header " + head());
        }
        at = new HashMap<>();
        for (String c : COLUMNS) {
          int i = header.indexOf(c);
          if (i < 0) {
            throw new UsageException(
                f
                    + " has no column '"
                    + c
                    + "' (its columns: "
                    + String.join(", ", header)
                    + "; a tasks file has "
                    + head()
                    + ")");
          }
          if (header.lastIndexOf(c) != i) {
            throw new UsageException(f + " has the column '" + c + "' twice");
          }
          at.put(c, i);
        }
        p.forEach(rows::add);
      } catch (UncheckedIOException | IllegalArgumentException e) {
        throw new UsageException(f + ": " + e.getMessage());
      }
      for (int r = 0; r < rows.size(); r++) {
        CSVRecord rec = rows.get(r);
        records++;
        int from = (int) rec.getCharacterPosition();
        int to = r + 1 < rows.size() ? (int) rows.get(r + 1).getCharacterPosition() : text.length();
        String raw = text.substring(from, to).replaceAll("[\r\n]+$", "");
        long line = 1 + text.substring(0, from).chars().filter(c -> c == '\n').count();
        String reason;
        Task task = null;
        if (rec.size() < at.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1) {
          reason = "expected at least " + COLUMNS.size() + " fields, got " + rec.size();
        } else {
          String id = rec.get(at.get("id"));
          reason = null;
          try {
            task = parse(rec, at);
          } catch (IllegalArgumentException e) {
            reason = e.getMessage();
          }
          if (task != null && firstSeen.containsKey(id)) {
            reason = "duplicate id '" + id + "' (first at " + firstSeen.get(id) + ")";
            task = null;
          }
          if (task != null) {
            firstSeen.put(id, f.getFileName() + ":" + line);
          }
        }
        if (task != null) {
          tasks.add(task);
        } else {
          dead.add(new DeadLetter(f.toString(), line, reason, raw));
        }
      }
    }
    return new TasksInput(tasks, dead, records);
  }

  private static String head() {
    return String.join(",", COLUMNS);
  }

  private static Task parse(CSVRecord rec, Map<String, Integer> at) {
    String id = rec.get(at.get("id"));
    if (id.isEmpty()) {
      throw new IllegalArgumentException("empty id");
    }
    int priority;
    String p = rec.get(at.get("priority"));
    try {
      priority = Integer.parseInt(p.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "priority must be an integer, not '" + CsvText.printable(p) + "'");
    }
    Task.Kind kind;
    String k = rec.get(at.get("kind"));
    switch (k.trim()) {
      case "sleep":
        kind = Task.Kind.SLEEP;
        break;
      case "cpu":
        kind = Task.Kind.CPU;
        break;
      default:
        throw new IllegalArgumentException(
            "unknown kind '" + CsvText.printable(k) + "' (sleep or cpu)");
    }
    long millis;
    String m = rec.get(at.get("millis"));
    try {
      millis = Long.parseLong(m.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "millis must be an integer, not '" + CsvText.printable(m) + "'");
    }
    if (millis < 0) {
      throw new IllegalArgumentException("millis must not be negative, got " + millis);
    }
    if (millis > 3_600_000) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "millis must be at most 3600000 (an hour), got %d", millis));
    }
    Task.Fail fail;
    try {
      fail = Task.Fail.parse(rec.get(at.get("fail")).trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(CsvText.printable(e.getMessage(), 200));
    }
    return new Task(id, priority, kind, millis, fail);
  }
}
