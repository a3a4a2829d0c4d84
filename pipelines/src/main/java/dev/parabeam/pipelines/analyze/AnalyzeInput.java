package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parabeam.pipelines.UsageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The documents of {@code analyze}'s input files, read and checked by the launcher before the
 * pipeline: a line is a document or a dead letter (not UTF-8, not JSON, not an object with string
 * fields {@code id} and {@code text}, an empty id), never the end of the run; a duplicate id is
 * misuse. Lines end with LF, CRLF or CR; blank lines do not count; a byte order mark at the start
 * of a file is skipped.
 */
final class AnalyzeInput {
  /** Strict: text after the object, or a key twice, makes the line a dead letter. */
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** The longest part of a bad line that its dead letter shows. */
  static final int MAX_RECORD_CHARS = 1024;

  final List<Path> files;
  final List<Document> docs = new ArrayList<>();
  final List<String> deadLetters = new ArrayList<>();

  /** Lines that are not blank: documents plus dead letters. */
  long lines;

  /** Bytes of the files, and of the dead-letter lines. */
  long bytes;

  long deadBytes;

  private final Map<String, Place> placeOf = new HashMap<>();

  private record Place(Path file, long line) {}

  private AnalyzeInput(List<Path> files) {
    this.files = files;
  }

  /** Reads {@code files} in this order. */
  static AnalyzeInput read(List<Path> files) throws IOException {
    AnalyzeInput in = new AnalyzeInput(files);
    for (Path f : files) {
      byte[] all = Files.readAllBytes(f);
      in.bytes += all.length;
      in.readFile(f, all);
    }
    return in;
  }

  /** Cuts {@code all} into lines (LF, CRLF or CR; a last line may lack its end). */
  private void readFile(Path file, byte[] all) {
    long lineNumber = 0;
    int start = 0;
    while (start < all.length) {
      int end = start;
      while (end < all.length && all[end] != '\n' && all[end] != '\r') {
        end++;
      }
      lineNumber++;
      int from = start;
      if (lineNumber == 1 && end - start >= 3 && startsWithByteOrderMark(all)) {
        from = 3; // a byte order mark, as the CSV jobs skip it
      }
      int next = end < all.length && all[end] == '\r' ? end + 1 : end;
      if (next < all.length && all[next] == '\n') {
        next++;
      }
      line(file, lineNumber, all, from, end, next - start);
      start = next;
    }
  }

  private static boolean startsWithByteOrderMark(byte[] b) {
    return (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF;
  }

  /**
   * The line of {@code file} in {@code bytes[from, to)}; {@code size} bytes of the file with its
   * end (and a byte order mark).
   */
  private void line(Path file, long lineNumber, byte[] bytes, int from, int to, int size) {
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
    CharBuffer out = CharBuffer.allocate(to - from);
    CoderResult r = utf8.decode(in, out, true);
    if (r.isError()) {
      String reason =
          String.format(
              Locale.ROOT,
              "not UTF-8: byte 0x%02X at byte %d of the line",
              bytes[in.position()] & 0xFF,
              in.position() - from + 1);
      // the record as UTF-8 with U+FFFD for what is not, so that dead-letters.jsonl stays UTF-8
      dead(
          file,
          lineNumber,
          reason,
          new String(bytes, from, to - from, StandardCharsets.UTF_8),
          size);
      return;
    }
    utf8.flush(out);
    String text = out.flip().toString();
    if (text.isBlank()) {
      return;
    }
    String reason = null;
    Document d = null;
    try {
      JsonNode n = JSON.readTree(text);
      if (!n.isObject()) {
        reason = "not a JSON object";
      } else if (!n.path("id").isTextual()) {
        reason = "no string field id";
      } else if (n.path("id").asText().isEmpty()) {
        reason = "empty id";
      } else if (!n.path("text").isTextual()) {
        reason = "no string field text";
      } else {
        d = new Document(n.path("id").asText(), n.path("text").asText());
      }
    } catch (JsonProcessingException e) {
      reason = "malformed JSON: " + e.getOriginalMessage();
    }
    if (d == null) {
      dead(file, lineNumber, reason, text, size);
      return;
    }
    Place earlier = placeOf.putIfAbsent(d.id(), new Place(file, lineNumber));
    if (earlier != null) {
      String where =
          earlier.file().equals(file)
              ? file
                  + ": id '"
                  + d.id()
                  + "' is on line "
                  + earlier.line()
                  + " and again on line "
                  + lineNumber
              : "id '"
                  + d.id()
                  + "' is on line "
                  + earlier.line()
                  + " of "
                  + earlier.file()
                  + " and again on line "
                  + lineNumber
                  + " of "
                  + file;
      throw new UsageException(where + "; every document needs its own id");
    }
    lines++;
    docs.add(d);
  }

  private void dead(Path file, long lineNumber, String reason, String record, int byteLength) {
    lines++;
    deadBytes += byteLength;
    ObjectNode dl = JSON.createObjectNode();
    dl.put("file", file.toString());
    dl.put("line", lineNumber);
    dl.put("reason", reason);
    dl.put(
        "record",
        record.length() > MAX_RECORD_CHARS ? record.substring(0, MAX_RECORD_CHARS) : record);
    deadLetters.add(dl.toString());
  }
}
